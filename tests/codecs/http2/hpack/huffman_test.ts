import assert from "node:assert/strict";
import fc from "fast-check";
import {
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
} from "../../../../codecs/http2/hpack/huffman.ts";
import {
  EOS,
  HUFFMAN_CODE_LENGTHS,
  HUFFMAN_CODES,
} from "../../../../codecs/http2/hpack/huffman_table.ts";
import { hex, toHex } from "../test_util.ts";

function encode(s: string): Uint8Array {
  const out = new Uint8Array(huffmanEncodedLength(s));
  assert.equal(huffmanEncode(s, out, 0), out.length);
  return out;
}

function decode(bytes: Uint8Array): string | { error: string } {
  const out = new Uint8Array(Math.ceil(bytes.length * 8 / 5) + 1);
  const n = huffmanDecode(bytes, 0, bytes.length, out);
  if (typeof n !== "number") return n;
  return String.fromCharCode(...out.subarray(0, n));
}

Deno.test("derived codes match a sample of RFC 7541 Appendix B", () => {
  const sample: [number, number, number][] = [
    [0, 0x1ff8, 13],
    [1, 0x7fffd8, 23],
    [10, 0x3ffffffc, 30],
    [32, 0x14, 6], // ' '
    [48, 0x0, 5], // '0'
    [97, 0x3, 5], // 'a'
    [122, 0x7b, 7], // 'z'
    [127, 0xffffffc, 28],
    [128, 0xfffe6, 20],
    [255, 0x3ffffee, 26],
    [EOS, 0x3fffffff, 30],
  ];
  for (const [sym, code, len] of sample) {
    assert.equal(HUFFMAN_CODES[sym], code, `code of ${sym}`);
    assert.equal(HUFFMAN_CODE_LENGTHS[sym], len, `length of ${sym}`);
  }
});

Deno.test("the code is complete: Kraft sum is exactly 1", () => {
  let sum = 0;
  for (const len of HUFFMAN_CODE_LENGTHS) sum += 2 ** (30 - len);
  assert.equal(sum, 2 ** 30);
});

const VECTORS: [string, string][] = [
  ["www.example.com", "f1e3 c2e5 f23a 6ba0 ab90 f4ff"],
  ["no-cache", "a8eb 1064 9cbf"],
  ["custom-key", "25a8 49e9 5ba9 7d7f"],
  ["custom-value", "25a8 49e9 5bb8 e8b4 bf"],
  ["302", "6402"],
  ["private", "aec3 771a 4b"],
  ["Mon, 21 Oct 2013 20:13:21 GMT", "d07a be94 1054 d444 a820 0595 040b 8166 e082 a62d 1bff"],
  ["https://www.example.com", "9d29 ad17 1863 c78f 0b97 c8e9 ae82 ae43 d3"],
  ["gzip", "9bd9 ab"],
];

for (const [text, bytes] of VECTORS) {
  Deno.test(`RFC 7541 Appendix C Huffman string: ${text}`, () => {
    assert.equal(toHex(encode(text)), toHex(hex(bytes)));
    assert.equal(decode(hex(bytes)), text);
  });
}

Deno.test("every octet value round-trips, alone and all together", () => {
  let all = "";
  for (let b = 0; b < 256; b++) {
    const s = String.fromCharCode(b);
    all += s;
    assert.equal(decode(encode(s)), s, `octet ${b}`);
  }
  assert.equal(decode(encode(all)), all);
});

Deno.test("property: Huffman encode/decode round trip of latin1 strings", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const s = String.fromCharCode(...bytes);
      assert.equal(decode(encode(s)), s);
    }),
    { numRuns: 1000 },
  );
});

Deno.test("padding longer than 7 bits is rejected", () => {
  // 'a' (00011) then 11 one-bits: a full byte of padding.
  const r = decode(hex("1f ff"));
  assert.ok(typeof r !== "string" && /padding/.test(r.error));
});

Deno.test("padding that is not a prefix of EOS is rejected", () => {
  // 'a' is 00011; pad with 000 instead of 111.
  const r = decode(hex("18"));
  assert.ok(typeof r !== "string" && /padding/.test(r.error));
});

Deno.test("an explicit EOS symbol is rejected", () => {
  const r = decode(hex("ffff ffff"));
  assert.ok(typeof r !== "string" && /EOS/.test(r.error));
});

Deno.test("the empty string decodes to empty", () => {
  assert.equal(decode(new Uint8Array(0)), "");
  assert.equal(huffmanEncodedLength(""), 0);
});

Deno.test("property: random bytes decode or fail cleanly", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const r = decode(bytes);
      if (typeof r === "string") assert.equal(toHex(encode(r)), toHex(bytes));
    }),
    { numRuns: 2000 },
  );
});
