import assert from "node:assert/strict";
import { DynamicTable, entrySize } from "../../../../codecs/http2/hpack/dynamic_table.ts";

Deno.test("entries count name + value + 32 octets", () => {
  assert.equal(entrySize("custom-key", "custom-header"), 55);
});

Deno.test("newest entry has index 1; eviction drops the oldest", () => {
  const t = new DynamicTable(120);
  t.add("a", "1"); // 34
  t.add("b", "2"); // 68
  t.add("c", "3"); // 102
  assert.deepEqual([t.name(1), t.name(2), t.name(3)], ["c", "b", "a"]);
  t.add("d", "4"); // evicts a
  assert.equal(t.length, 3);
  assert.equal(t.size, 102);
  assert.equal(t.name(3), "b");
  assert.equal(t.name(4), undefined);
  assert.equal(t.name(0), undefined);
});

Deno.test("an entry larger than the table empties it", () => {
  const t = new DynamicTable(64);
  t.add("a", "1");
  t.add("x".repeat(40), "y");
  assert.equal(t.length, 0);
  assert.equal(t.size, 0);
});

Deno.test("shrinking evicts; size 0 clears", () => {
  const t = new DynamicTable(4096);
  for (let i = 0; i < 10; i++) t.add(`n${i}`, `v${i}`);
  t.setMaxSize(72);
  assert.equal(t.length, 2);
  assert.equal(t.name(1), "n9");
  t.setMaxSize(0);
  assert.equal(t.length, 0);
});

Deno.test("searchable tables find the newest match and forget evicted ones", () => {
  const t = new DynamicTable(100, true);
  t.add("a", "1");
  t.add("a", "2");
  assert.equal(t.findPair("a", "1"), 2);
  assert.equal(t.findPair("a", "2"), 1);
  assert.equal(t.findName("a"), 1);
  t.add("b", "3"); // evicts a:1
  assert.equal(t.findPair("a", "1"), 0);
  assert.equal(t.findPair("a", "2"), 2);
  assert.equal(t.findName("b"), 1);
  t.add("c", "4");
  t.add("d", "5"); // evicts a:2 and b
  assert.equal(t.findName("a"), 0);
});

Deno.test("a long-lived table stays compact (amortized eviction)", () => {
  const t = new DynamicTable(4096, true);
  for (let i = 0; i < 100_000; i++) t.add("x-counter", String(i));
  assert.equal(t.findPair("x-counter", "99999"), 1);
  assert.ok(t.length < 110);
  assert.equal(t.value(1), "99999");
});
