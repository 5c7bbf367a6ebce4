import assert from "node:assert/strict";
import fc from "fast-check";
import { isValidUtf8, Utf8Validator } from "../../../codecs/websocket/utf8_validator.ts";
import { hex, splitAt, utf8 } from "./test_util.ts";

const FATAL = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function nativeValid(bytes: Uint8Array): boolean {
  try {
    FATAL.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

Deno.test("RFC 3629 edge cases", () => {
  const valid = [
    "",
    "41",
    "c2 80",
    "df bf",
    "e0 a0 80",
    "ed 9f bf",
    "ee 80 80",
    "ef bf bf",
    "f0 90 80 80",
    "f4 8f bf bf",
  ];
  const invalid = [
    "80", // lone continuation
    "c0 80", // overlong NUL
    "c1 bf", // overlong
    "e0 9f bf", // overlong 3-byte
    "ed a0 80", // surrogate U+D800
    "f0 8f bf bf", // overlong 4-byte
    "f4 90 80 80", // above U+10FFFF
    "f5 80 80 80",
    "ff",
    "c2 41", // missing continuation
  ];
  for (const v of valid) assert.ok(isValidUtf8(hex(v)), v);
  for (const v of invalid) assert.ok(!isValidUtf8(hex(v)), v);
  assert.ok(!isValidUtf8(hex("e2 82")), "truncated");
});

Deno.test("complete, failed and reset", () => {
  const v = new Utf8Validator();
  assert.ok(v.feed(hex("e2 82")));
  assert.ok(!v.complete);
  assert.ok(v.feed(hex("ac")));
  assert.ok(v.complete);
  assert.ok(!v.feed(hex("ff")));
  assert.ok(v.failed);
  assert.ok(!v.feed(utf8("ok")), "failure is final");
  v.reset();
  assert.ok(v.feed(utf8("ok")) && v.complete);
});

/** Random bytes biased towards UTF-8: text with some bytes overwritten. */
const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.tuple(
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 2 }),
  ).map(([s, edits]) => {
    const bytes = utf8(s);
    for (const [at, b] of edits) if (bytes.length > 0) bytes[at % bytes.length] = b;
    return bytes;
  }),
);

Deno.test("property: agrees with the fatal TextDecoder, however the input is split", () => {
  fc.assert(
    fc.property(bytesArb, fc.array(fc.nat({ max: 70 }), { maxLength: 5 }), (bytes, cuts) => {
      const v = new Utf8Validator();
      let ok = true;
      for (const part of splitAt(bytes, cuts)) ok = v.feed(part) && ok;
      assert.equal(ok && v.complete, nativeValid(bytes));
    }),
    { numRuns: 2000 },
  );
});
