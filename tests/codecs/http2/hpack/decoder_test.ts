import assert from "node:assert/strict";
import fc from "fast-check";
import { type DecodedBlock, HpackDecoder } from "../../../../codecs/http2/hpack/decoder.ts";
import { HpackEncoder } from "../../../../codecs/http2/hpack/encoder.ts";
import { encodeInteger } from "../../../../codecs/http2/hpack/integer.ts";
import { concat, hex } from "../test_util.ts";

function ok(r: DecodedBlock | { error: string }): DecodedBlock {
  assert.ok(!("error" in r), "error" in r ? r.error : "");
  return r;
}

function fails(r: DecodedBlock | { error: string }, pattern: RegExp): void {
  assert.ok("error" in r, "expected an error");
  assert.match(r.error, pattern);
}

Deno.test("index 0 and indices past the tables are errors", () => {
  fails(new HpackDecoder().decode(hex("80")), /index 0/);
  fails(new HpackDecoder().decode(hex("be")), /index 62 is outside the tables/);
  fails(new HpackDecoder().decode(hex("7e 01 61")), /index 62/); // literal with bad name index
});

Deno.test("truncated blocks are errors", () => {
  fails(new HpackDecoder().decode(hex("40 0a 6375")), /runs past the end/);
  fails(new HpackDecoder().decode(hex("40")), /ends before a string/);
  fails(new HpackDecoder().decode(hex("ff")), /ends inside the indexed field/);
});

Deno.test("table size updates: allowed at the start, within the limit", () => {
  const d = new HpackDecoder({ maxTableSize: 4096 });
  ok(d.decode(hex("3fe11f 82"))); // size 4096, then a field
  assert.equal(d.table.maxSize, 4096);
  ok(d.decode(hex("20 3f11"))); // two updates: 0 then 48
  assert.equal(d.table.maxSize, 48);
  fails(d.decode(hex("3fe21f")), /exceeds the limit 4096/); // 4097
  fails(new HpackDecoder().decode(hex("82 20")), /after a header field/);
});

Deno.test("a lowered SETTINGS_HEADER_TABLE_SIZE requires a size update in the next block", () => {
  const d = new HpackDecoder();
  ok(d.decode(hex("400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572")));
  d.setMaxAllowedTableSize(0);
  assert.equal(d.table.length, 0);
  fails(d.decode(hex("82")), /missing dynamic table size update/);
  const d2 = new HpackDecoder({ maxTableSize: 50 });
  d2.setMaxAllowedTableSize(100);
  ok(d2.decode(hex("82"))); // raising needs no update
  assert.equal(d2.table.maxSize, 100);
  const d3 = new HpackDecoder();
  d3.setMaxAllowedTableSize(0);
  assert.deepEqual(ok(d3.decode(hex("20 82"))).headers, [[":method", "GET"]]);
});

Deno.test("header list size limit: fields stop being collected, table stays in step", () => {
  const d = new HpackDecoder({ maxHeaderListSize: 100 });
  const e = new HpackEncoder({ huffman: "never" });
  const block = e.encode([["a", "x".repeat(50)], ["b", "y".repeat(50)], ["c", "z"]]);
  const r = ok(d.decode(block));
  assert.equal(r.tooLarge, true);
  assert.deepEqual(r.headers.map(([n]) => n), ["a"]);
  // The next block still decodes against the same table.
  d.maxHeaderListSize = Infinity;
  const next = ok(d.decode(e.encode([["b", "y".repeat(50)], ["c", "z"]])));
  assert.deepEqual(next.headers, [["b", "y".repeat(50)], ["c", "z"]]);
});

Deno.test("HPACK bomb: one big entry referenced many times is cut off by the list limit", () => {
  const d = new HpackDecoder({ maxHeaderListSize: 64 * 1024 });
  const big = "x".repeat(4000);
  const first = new HpackEncoder({ huffman: "never", shouldIndex: () => true });
  const add = first.encode([["bomb", big]]);
  // 16 000 one-octet references to the entry: ~64 MB if expanded.
  const refs = new Uint8Array(16_000).fill(0xbe);
  const r = ok(d.decode(concat([add, refs])));
  assert.equal(r.tooLarge, true);
  assert.ok(r.headers.length <= 16);
});

Deno.test("huge literal length claims are errors without allocation", () => {
  const out = new Uint8Array(16);
  const end = encodeInteger(out, 1, 0xfffffff0, 7, 0);
  out[0] = 0x40;
  fails(new HpackDecoder().decode(out.subarray(0, end)), /runs past the end/);
});

Deno.test("never-indexed names are reported once each", () => {
  const e = new HpackEncoder();
  const block = e.encode(
    [["authorization", "Bearer a"], ["x-secret", "1"], ["x-secret", "2"], ["accept", "*/*"]],
    new Set(["x-secret"]),
  );
  const r = ok(new HpackDecoder().decode(block));
  assert.deepEqual(r.neverIndexed, ["authorization", "x-secret"]);
});

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const headerValue = fc.uint8Array({ maxLength: 40 }).map((b) => String.fromCharCode(...b));
const headerList = fc.array(fc.tuple(headerName, headerValue), { maxLength: 20 });

Deno.test("property: encoder and decoder agree over many blocks on one connection", () => {
  fc.assert(
    fc.property(
      fc.array(headerList, { minLength: 1, maxLength: 8 }),
      fc.constantFrom("auto", "always", "never") as fc.Arbitrary<"auto" | "always" | "never">,
      fc.integer({ min: 0, max: 4096 }),
      (lists, huffman, tableSize) => {
        const e = new HpackEncoder({ huffman });
        const d = new HpackDecoder();
        e.setPeerMaxTableSize(tableSize);
        for (const list of lists) {
          const r = ok(d.decode(e.encode(list)));
          assert.deepEqual(r.headers, list);
          assert.equal(d.table.size, e.table.size);
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("property: mutated blocks decode or fail cleanly, never throw", () => {
  const e = new HpackEncoder();
  const base = e.encode([
    [":method", "GET"],
    [":path", "/a/b?c=d"],
    ["user-agent", "fuzz/1.0"],
    ["cookie", "session=0123456789abcdef0123"],
  ]);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat({ max: base.length - 1 }), fc.nat({ max: 255 })), {
        minLength: 1,
        maxLength: 6,
      }),
      fc.uint8Array({ maxLength: 8 }),
      (edits, tail) => {
        const block = concat([base, tail]);
        for (const [at, v] of edits) block[at] = v;
        const d = new HpackDecoder({ maxHeaderListSize: 4096 });
        const r = d.decode(block);
        if (!("error" in r)) assert.ok(Array.isArray(r.headers));
      },
    ),
    { numRuns: 2000 },
  );
});
