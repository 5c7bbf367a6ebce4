import { equal } from "node:assert/strict";
import { pythonRepr, pythonStr, reprBytes, reprStr } from "../../../core/flowfilter/python_repr.ts";

Deno.test("reprStr: quotes and escapes like Python", () => {
  equal(reprStr("abc"), "'abc'");
  equal(reprStr("it's"), `"it's"`);
  equal(reprStr(`it's "x"`), `'it\\'s "x"'`);
  equal(reprStr("a\\b\n\r\t"), "'a\\\\b\\n\\r\\t'");
  equal(reprStr("\x00\x7f\x85\xa0\xad"), "'\\x00\\x7f\\x85\\xa0\\xad'");
  equal(reprStr("café 😀 測"), "'café 😀 測'");
  equal(reprStr("\u2028\u{e0001}"), "'\\u2028\\U000e0001'");
});

Deno.test("reprBytes: b'...' with printable ASCII kept", () => {
  const b = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  equal(reprBytes(b("abc")), "b'abc'");
  equal(reprBytes(b("it's")), `b"it's"`);
  equal(reprBytes(b("\x00\xff\\\n")), "b'\\x00\\xff\\\\\\n'");
});

Deno.test("pythonRepr and pythonStr of metadata values", () => {
  equal(pythonStr("plain"), "plain");
  equal(pythonStr(1), "1");
  equal(pythonStr(1.5), "1.5");
  equal(pythonStr(NaN), "nan");
  equal(pythonStr(-Infinity), "-inf");
  equal(pythonStr(true), "True");
  equal(pythonStr(null), "None");
  equal(pythonStr({ key: "value" }), "{'key': 'value'}");
  equal(pythonStr([1, "x", new Uint8Array([98]), [], {}]), "[1, 'x', b'b', [], {}]");
  equal(pythonRepr("s"), "'s'");
  equal(pythonRepr({ a: { b: [false, null] } }), "{'a': {'b': [False, None]}}");
});
