import assert from "node:assert/strict";
import fc from "fast-check";
import {
  decodeInteger,
  encodeInteger,
  MAX_INTEGER,
  TOO_LARGE,
  TRUNCATED,
} from "../../../../codecs/http2/hpack/integer.ts";
import { hex, toHex } from "../test_util.ts";

function enc(value: number, prefix: number, pattern = 0): string {
  const out = new Uint8Array(8);
  return toHex(out.subarray(0, encodeInteger(out, 0, value, prefix, pattern)));
}

Deno.test("RFC 7541 C.1.1: 10 with a 5-bit prefix", () => {
  assert.equal(enc(10, 5), "0a");
  assert.equal(decodeInteger(hex("0a"), { pos: 0 }, 5), 10);
});

Deno.test("RFC 7541 C.1.2: 1337 with a 5-bit prefix", () => {
  assert.equal(enc(1337, 5), "1f9a0a");
  const cursor = { pos: 0 };
  assert.equal(decodeInteger(hex("1f9a0a"), cursor, 5), 1337);
  assert.equal(cursor.pos, 3);
});

Deno.test("RFC 7541 C.1.3: 42 at an octet boundary", () => {
  assert.equal(enc(42, 8), "2a");
  assert.equal(decodeInteger(hex("2a"), { pos: 0 }, 8), 42);
});

Deno.test("pattern bits above the prefix are kept and ignored when decoding", () => {
  assert.equal(enc(3, 7, 0x80), "83");
  assert.equal(decodeInteger(hex("83"), { pos: 0 }, 7), 3);
});

Deno.test("truncated and oversized integers are errors, not exceptions", () => {
  assert.equal(decodeInteger(hex(""), { pos: 0 }, 5), TRUNCATED);
  assert.equal(decodeInteger(hex("1f"), { pos: 0 }, 5), TRUNCATED);
  assert.equal(decodeInteger(hex("1f80"), { pos: 0 }, 5), TRUNCATED);
  assert.equal(decodeInteger(hex("1f ffffffff0f"), { pos: 0 }, 5), TOO_LARGE);
  // Endless zero continuation octets stop after a few.
  assert.equal(decodeInteger(hex("1f 8080808080808000"), { pos: 0 }, 5), TOO_LARGE);
});

Deno.test("property: integers round-trip for every prefix size", () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: MAX_INTEGER }),
      fc.integer({ min: 1, max: 8 }),
      (v, p) => {
        const out = new Uint8Array(8);
        const end = encodeInteger(out, 0, v, p, 0);
        const cursor = { pos: 0 };
        assert.equal(decodeInteger(out.subarray(0, end), cursor, p), v);
        assert.equal(cursor.pos, end);
      },
    ),
  );
});
