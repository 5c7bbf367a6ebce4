import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { decode } from "../../../codecs/tnetstring/decode.ts";
import type { TnetValue } from "../../../codecs/tnetstring/value.ts";
import { ascii } from "./tnet_arbitraries.ts";

function value(s: string | Uint8Array): TnetValue {
  const r = decode(typeof s === "string" ? ascii(s) : s);
  if ("error" in r) throw r.error;
  return r.value;
}

function error(s: string | Uint8Array): string {
  const r = decode(typeof s === "string" ? ascii(s) : s);
  ok("error" in r, `expected an error for ${s}`);
  return r.error.message;
}

Deno.test("decodes every tag", () => {
  deepStrictEqual(value("5:hello,"), ascii("hello"));
  strictEqual(value("5:hélo;"), "hélo");
  strictEqual(value("3:-12#"), -12);
  strictEqual(value("2:+5#"), 5);
  strictEqual(value("4:1.25^"), 1.25);
  strictEqual(value("5:1e-05^"), 0.00001);
  strictEqual(value("3:inf^"), Infinity);
  strictEqual(value("4:true!"), true);
  strictEqual(value("5:false!"), false);
  strictEqual(value("0:~"), null);
  deepStrictEqual(value("19:5:12345#4:true!1:0#]"), [12345, true, 0]);
  deepStrictEqual(value("0:]"), []);
  deepStrictEqual(value("0:}"), {});
  deepStrictEqual(value("09:3:abc;0:]}"), { abc: [] });
});

Deno.test("dict keys: str or (old files) bytes; key order is kept as read", () => {
  const d = value("36:5:outer;24:6:second;1:2#5:first;0:~}}") as Record<string, TnetValue>;
  deepStrictEqual(d, { outer: { second: 2, first: null } });
  deepStrictEqual(Object.keys(d.outer as object), ["second", "first"]);
  deepStrictEqual(value("14:4:type,4:http,}"), { type: ascii("http") });
});

Deno.test("a __proto__ key is an ordinary key", () => {
  const d = value("15:9:__proto__;0:}}") as Record<string, TnetValue>;
  strictEqual(Object.getPrototypeOf(d), Object.prototype);
  deepStrictEqual(Object.keys(d), ["__proto__"]);
  deepStrictEqual(Object.getOwnPropertyDescriptor(d, "__proto__")?.value, {});
});

Deno.test("errors name the byte offset and the problem", () => {
  strictEqual(
    error("5:hello"),
    "invalid tnetstring at byte 0: length 5 runs past the end of the enclosing value (5 left)",
  );
  strictEqual(error("5x"), "invalid tnetstring at byte 1: expected ':' after length, got \"x\"");
  strictEqual(error(":x,"), 'invalid tnetstring at byte 0: expected a length digit, got ":"');
  strictEqual(
    error("1234567890123:"),
    "invalid tnetstring at byte 0: length prefix longer than 12 digits",
  );
  strictEqual(error("2:ab?"), 'invalid tnetstring at byte 4: unknown type tag "?"');
  strictEqual(error("2:ab#"), 'invalid tnetstring at byte 4: invalid integer literal "ab"');
  strictEqual(error("1:x^"), 'invalid tnetstring at byte 3: invalid float literal "x"');
  strictEqual(error("3:yes!"), 'invalid tnetstring at byte 5: invalid boolean literal "yes"');
  strictEqual(error("1:x~"), "invalid tnetstring at byte 3: null must have an empty payload");
  strictEqual(error("8:1:a;1:1#]x"), "invalid tnetstring at byte 11: 1 bytes after the value");
  strictEqual(error("4:1:a;}"), "invalid tnetstring at byte 6: dict key without a value");
  strictEqual(error("8:1:1#1:1#}"), "invalid tnetstring at byte 2: dict key must be a string");
  strictEqual(
    error("6:4:abc,]"),
    "invalid tnetstring at byte 2: length 4 runs past the end of the enclosing value (4 left)",
  );
  strictEqual(
    error(new Uint8Array([0x32, 0x3a, 0xff, 0xfe, 0x3b])),
    "invalid tnetstring at byte 2: string is not valid UTF-8",
  );
  strictEqual(error(""), "invalid tnetstring at byte 0: empty input");
});

Deno.test("deep nesting is parsed without recursion", () => {
  let s = "0:~";
  for (let i = 0; i < 100_000; i++) s = `${s.length}:${s}]`;
  let v = value(s);
  let depth = 0;
  while (Array.isArray(v)) {
    v = v[0];
    depth++;
  }
  strictEqual(depth, 100_000);
  strictEqual(v, null);
});
