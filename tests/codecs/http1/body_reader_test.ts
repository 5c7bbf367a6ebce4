import assert from "node:assert/strict";
import fc from "fast-check";
import {
  ChunkedReader,
  CloseDelimitedReader,
  ContentLengthReader,
  createBodyReader,
} from "../../../codecs/http1/body_reader.ts";
import {
  assertOk,
  assertParseError,
  concat,
  dec,
  driveRequests,
  enc,
  splitAt,
} from "./test_util.ts";

Deno.test("ContentLengthReader: whole body in one chunk, views without copies", () => {
  const chunk = enc("helloNEXT");
  const r = new ContentLengthReader(5);
  const out = r.feed(chunk);
  assertOk(out);
  assert.equal(out.done, true);
  assert.equal(dec(concat(out.data)), "hello");
  assert.equal(out.data[0].buffer, chunk.buffer);
  assert.equal(dec(out.rest), "NEXT");
  assert.equal(out.rest.buffer, chunk.buffer);
  assert.equal(r.done, true);
  assert.deepEqual(r.eof(), { done: true });
});

Deno.test("ContentLengthReader: split feeds, exact end, then rest", () => {
  const r = new ContentLengthReader(6);
  const a = r.feed(enc("abc"));
  assertOk(a);
  assert.deepEqual([dec(concat(a.data)), a.done, a.rest.length], ["abc", false, 0]);
  assert.equal(r.remaining, 3);
  const empty = r.feed(new Uint8Array(0));
  assertOk(empty);
  assert.deepEqual([empty.data.length, empty.done], [0, false]);
  const b = r.feed(enc("def"));
  assertOk(b);
  assert.deepEqual([dec(concat(b.data)), b.done, b.rest.length], ["def", true, 0]);
  const c = r.feed(enc("GET /"));
  assertOk(c);
  assert.deepEqual([c.data.length, c.done, dec(c.rest)], [0, true, "GET /"]);
});

Deno.test("ContentLengthReader(0) is done at once and passes everything through", () => {
  const r = new ContentLengthReader(0);
  assert.equal(r.done, true);
  const out = r.feed(enc("xyz"));
  assertOk(out);
  assert.deepEqual([out.data.length, out.done, dec(out.rest)], [0, true, "xyz"]);
  assert.deepEqual(r.eof(), { done: true });
});

Deno.test("ContentLengthReader: eof mid-body is an error", () => {
  const r = new ContentLengthReader(10);
  assertOk(r.feed(enc("abcd")));
  const e = r.eof();
  assertParseError(e, 400);
  assert.equal(
    e.error,
    "peer closed connection before the body was complete (got 4 of 10 bytes)",
  );
  assert.throws(() => new ContentLengthReader(-1), RangeError);
  assert.throws(() => new ContentLengthReader(1.5), RangeError);
});

Deno.test("CloseDelimitedReader: everything is body until finish()", () => {
  const r = new CloseDelimitedReader();
  const a = r.feed(enc("abc"));
  assertOk(a);
  assert.deepEqual([dec(concat(a.data)), a.done, a.rest.length], ["abc", false, 0]);
  const empty = r.feed(new Uint8Array(0));
  assertOk(empty);
  assert.equal(empty.data.length, 0);
  assert.equal(r.received, 3);
  assert.equal(r.done, false);
  assert.deepEqual(r.finish(), { done: true });
  assert.equal(r.done, true);
  const after = r.feed(enc("x"));
  assertOk(after);
  assert.deepEqual([after.data.length, after.done, dec(after.rest)], [0, true, "x"]);
  assert.deepEqual(new CloseDelimitedReader().eof(), { done: true });
});

Deno.test("createBodyReader picks the reader for each framing", () => {
  const none = createBodyReader({ kind: "none" });
  assert.ok(none instanceof ContentLengthReader);
  assert.equal(none.done, true);
  const len = createBodyReader({ kind: "length", length: 3 });
  assert.ok(len instanceof ContentLengthReader);
  assert.equal(len.done, false);
  const chunked = createBodyReader({ kind: "chunked" }, { maxHeadSize: 100, maxHeaderCount: 1 });
  assert.ok(chunked instanceof ChunkedReader);
  const t = chunked.feed(enc("0\r\nA: 1\r\nB: 2\r\n\r\n"));
  assertParseError(t, 431);
  assert.ok(createBodyReader({ kind: "close" }) instanceof CloseDelimitedReader);
});

Deno.test("BodyReader.eof tells whether ending at connection close is legal", () => {
  const cases: [Parameters<typeof createBodyReader>[0], string, boolean][] = [
    [{ kind: "none" }, "", true],
    [{ kind: "length", length: 2 }, "ab", true],
    [{ kind: "length", length: 2 }, "a", false],
    [{ kind: "chunked" }, "1\r\na\r\n0\r\n\r\n", true],
    [{ kind: "chunked" }, "1\r\na\r\n", false],
    [{ kind: "close" }, "anything", true],
  ];
  for (const [framing, input, legal] of cases) {
    const reader = createBodyReader(framing);
    assertOk(reader.feed(enc(input)));
    const e = reader.eof();
    assert.equal("error" in e, !legal, `${framing.kind} ${JSON.stringify(input)}`);
    if (legal) assert.equal(reader.done, true);
  }
});

const PIPELINE = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello" +
  "PUT /b HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3;x\r\nabc\r\n0\r\nT: 1\r\n\r\n" +
  "\r\nGET /c HTTP/1.0\r\n\r\n";

Deno.test("pipelined requests with bodies, split anywhere", () => {
  const bytes = enc(PIPELINE);
  const expected = driveRequests([bytes]);
  assert.equal(expected.error, undefined);
  assert.deepEqual(
    expected.requests.map((r) => [r.head.path, r.body, r.trailers]),
    [["/a", "hello", undefined], ["/b", "abc", [["T", "1"]]], ["/c", "", undefined]],
  );
  for (let a = 0; a <= bytes.length; a += 3) {
    for (let b = a; b <= bytes.length; b += 7) {
      assert.deepEqual(driveRequests(splitAt(bytes, [a, b])), expected);
    }
  }
});

Deno.test("property: mutated pipelines give requests or a ParseError, never throw or hang", () => {
  const base = enc(PIPELINE);
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          at: fc.nat(base.length - 1),
          byte: fc.constantFrom(0x00, 0x0a, 0x0d, 0x20, 0x3a, 0x3b, 0x30, 0x35, 0x66, 0x7f, 0xff),
          op: fc.constantFrom("replace", "insert", "delete"),
        }),
        { minLength: 1, maxLength: 5 },
      ),
      fc.array(fc.nat(base.length), { maxLength: 8 }),
      (edits, cuts) => {
        const bytes = Array.from(base);
        for (const e of edits) {
          const at = Math.min(e.at, bytes.length);
          if (e.op === "replace") bytes[at] = e.byte;
          else if (e.op === "insert") bytes.splice(at, 0, e.byte);
          else bytes.splice(at, 1);
        }
        const { error } = driveRequests(splitAt(new Uint8Array(bytes), cuts));
        if (error) assert.ok([400, 431, 501, 505].includes(error.status), error.error);
      },
    ),
    { numRuns: 1000 },
  );
});
