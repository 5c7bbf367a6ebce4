import assert from "node:assert/strict";
import fc from "fast-check";
import { ChunkedReader } from "../../../codecs/http1/chunked_reader.ts";
import type { HeaderFields } from "../../../codecs/http1/types.ts";
import {
  assertOk,
  assertParseError,
  bytewise,
  concat,
  dec,
  enc,
  headersArb,
  headerText,
  splitAt,
} from "./test_util.ts";

interface Outcome {
  body: string;
  done: boolean;
  rest: string;
  trailers?: HeaderFields;
  error?: string;
}

/** Feeds chunks; after `done`, remaining chunks count as rest. */
function run(chunks: Uint8Array[], reader = new ChunkedReader()): Outcome {
  const body: Uint8Array[] = [];
  for (let i = 0; i < chunks.length; i++) {
    const r = reader.feed(chunks[i]);
    if ("error" in r) return { body: "", done: false, rest: "", error: r.error };
    body.push(...r.data);
    if (r.done) {
      const rest = dec(concat([r.rest, ...chunks.slice(i + 1)]));
      const out: Outcome = { body: dec(concat(body)), done: true, rest };
      if (r.trailers) out.trailers = r.trailers;
      return out;
    }
    assert.equal(r.rest.length, 0);
  }
  return { body: dec(concat(body)), done: false, rest: "" };
}

function runText(text: string): Outcome {
  return run([enc(text)]);
}

Deno.test("simple chunked body with rest", () => {
  assert.deepEqual(runText("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\nNEXT"), {
    body: "hello world",
    done: true,
    rest: "NEXT",
  });
});

Deno.test("chunk data is returned as views into the fed chunk", () => {
  const chunk = enc("5\r\nhello\r\n");
  const r = new ChunkedReader().feed(chunk);
  assertOk(r);
  assert.equal(r.data.length, 1);
  assert.equal(r.data[0].buffer, chunk.buffer);
  assert.equal(r.done, false);
});

Deno.test("hex sizes in both cases, leading zeros, extensions and BWS", () => {
  const text = 'A\r\n0123456789\r\n00a;name=val;q="quo;ted"\r\n0123456789\r\n' +
    "1 ;x\r\nz\r\n1\t\r\ny\r\n000\r\n\r\n";
  assert.deepEqual(runText(text), {
    body: "01234567890123456789zy",
    done: true,
    rest: "",
  });
});

Deno.test("trailers are parsed and kept", () => {
  const o = runText("3\r\nabc\r\n0\r\nExpires: never\r\nX-Sum:  42 \r\n\r\nrest");
  assert.deepEqual(o, {
    body: "abc",
    done: true,
    rest: "rest",
    trailers: [["Expires", "never"], ["X-Sum", "42"]],
  });
  const r = new ChunkedReader();
  run([enc("0\r\nA: b\r\n\r\n")], r);
  assert.deepEqual(r.eof(), { done: true, trailers: [["A", "b"]] });
});

Deno.test("bad trailers are errors; trailer limits apply", () => {
  assert.match(runText("0\r\nA : b\r\n\r\n").error ?? "", /Whitespace before colon in trailer/);
  assert.match(runText("0\r\nA: b\r\n c\r\n\r\n").error ?? "", /Obsolete line folding/);
  const limits = { maxHeadSize: 1000, maxHeaderCount: 2 };
  const many = run([enc("0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")], new ChunkedReader(limits));
  assert.match(many.error ?? "", /Too many trailer fields/);
  const small = new ChunkedReader({ maxHeadSize: 10, maxHeaderCount: 10 });
  const big = small.feed(enc("0\r\nA: " + "x".repeat(20) + "\r\n\r\n"));
  assertParseError(big, 431);
});

Deno.test("split at every byte position gives the same result", () => {
  const text = "4;e=1\r\nwiki\r\n5\r\npedia\r\n0\r\nT: v\r\n\r\nX";
  const expected = runText(text);
  const bytes = enc(text);
  for (let a = 0; a <= bytes.length; a++) {
    for (let b = a; b <= bytes.length; b++) {
      assert.deepEqual(run(splitAt(bytes, [a, b])), expected, `${a} ${b}`);
    }
  }
  assert.deepEqual(run(bytewise(bytes)), expected);
});

Deno.test("invalid chunk sizes name input and state", () => {
  assert.equal(
    runText("x\r\n").error,
    'Invalid chunk size: unexpected "x" (0x78) in state size_start',
  );
  assert.match(runText("\r\n").error ?? "", /Invalid chunk size: unexpected "\\r" \(0x0d\)/);
  assert.match(runText("-1\r\n").error ?? "", /Invalid chunk size/);
  assert.match(runText("0x10\r\n").error ?? "", /unexpected "x" .* in state size$/);
  assert.match(runText("5 5\r\n").error ?? "", /in state size_ws/);
  assert.match(runText("5\n").error ?? "", /unexpected "\\n" .* in state size$/);
  assert.match(runText("5\r\r\n").error ?? "", /in state size_lf/);
  assert.match(runText("5;a\x00b\r\n").error ?? "", /in state ext/);
  assert.match(runText("5;a\nb\r\n").error ?? "", /in state ext/);
});

Deno.test("missing CRLF after chunk data", () => {
  assert.equal(
    runText("3\r\nabcd\r\n").error,
    'Missing CRLF after chunk data: unexpected "d" (0x64) in state data_cr',
  );
  assert.match(runText("3\r\nabc\rX").error ?? "", /Missing CRLF .* in state data_lf/);
  assert.match(runText("3\r\nabc\n0\r\n\r\n").error ?? "", /Missing CRLF/);
});

Deno.test("chunk size overflow", () => {
  assert.match(runText("20000000000000\r\n").error ?? "", /Chunk size overflow/);
  assert.match(runText("00000000000000001\r\n").error ?? "", /Chunk size overflow/);
  assert.match(runText("fffffffffffffff\r\n").error ?? "", /Chunk size overflow/);
  // 2^53 - 1 is still a valid size.
  const r = new ChunkedReader();
  assertOk(r.feed(enc("1fffffffffffff\r\nabc")));
  assert.match(
    (r.eof() as { error: string }).error,
    /got 3 bytes, 9007199254740988 bytes of the current chunk missing/,
  );
});

Deno.test("overlong chunk-size lines are rejected", () => {
  const r = new ChunkedReader();
  let last = r.feed(enc("5;"));
  for (let i = 0; i < 5000 && !("error" in last); i++) last = r.feed(enc("x"));
  assertParseError(last, 400);
  assert.match(last.error, /Chunk size line too long/);
});

Deno.test("errors are sticky", () => {
  const r = new ChunkedReader();
  const e = r.feed(enc("zz"));
  assertParseError(e, 400);
  assert.deepEqual(r.feed(enc("0\r\n\r\n")), e);
  assert.deepEqual(r.eof(), e);
});

Deno.test("after done, further bytes are rest", () => {
  const r = new ChunkedReader();
  assertOk(r.feed(enc("0\r\n\r\n")));
  assert.equal(r.done, true);
  const again = r.feed(enc("GET"));
  assertOk(again);
  assert.deepEqual([again.data, again.done, dec(again.rest)], [[], true, "GET"]);
});

Deno.test("eof mid-body is an error naming where it stopped", () => {
  const r = new ChunkedReader();
  assertOk(r.feed(enc("5\r\nab")));
  assert.equal(r.received, 2);
  assert.equal(r.stateName, "data");
  const e = r.eof();
  assertParseError(e, 400);
  assert.match(e.error, /peer closed connection before the chunked body was complete/);
  assert.match(e.error, /got 2 bytes, 3 bytes of the current chunk missing/);
  const t = new ChunkedReader();
  assertOk(t.feed(enc("0\r\nA: b\r\n")));
  assert.match((t.eof() as { error: string }).error, /in state trailers/);
  assertParseError(new ChunkedReader().eof(), 400);
});

const chunkedArb = fc.record({
  pieces: fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 6 }),
  exts: fc.array(fc.constantFrom("", ";a", ";a=b", ' ; q="x;y"', "\t;z=1;y"), {
    minLength: 7,
    maxLength: 7,
  }),
  upper: fc.boolean(),
  trailers: headersArb,
  after: fc.uint8Array({ maxLength: 20 }),
});

Deno.test("property: random chunked bodies decode the same however they are split", () => {
  fc.assert(
    fc.property(chunkedArb, fc.array(fc.nat(500), { maxLength: 15 }), (m, cuts) => {
      let text = "";
      m.pieces.forEach((p, i) => {
        const size = m.upper ? p.length.toString(16).toUpperCase() : p.length.toString(16);
        text += `${size}${m.exts[i]}\r\n${dec(p)}\r\n`;
      });
      text += `0${m.exts[6]}\r\n${headerText(m.trailers, "\r\n", " ")}\r\n`;
      const bytes = concat([enc(text), m.after]);
      const o = run(splitAt(bytes, cuts));
      assert.equal(o.error, undefined);
      assert.equal(o.done, true);
      assert.equal(o.body, dec(concat(m.pieces)));
      assert.equal(o.rest, dec(m.after));
      assert.deepEqual(o.trailers, m.trailers.length > 0 ? m.trailers : undefined);
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: mutated chunked bodies never throw or hang", () => {
  const base = enc("4;x=y\r\nwiki\r\n5\r\npedia\r\n0\r\nT: v\r\n\r\n");
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), {
        maxLength: 5,
      }),
      fc.array(fc.nat(base.length), { maxLength: 6 }),
      (edits, cuts) => {
        const bytes = base.slice();
        for (const [at, b] of edits) bytes[at] = b;
        const reader = new ChunkedReader();
        for (const chunk of splitAt(bytes, cuts)) {
          const r = reader.feed(chunk);
          if ("error" in r) {
            assert.ok([400, 431].includes(r.status));
            return;
          }
          if (r.done) return;
        }
        const e = reader.eof();
        if ("error" in e) assert.ok(e.error.length > 0);
      },
    ),
    { numRuns: 1000 },
  );
});
