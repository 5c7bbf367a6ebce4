import assert from "node:assert/strict";
import { LruCache } from "../../../core/certs/lru_cache.ts";

Deno.test("LruCache evicts the least recently used and reports it", () => {
  const lru = new LruCache<string, number>(2);
  assert.equal(lru.set("a", 1), undefined);
  assert.equal(lru.set("b", 2), undefined);
  assert.equal(lru.get("a"), 1);
  assert.deepEqual(lru.set("c", 3), ["b", 2]);
  assert.deepEqual(lru.keys(), ["a", "c"]);
  assert.equal(lru.has("b"), false);
  assert.equal(lru.set("a", 10), undefined); // re-set refreshes, no eviction
  assert.deepEqual(lru.keys(), ["c", "a"]);
  assert.equal(lru.delete("c"), true);
  assert.equal(lru.size, 1);
  assert.throws(() => new LruCache(0), /positive integer/);
});
