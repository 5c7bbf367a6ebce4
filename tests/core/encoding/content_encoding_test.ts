import assert from "node:assert/strict";
import * as zlib from "node:zlib";
import fc from "fast-check";
import {
  ContentEncodingError,
  decodeContent,
  encodeContent,
  isSupportedEncoding,
  parseEncodings,
} from "../../../core/encoding/content_encoding.ts";

const hex = (s: string) => Uint8Array.from(s.match(/../g) ?? [], (b) => parseInt(b, 16));
const text = (b: Uint8Array) => new TextDecoder().decode(b);

const PLAIN = "Hello, mitmdeno! The quick brown fox jumps over the lazy dog. Hello, mitmdeno!\n";

// Made with the real CLIs: `gzip -9 -n`, `brotli -q 11`, `zstd -19`, and Python's zlib for
// deflate (zlib header) and raw deflate (wbits=-15).
const FIXTURES: Record<string, string> = {
  gzip:
    "1f8b0800000000000203f348cdc9c9d751c8cd2cc94d49cdcb575408c94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae72456552aa4e4a7eb2978a0e9e60200f42644a34f000000",
  br:
    "a1700240e248b0634bd688830f03110fbd42294895dee0c1062791a8daf22d2d0c36e0c0210b641f48671b36e0880be601b7795a9d7f86c75c4a6d4144299b2e61d9b8afde7fb832000a",
  zstd:
    "28b52ffd244f3d0200f40348656c6c6f2c206d69746d64656e6f212054686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e200a01001e20010ab49a3505",
  deflate:
    "78daf348cdc9c9d751c8cd2cc94d49cdcb575408c94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae72456552aa4e4a7eb2978a0e9e6020067fa1bce",
  deflateraw:
    "f348cdc9c9d751c8cd2cc94d49cdcb575408c94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae72456552aa4e4a7eb2978a0e9e60200",
};

const ENCODINGS = ["identity", "none", "gzip", "deflate", "deflateraw", "br", "zstd"];

Deno.test("decodes fixtures made by real compressors", () => {
  for (const [enc, h] of Object.entries(FIXTURES)) {
    assert.equal(text(decodeContent(hex(h), enc)), PLAIN, enc);
  }
});

Deno.test("raw deflate also decodes under 'deflate' (fallback)", () => {
  assert.equal(text(decodeContent(hex(FIXTURES.deflateraw), "deflate")), PLAIN);
});

Deno.test("gzip decoding also accepts a zlib header (wbits=47)", () => {
  assert.equal(text(decodeContent(hex(FIXTURES.deflate), "gzip")), PLAIN);
});

Deno.test("multi-member gzip and multi-frame zstd decode fully", () => {
  const twoGzip =
    "1f8b0800000000000003f348cdc9c9d751c8cd2cc94d49cdcb575408c94855282ccd4cce56482aca2fcf5348cbaf50c82acd2d2856c82f4b2d5228014ae72456552aa4e4a7eb2978a0e9e60200f42644a34f0000001f8b08000000000000032b482c2a512829cfe70200e7013d9709000000";
  const twoZstd =
    "28b52ffd244f3d0200f40348656c6c6f2c206d69746d64656e6f212054686520717569636b2062726f776e20666f78206a756d7073206f76657220746865206c617a7920646f672e200a01001e20010ab49a350528b52ffd2409490000706172742074776f0ad71e148a";
  assert.equal(text(decodeContent(hex(twoGzip), "gzip")), PLAIN + "part two\n");
  assert.equal(text(decodeContent(hex(twoZstd), "zstd")), PLAIN + "part two\n");
});

Deno.test("zstd skippable frames are ignored", () => {
  const frame = zlib.zstdCompressSync(new TextEncoder().encode("abc"));
  const skip = Uint8Array.of(0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 9, 9, 9);
  assert.equal(text(decodeContent(new Uint8Array([...skip, ...frame]), "zstd")), "abc");
});

Deno.test("encoders use mitmproxy's fast settings", () => {
  const data = new TextEncoder().encode(PLAIN.repeat(20));
  const gz = encodeContent(data, "gzip");
  assert.deepEqual([...gz.subarray(0, 4)], [0x1f, 0x8b, 8, 0]);
  assert.deepEqual([...gz.subarray(4, 8)], [0, 0, 0, 0], "mtime 0");
  assert.equal(gz[8], 4, "XFL 4 = fastest (level 1)");
  const df = encodeContent(data, "deflate");
  assert.equal(df[0], 0x78);
  assert.equal(df[1], 0x01, "zlib FLEVEL 0 = level 1");
  assert.equal(encodeContent(data, "deflateraw")[0], 0x78, "deflateraw is written with header");
  const zs = encodeContent(data, "zstd");
  assert.deepEqual([...zs.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]);
  const br = encodeContent(data, "br");
  const expectBr = zlib.brotliCompressSync(data, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 0 },
  });
  assert.deepEqual(br, new Uint8Array(expectBr));
});

Deno.test("round-trips random bytes through every encoding", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), fc.constantFrom(...ENCODINGS), (d, enc) => {
      const round = decodeContent(encodeContent(d, enc), enc);
      assert.deepEqual(round, d);
      assert.equal(Object.getPrototypeOf(round), Uint8Array.prototype);
    }),
    { numRuns: 300 },
  );
});

Deno.test("stacked codings apply in order and decode in reverse", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 2048 }),
      fc.array(fc.constantFrom(...ENCODINGS), { minLength: 1, maxLength: 3 }),
      (d, encs) => {
        const header = encs.join(", ");
        assert.deepEqual(decodeContent(encodeContent(d, header), header), d);
      },
    ),
    { numRuns: 100 },
  );
  const d = new TextEncoder().encode("stacked");
  const manual = encodeContent(encodeContent(d, "gzip"), "br");
  assert.deepEqual(encodeContent(d, "gzip, br"), manual);
  assert.equal(text(decodeContent(manual, " GZIP ,BR ")), "stacked");
});

Deno.test("empty input decodes to empty for every coding", () => {
  for (const enc of ENCODINGS) {
    assert.deepEqual(decodeContent(new Uint8Array(0), enc), new Uint8Array(0));
  }
});

Deno.test("unknown encodings throw ContentEncodingError naming them", () => {
  assert.throws(() => decodeContent(new Uint8Array(1), "compress"), (e: Error) => {
    assert.ok(e instanceof ContentEncodingError);
    assert.match(e.message, /compress/);
    return true;
  });
  assert.throws(() => encodeContent(new Uint8Array(1), "gzip, xz"), /xz/);
  assert.throws(() => decodeContent(new Uint8Array(1), ""), ContentEncodingError);
});

Deno.test("corrupt data throws ContentEncodingError, never hangs", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 512 }),
      fc.constantFrom("gzip", "deflate", "br", "zstd"),
      (d, enc) => {
        try {
          decodeContent(d, enc);
        } catch (e) {
          assert.ok(e instanceof ContentEncodingError, String(e));
        }
      },
    ),
    { numRuns: 300 },
  );
  assert.throws(() => decodeContent(new TextEncoder().encode("not gzip"), "gzip"), /gzip/);
});

Deno.test("parseEncodings / isSupportedEncoding", () => {
  assert.deepEqual(parseEncodings(" gzip, ,BR"), ["gzip", "br"]);
  assert.equal(isSupportedEncoding("gzip, zstd"), true);
  assert.equal(isSupportedEncoding("gzip, lzma"), false);
  assert.equal(isSupportedEncoding(""), false);
});
