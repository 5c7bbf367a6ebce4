import assert from "node:assert/strict";
import { HpackDecoder } from "../../../../codecs/http2/hpack/decoder.ts";
import { HpackEncoder } from "../../../../codecs/http2/hpack/encoder.ts";
import { toHex } from "../test_util.ts";

Deno.test("a repeated field becomes a single indexed octet", () => {
  const e = new HpackEncoder();
  e.encode([["user-agent", "test/1"]]);
  assert.equal(toHex(e.encode([["user-agent", "test/1"]])), "be");
  assert.equal(toHex(e.encode([[":method", "GET"]])), "82"); // static
});

Deno.test("secrets and short cookies are never indexed", () => {
  const e = new HpackEncoder({ huffman: "never" });
  const block = e.encode([["authorization", "Basic Zm9v"], ["cookie", "a=1"]]);
  assert.equal(block[0] & 0xf0, 0x10);
  assert.equal(e.table.length, 0);
  const r = new HpackDecoder().decode(block);
  assert.ok(!("error" in r));
  assert.deepEqual(r.neverIndexed, ["authorization", "cookie"]);
  // A long cookie is worth indexing.
  e.encode([["cookie", "session=" + "a".repeat(30)]]);
  assert.equal(e.table.length, 1);
});

Deno.test("fields that rarely repeat and entries over 3/4 of the table are not indexed", () => {
  const e = new HpackEncoder();
  e.encode([[":path", "/unique/1"], ["content-length", "12"], ["x-big", "v".repeat(3100)]]);
  assert.equal(e.table.length, 0);
});

Deno.test("table size changes are announced at the start of the next block", () => {
  const e = new HpackEncoder();
  e.setPeerMaxTableSize(0);
  e.setPeerMaxTableSize(1000);
  const block = e.encode([[":method", "GET"]]);
  // min (0) then final (1000), then the field.
  assert.equal(toHex(block), "20" + "3fc907" + "82");
  const d = new HpackDecoder();
  assert.ok(!("error" in d.decode(block)));
  assert.equal(d.table.maxSize, 1000);
  assert.equal(toHex(e.encode([[":method", "GET"]])), "82");
});

Deno.test("the encoder never uses a bigger table than its cap", () => {
  const e = new HpackEncoder({ maxTableSize: 256 });
  e.setPeerMaxTableSize(65536);
  assert.equal(e.table.maxSize, 256);
  const d = new HpackDecoder({ maxTableSize: 65536 });
  assert.ok(!("error" in d.decode(e.encode([["a", "b"]]))));
  assert.equal(d.table.maxSize, 256);
});

Deno.test("Huffman is used only when shorter in auto mode", () => {
  const e = new HpackEncoder({ shouldIndex: () => false });
  const text = e.encode([["x", "www.example.com"]]);
  // 00, name length 1, "x" (raw: Huffman is not shorter), then a Huffman value length.
  assert.equal(text[1], 1);
  assert.equal(text[3] & 0x80, 0x80);
  const binary = e.encode([["x", "\x00\x01\x02"]]);
  assert.equal(binary.at(-4)! & 0x80, 0); // raw: 0x03 length then 3 octets
});
