import assert from "node:assert/strict";
import { MultiDict, MultiDictView } from "../../../core/flow/multidict.ts";

Deno.test("MultiDict keeps order and duplicates", () => {
  const m = new MultiDict<string>([["a", "1"], ["b", "2"], ["a", "3"]]);
  assert.equal(m.get("a"), "1");
  assert.deepEqual(m.getAll("a"), ["1", "3"]);
  assert.deepEqual(m.keys(), ["a", "b"]);
  assert.deepEqual(m.values(), ["1", "2"]);
  assert.equal(m.size, 3);
  assert.equal(m.has("A"), false, "case-sensitive by default");
  m.set("a", "x");
  assert.deepEqual(m.fields, [["a", "x"], ["b", "2"]]);
  m.append("c", "4");
  m.insert(0, "z", "0");
  assert.deepEqual([...m], [["z", "0"], ["a", "x"], ["b", "2"], ["c", "4"]]);
  m.delete("b");
  assert.deepEqual(m.toObject(), { z: "0", a: "x", c: "4" });
  const ci = new MultiDict<number>([["Key", 1]], true);
  assert.equal(ci.get("KEY"), 1);
});

Deno.test("MultiDictView writes through its setter", () => {
  let backing: [string, string][] = [["q", "1"]];
  const v = new MultiDictView(() => backing, (f) => (backing = f));
  v.add("r", "2");
  assert.deepEqual(backing, [["q", "1"], ["r", "2"]]);
  v.setAll("q", ["a", "b"]);
  assert.deepEqual(backing, [["q", "a"], ["r", "2"], ["q", "b"]]);
  const fields = v.fields;
  fields.pop();
  assert.equal(backing.length, 3, "fields is a copy");
});
