import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { decode } from "../../../codecs/tnetstring/decode.ts";
import {
  type EncodableValue,
  encode,
  type EncodeOptions,
  Float,
} from "../../../codecs/tnetstring/encode.ts";
import { ascii, text, tnetValue } from "./tnet_arbitraries.ts";

const enc = (v: EncodableValue, options?: EncodeOptions) => text(encode(v, options));

Deno.test("scalars are written like mitmproxy's tnetstring.dumps", () => {
  strictEqual(enc(ascii("hello world")), "11:hello world,");
  strictEqual(enc("hello world"), "11:hello world;");
  strictEqual(enc("ünï"), "5:ünï;");
  strictEqual(enc(12345), "5:12345#");
  strictEqual(enc(-7), "2:-7#");
  strictEqual(enc(1e21), "22:1000000000000000000000#");
  strictEqual(enc(1.5), "3:1.5^");
  strictEqual(enc(new Float(946681200)), "11:946681200.0^");
  strictEqual(enc(new Float(0.00001)), "5:1e-05^");
  strictEqual(enc(NaN), "3:nan^");
  strictEqual(enc(-Infinity), "4:-inf^");
  strictEqual(enc(true), "4:true!");
  strictEqual(enc(false), "5:false!");
  strictEqual(enc(null), "0:~");
});

Deno.test("lists keep their order; dicts are written in reverse insertion order", () => {
  strictEqual(enc([12345, true, 0]), "19:5:12345#4:true!1:0#]");
  strictEqual(enc([]), "0:]");
  strictEqual(enc({}), "0:}");
  strictEqual(enc({ a: 1, b: [ascii("x")] }), "19:1:b;4:1:x,]1:a;1:1#}");
  strictEqual(
    enc({ outer: { first: null, second: 2 } }),
    "36:5:outer;24:6:second;1:2#5:first;0:~}}",
  );
});

Deno.test("isFloat decides int vs float by path", () => {
  const seen: string[] = [];
  const out = enc({
    timestamp_start: 946681200,
    port: 80,
    messages: [[true, ascii("x"), 5]],
  }, {
    isFloat(path, value) {
      seen.push(`${path.join(".")}=${value}`);
      const last = path.at(-1);
      return (typeof last === "string" && last.startsWith("timestamp")) ||
        (path.length === 3 && path[0] === "messages" && last === 2);
    },
  });
  strictEqual(
    out,
    "82:8:messages;21:17:4:true!1:x,3:5.0^]]4:port;2:80#15:timestamp_start;11:946681200.0^}",
  );
  deepStrictEqual(seen.sort(), ["messages.0.2=5", "port=80", "timestamp_start=946681200"]);
});

Deno.test("values that are not tnetstring values are our bug: TypeError", () => {
  throws(() => encode(undefined as unknown as EncodableValue), TypeError);
  throws(() => encode({ f: (() => 1) as unknown as EncodableValue }), TypeError);
});

Deno.test("property: decode(encode(v)) == v", () => {
  fc.assert(
    fc.property(tnetValue, (v) => {
      const r = decode(encode(v));
      if ("error" in r) throw r.error;
      deepStrictEqual(r.value, v);
    }),
    { numRuns: 500 },
  );
});
