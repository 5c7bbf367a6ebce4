import assert from "node:assert/strict";
import fc from "fast-check";
import { equalsLower, Headers } from "../../../core/flow/headers.ts";

const sample = () =>
  new Headers([
    ["Host", "example.com"],
    ["Accept", "text/html"],
    ["X-Dup", "1"],
    ["accept", "application/xml"],
    ["x-dup", "2"],
  ]);

Deno.test("get is case-insensitive and folds duplicates with ', '", () => {
  const h = sample();
  assert.equal(h.get("host"), "example.com");
  assert.equal(h.get("HOST"), "example.com");
  assert.equal(h.get("Accept"), "text/html, application/xml");
  assert.equal(h.get("missing"), undefined);
  assert.deepEqual(h.getAll("ACCEPT"), ["text/html", "application/xml"]);
  assert.deepEqual(h.getAll("nope"), []);
  assert.equal(h.has("x-DUP"), true);
  assert.equal(h.has("x-dupe"), false);
});

Deno.test("order, case and duplicates are kept", () => {
  const h = sample();
  assert.deepEqual(h.fields.map(([k]) => k), ["Host", "Accept", "X-Dup", "accept", "x-dup"]);
  assert.equal(
    h.toString(),
    "Host: example.com\r\nAccept: text/html\r\nX-Dup: 1\r\naccept: application/xml\r\nx-dup: 2\r\n",
  );
  assert.deepEqual([...h], h.fields);
  assert.deepEqual(h.keys(), ["Host", "Accept", "X-Dup"]);
  assert.equal(h.size, 3);
  assert.deepEqual(h.items(), [
    ["Host", "example.com"],
    ["Accept", "text/html, application/xml"],
    ["X-Dup", "1, 2"],
  ]);
  assert.equal(h.items(true).length, 5);
  assert.equal(new Headers().toString(), "");
});

Deno.test("set replaces all at the first one's position, keeping its spelling", () => {
  const h = sample();
  h.set("ACCEPT", "*/*");
  assert.deepEqual(h.fields, [
    ["Host", "example.com"],
    ["Accept", "*/*"],
    ["X-Dup", "1"],
    ["x-dup", "2"],
  ]);
  h.set("New-One", "v");
  assert.deepEqual(h.fields.at(-1), ["New-One", "v"]);
});

Deno.test("setAll fills existing positions, drops surplus, appends the rest", () => {
  const h = sample();
  h.setAll("x-dup", ["a"]);
  assert.deepEqual(h.getAll("x-dup"), ["a"]);
  assert.deepEqual(h.fields[2], ["X-Dup", "a"]);
  h.setAll("accept", ["1", "2", "3"]);
  assert.deepEqual(h.fields, [
    ["Host", "example.com"],
    ["Accept", "1"],
    ["X-Dup", "a"],
    ["accept", "2"],
    ["accept", "3"],
  ]);
  h.setAll("accept", []);
  assert.equal(h.has("accept"), false);
});

Deno.test("add, insert and delete", () => {
  const h = sample();
  h.add("host", "other");
  assert.equal(h.get("Host"), "example.com, other");
  h.insert(0, "First", "1");
  assert.deepEqual(h.fields[0], ["First", "1"]);
  assert.equal(h.delete("HOST"), true);
  assert.equal(h.delete("HOST"), false);
  assert.equal(h.has("host"), false);
  assert.deepEqual(h.fields.map(([k]) => k), ["First", "Accept", "X-Dup", "accept", "x-dup"]);
});

Deno.test("fields is the live list and survives in-place edits", () => {
  const h = sample();
  const fields = h.fields;
  h.set("accept", "x");
  h.delete("x-dup");
  assert.equal(h.fields, fields);
  fields.push(["Direct", "yes"]);
  assert.equal(h.get("direct"), "yes");
});

Deno.test("constructor copies the given pairs", () => {
  const src: [string, string][] = [["a", "1"]];
  const h = new Headers(src);
  src[0][1] = "2";
  assert.equal(h.get("a"), "1");
  const c = h.copy();
  c.set("a", "3");
  assert.equal(h.get("a"), "1");
});

Deno.test("state is latin1 bytes and round-trips every byte", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.string({ unit: "binary-ascii" }), fc.string({ unit: "binary-ascii" }))),
      (pairs) => {
        const latin = pairs.map(([k, v]) => [k, v + "\xe9\x85"] as [string, string]);
        const h = new Headers(latin);
        const s = h.toState();
        assert.ok(s.every((f) => f[0] instanceof Uint8Array && f[1] instanceof Uint8Array));
        assert.deepEqual(Headers.fromState(s).fields, latin);
      },
    ),
  );
  assert.deepEqual(new Headers([["K", "\xff"]]).toState(), [[
    Uint8Array.of(75),
    Uint8Array.of(255),
  ]]);
});

Deno.test("equalsLower compares ASCII case-insensitively", () => {
  assert.equal(equalsLower("Content-Type", "content-type"), true);
  assert.equal(equalsLower("Content-Typf", "content-type"), false);
  assert.equal(equalsLower("X", "xx"), false);
  assert.equal(equalsLower("\xc9", "\xe9"), false, "only ASCII letters fold");
});
