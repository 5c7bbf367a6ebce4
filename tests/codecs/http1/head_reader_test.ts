import assert from "node:assert/strict";
import fc from "fast-check";
import { HeadReader, type HeadResult } from "../../../codecs/http1/head_reader.ts";
import { parseRequestHead } from "../../../codecs/http1/parse_head.ts";
import {
  assertOk,
  assertParseError,
  bytewise,
  concat,
  dec,
  enc,
  headersArb,
  headerText,
  pathArb,
  splitAt,
} from "./test_util.ts";

const GET = "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";

/** Feeds chunks until a head or an error comes out; returns it and the unconsumed bytes. */
function drive(
  reader: HeadReader,
  chunks: Uint8Array[],
): { result: HeadResult; after: Uint8Array } {
  for (let i = 0; i < chunks.length; i++) {
    const result = reader.feed(chunks[i]);
    if (result === null) continue;
    if ("error" in result) return { result, after: new Uint8Array(0) };
    return { result, after: concat([result.rest, ...chunks.slice(i + 1)]) };
  }
  return { result: null, after: new Uint8Array(0) };
}

Deno.test("head in one chunk: head and rest are views without copies", () => {
  const chunk = enc(GET + "BODY");
  const r = new HeadReader().feed(chunk);
  assertOk(r);
  assert.equal(dec(r.head), GET);
  assert.equal(dec(r.rest), "BODY");
  assert.equal(r.head.buffer, chunk.buffer);
  assert.equal(r.rest.buffer, chunk.buffer);
});

Deno.test("head without trailing data has an empty rest", () => {
  const r = new HeadReader().feed(enc(GET));
  assertOk(r);
  assert.equal(r.rest.length, 0);
});

Deno.test("incomplete head returns null, then completes", () => {
  const reader = new HeadReader();
  assert.equal(reader.feed(enc("GET / HTTP/1.1\r\nHost: a\r\n")), null);
  assert.equal(reader.feed(enc("\r")), null);
  const r = reader.feed(enc("\nxyz"));
  assertOk(r);
  assert.equal(dec(r.head), "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  assert.equal(dec(r.rest), "xyz");
});

Deno.test("terminator split across chunks at every position", () => {
  const msg = enc(GET + "REST");
  for (let cut = 0; cut <= msg.length; cut++) {
    for (let cut2 = cut; cut2 <= msg.length; cut2++) {
      const { result, after } = drive(new HeadReader(), splitAt(msg, [cut, cut2]));
      assertOk(result);
      assert.equal(dec(result.head), GET);
      assert.equal(dec(after), "REST");
    }
  }
});

Deno.test("bare LF terminators are tolerated", () => {
  const r = new HeadReader().feed(enc("GET / HTTP/1.1\nHost: a\n\nX"));
  assertOk(r);
  assert.equal(dec(r.head), "GET / HTTP/1.1\nHost: a\n\n");
  const r2 = new HeadReader().feed(enc("GET / HTTP/1.1\r\nHost: a\r\n\nX"));
  assertOk(r2);
  assert.equal(dec(r2.rest), "X");
  const r3 = new HeadReader().feed(enc("GET / HTTP/1.1\nHost: a\n\r\nX"));
  assertOk(r3);
  assert.equal(dec(r3.rest), "X");
});

Deno.test("a lone CR inside a line does not end the head", () => {
  const reader = new HeadReader();
  assert.equal(reader.feed(enc("GET / HTTP/1.1\r\nA: b\r\r\n")), null);
  const r = reader.feed(enc("\r\n"));
  assertOk(r);
  assert.equal(dec(r.head), "GET / HTTP/1.1\r\nA: b\r\r\n\r\n");
});

Deno.test("leading empty lines are skipped, also across chunks", () => {
  const r = new HeadReader().feed(enc("\r\n\n\r\n" + GET));
  assertOk(r);
  assert.equal(dec(r.head), GET);
  const reader = new HeadReader();
  assert.equal(reader.feed(enc("\r")), null);
  assert.equal(reader.feed(enc("\n\r")), null);
  const r2 = reader.feed(enc("\n" + GET));
  assertOk(r2);
  assert.equal(dec(r2.head), GET);
});

Deno.test("a lone CR before the head is kept (the parser rejects it)", () => {
  const r = new HeadReader().feed(enc("\rGET / HTTP/1.1\r\n\r\n"));
  assertOk(r);
  assert.equal(dec(r.head), "\rGET / HTTP/1.1\r\n\r\n");
  const reader = new HeadReader();
  assert.equal(reader.feed(enc("\r\n\r")), null);
  const r2 = reader.feed(enc("GET / HTTP/1.1\r\n\r\n"));
  assertOk(r2);
  assert.equal(dec(r2.head), "\rGET / HTTP/1.1\r\n\r\n");
  assertParseError(parseRequestHead(r2.head), 400);
});

Deno.test("pipelined requests in one chunk", () => {
  const a = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  const b = "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
  const c = "\r\nHEAD /c HTTP/1.0\r\n\r\n";
  const reader = new HeadReader();
  let data = enc(a + b + c);
  const heads: string[] = [];
  for (;;) {
    const r = reader.feed(data);
    if (r === null) break;
    assertOk(r);
    heads.push(dec(r.head));
    data = r.rest;
    if (data.length === 0) break;
  }
  assert.deepEqual(heads, [a, b, c.slice(2)]);
  const paths = heads.map((h) => {
    const p = parseRequestHead(enc(h));
    assertOk(p);
    return p.path;
  });
  assert.deepEqual(paths, ["/a", "/b", "/c"]);
});

Deno.test("the reader starts over after a head; copies kept bytes so buffers may be reused", () => {
  const reader = new HeadReader();
  const buf = enc("GET / HTTP/1.1\r\n");
  assert.equal(reader.feed(buf), null);
  buf.fill(0x41); // caller reuses its buffer
  const r = reader.feed(enc("A: b\r\n\r\n"));
  assertOk(r);
  assert.equal(dec(r.head), "GET / HTTP/1.1\r\nA: b\r\n\r\n");
  const r2 = reader.feed(enc(GET));
  assertOk(r2);
  assert.equal(dec(r2.head), GET);
});

Deno.test("head larger than maxHeadSize -> 431, sticky until reset", () => {
  const reader = new HeadReader({ maxHeadSize: 64, maxHeaderCount: 10 });
  const big = enc("GET / HTTP/1.1\r\nX: " + "a".repeat(100) + "\r\n\r\n");
  assertParseError(reader.feed(big), 431);
  assertParseError(reader.feed(enc(GET)), 431);
  reader.reset();
  assertOk(reader.feed(enc(GET)));
});

Deno.test("maxHeadSize is inclusive and counts across feeds", () => {
  const exact = enc("GET / HTTP/1.1\r\nX: " + "a".repeat(20) + "\r\n\r\n");
  const limits = { maxHeadSize: exact.length, maxHeaderCount: 10 };
  assertOk(new HeadReader(limits).feed(exact));
  const r = drive(new HeadReader(limits), bytewise(exact)).result;
  assertOk(r);
  const over = { maxHeadSize: exact.length - 1, maxHeaderCount: 10 };
  assertParseError(new HeadReader(over).feed(exact), 431);
  assertParseError(drive(new HeadReader(over), bytewise(exact)).result, 431);
});

Deno.test("endless blank lines count against maxHeadSize", () => {
  const reader = new HeadReader({ maxHeadSize: 100, maxHeaderCount: 10 });
  let last: HeadResult = null;
  for (let i = 0; i < 100 && last === null; i++) last = reader.feed(enc("\r\n"));
  assertParseError(last, 431);
});

Deno.test("empty chunks are harmless", () => {
  const reader = new HeadReader();
  assert.equal(reader.feed(new Uint8Array(0)), null);
  assert.equal(reader.feed(enc("GET / HTTP/1.1\r\n")), null);
  assert.equal(reader.feed(new Uint8Array(0)), null);
  assertOk(reader.feed(enc("\r\n")));
});

Deno.test("linear time: a 60 KiB head fed byte by byte examines each byte once", () => {
  const lines: string[] = [];
  for (let i = 0; lines.join("").length < 60 * 1024; i++) {
    lines.push(`X-H${i}: ${"v".repeat(50)}\r\n`);
  }
  const head = enc("GET / HTTP/1.1\r\n" + lines.join("") + "\r\n");
  const reader = new HeadReader({ maxHeadSize: 64 * 1024, maxHeaderCount: 2000 });
  let result: HeadResult = null;
  for (let i = 0; i < head.length; i++) {
    result = reader.feed(head.subarray(i, i + 1));
    if (result !== null) {
      assert.equal(i, head.length - 1);
      break;
    }
  }
  assertOk(result);
  assert.equal(result.head.length, head.length);
  assert.equal(reader.bytesExamined, head.length);
  // A long line without terminator, fed byte by byte, is also scanned once.
  const reader2 = new HeadReader();
  for (let i = 0; i < 30_000; i++) assert.equal(reader2.feed(enc("a")), null);
  assert.equal(reader2.bytesExamined, 30_000);
});

Deno.test("bytes after the head are not examined", () => {
  const reader = new HeadReader();
  const r = reader.feed(enc(GET + "x".repeat(1000)));
  assertOk(r);
  assert.equal(reader.bytesExamined, GET.length);
});

const requestArb = fc.record({
  path: pathArb,
  headers: headersArb,
  eol: fc.constantFrom("\r\n", "\n"),
  leading: fc.constantFrom("", "\r\n", "\n\r\n"),
  after: fc.uint8Array({ maxLength: 40 }),
});

Deno.test("property: re-splitting a valid message gives the same head and rest", () => {
  fc.assert(
    fc.property(requestArb, fc.array(fc.nat(400), { maxLength: 12 }), (m, cuts) => {
      const headText = `GET ${m.path} HTTP/1.1${m.eol}${headerText(m.headers, m.eol, " ")}${m.eol}`;
      const bytes = concat([enc(m.leading + headText), m.after]);
      const one = new HeadReader().feed(bytes);
      assertOk(one);
      assert.equal(dec(one.head), headText);
      const { result, after } = drive(new HeadReader(), splitAt(bytes, cuts));
      assertOk(result);
      assert.deepEqual(result.head, one.head);
      assert.deepEqual(after, one.rest);
      const parsed = parseRequestHead(result.head);
      assertOk(parsed);
      assert.equal(parsed.path, m.path);
      assert.deepEqual(parsed.headers, m.headers);
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: garbage never throws and always ends in head, null or error", () => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 10 }),
      fc.integer({ min: 1, max: 128 }),
      (chunks, max) => {
        const reader = new HeadReader({ maxHeadSize: max, maxHeaderCount: 5 });
        let fed = 0;
        for (const chunk of chunks) {
          let data: Uint8Array = chunk;
          for (let guard = 0; guard <= chunk.length + 1; guard++) {
            const r = reader.feed(data);
            fed += data.length;
            if (r === null) break;
            if ("error" in r) {
              assertParseError(r, 431);
              reader.reset();
              break;
            }
            assert.ok(r.head.length <= max);
            if (r.rest.length === 0) break;
            data = r.rest;
          }
        }
        assert.ok(reader.bytesExamined <= fed);
      },
    ),
    { numRuns: 300 },
  );
});
