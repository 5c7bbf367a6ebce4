import assert from "node:assert/strict";
import { ByteArena } from "../../codecs/byte_arena.ts";
import { concatBytes, latin1Encode } from "../../codecs/bytes.ts";

Deno.test("byte arena: allocations never overlap, also across chunks", () => {
  const arena = new ByteArena(64, 16);
  const views: Uint8Array[] = [];
  for (let i = 0; i < 40; i++) {
    const v = arena.alloc(1 + (i % 16));
    assert.equal(v.length, 1 + (i % 16));
    assert.ok(v.every((b) => b === 0), "fresh bytes are zero");
    v.fill(i + 1);
    views.push(v);
  }
  views.forEach((v, i) => assert.ok(v.every((b) => b === i + 1), `view ${i} was overwritten`));
  // 40 allocations of 1..16 bytes do not fit one 64-byte chunk: several chunks were used.
  assert.ok(new Set(views.map((v) => v.buffer)).size > 1);
});

Deno.test("byte arena: an allocation above maxShared gets its own buffer", () => {
  const arena = new ByteArena(64, 16);
  const small = arena.alloc(8);
  const big = arena.alloc(17);
  assert.equal(big.byteOffset, 0);
  assert.equal(big.buffer.byteLength, 17);
  assert.notEqual(big.buffer, small.buffer);
  assert.throws(() => new ByteArena(16, 32), RangeError);
});

Deno.test("byte arena: latin1Encode and concatBytes give the same bytes with and without it", () => {
  const arena = new ByteArena(1024, 256);
  for (const text of ["GET / HTTP/1.1\r\n\r\n", "caf\u00e9 \u00ff\u0080", ""]) {
    assert.deepEqual(latin1Encode(text, arena), latin1Encode(text));
  }
  const parts = [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4, 5, 6])];
  const merged = concatBytes(parts, arena);
  assert.deepEqual(merged, new Uint8Array([1, 2, 3, 4, 5, 6]));
  assert.notEqual(merged.buffer.byteLength, 6, "the merged bytes live in an arena chunk");
  assert.equal(concatBytes([]).length, 0);
  assert.equal(concatBytes([parts[0]], arena), parts[0], "one part is returned as it is");
});
