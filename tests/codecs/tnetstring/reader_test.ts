import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { concatBytes } from "../../../codecs/bytes.ts";
import { encode } from "../../../codecs/tnetstring/encode.ts";
import { type ReadResult, TnetstringReader } from "../../../codecs/tnetstring/reader.ts";
import { TnetstringError, type TnetValue } from "../../../codecs/tnetstring/value.ts";
import { ascii, chunked, tnetValue } from "./tnet_arbitraries.ts";

interface Outcome {
  values: TnetValue[];
  offsets: number[];
  end: "end" | TnetstringError;
}

/** Feeds the chunks one by one, draining values as they complete. */
function readAll(chunks: Uint8Array[], reader = new TnetstringReader()): Outcome {
  const out: Outcome = { values: [], offsets: [], end: "end" };
  const drain = (): ReadResult => {
    for (;;) {
      const r = reader.next();
      if (r.kind !== "value") return r;
      out.values.push(r.value);
      out.offsets.push(r.offset);
    }
  };
  for (const chunk of chunks) {
    reader.feed(chunk);
    const r = drain();
    if (r.kind === "error") return { ...out, end: r.error };
    strictEqual(r.kind, "need-data");
  }
  reader.end();
  const r = drain();
  if (r.kind === "error") return { ...out, end: r.error };
  strictEqual(r.kind, "end");
  return out;
}

Deno.test("values come out one at a time with their offsets", () => {
  const o = readAll([ascii("1:1#2:hi;0:~")]);
  deepStrictEqual(o, { values: [1, "hi", null], offsets: [0, 4, 9], end: "end" });
  deepStrictEqual(readAll([]), { values: [], offsets: [], end: "end" });
});

Deno.test("the reader waits for data, then reports a truncated value at the end", () => {
  const r = new TnetstringReader();
  r.feed(ascii("5:hel"));
  strictEqual(r.next().kind, "need-data");
  strictEqual(r.buffered, 5);
  r.end();
  const e = r.next();
  ok(e.kind === "error");
  strictEqual(e.error.truncated, true);
  strictEqual(e.error.offset, 0);
  strictEqual(
    e.error.message,
    "invalid tnetstring at byte 0: truncated value: the input ends after 5 of its 8 bytes",
  );
  strictEqual(r.next(), e, "the reader stays failed");
  throws(() => r.feed(ascii("x")), /after end/);
});

Deno.test("errors carry absolute offsets across values and chunks", () => {
  const o = readAll([ascii("1:1#1:"), ascii("2#12x")]);
  deepStrictEqual(o.values, [1, 2]);
  ok(o.end instanceof TnetstringError);
  strictEqual(o.end.message, "invalid tnetstring at byte 10: expected ':' after length, got \"x\"");
  const o2 = readAll([ascii("1:1#"), ascii("3:1:x]")]);
  ok(o2.end instanceof TnetstringError);
  strictEqual(o2.end.offset, 6);
  const o3 = readAll([ascii("1:1#\n")]);
  strictEqual(
    (o3.end as TnetstringError).message,
    "invalid tnetstring at byte 4: expected a length digit, got 0xa",
  );
  const o4 = readAll([ascii("12")]);
  strictEqual((o4.end as TnetstringError).truncated, true);
});

Deno.test("maxValueSize refuses a huge declared length before buffering it", () => {
  const o = readAll([ascii("999999999999:")], new TnetstringReader({ maxValueSize: 1 << 20 }));
  ok(o.end instanceof TnetstringError);
  strictEqual(o.end.truncated, false);
  ok(o.end.message.includes("larger than the limit"));
});

Deno.test("property: any chunking gives the same values", () => {
  fc.assert(
    fc.property(
      fc.array(tnetValue, { maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 30 }),
      (values, cuts) => {
        const bytes = concatBytes(values.map((v) => encode(v)));
        const o = readAll(chunked(bytes, cuts));
        deepStrictEqual(o.end, "end");
        deepStrictEqual(o.values, values);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("property: a truncated stream keeps every complete value, then reports truncation", () => {
  fc.assert(
    fc.property(
      fc.array(tnetValue, { minLength: 1, maxLength: 5 }),
      fc.nat(),
      fc.array(fc.nat(), { maxLength: 10 }),
      (values, cutSeed, cuts) => {
        const parts = values.map((v) => encode(v));
        const bytes = concatBytes(parts);
        const cut = cutSeed % bytes.length;
        const o = readAll(chunked(bytes.subarray(0, cut), cuts));
        let complete = 0;
        for (let n = 0, i = 0; i < parts.length && n + parts[i].length <= cut; i++) {
          n += parts[i].length;
          complete++;
        }
        deepStrictEqual(o.values, values.slice(0, complete));
        const boundary = parts.slice(0, complete).reduce((n, p) => n + p.length, 0);
        if (boundary === cut) {
          strictEqual(o.end, "end");
        } else {
          ok(o.end instanceof TnetstringError && o.end.truncated);
          strictEqual(o.end.offset, boundary);
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("property: corrupted input gives values and codec errors, never exceptions", () => {
  fc.assert(
    fc.property(
      fc.array(tnetValue, { minLength: 1, maxLength: 4 }),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (values, mutations, cuts) => {
        const bytes = concatBytes(values.map((v) => encode(v))).slice();
        for (const [at, b] of mutations) bytes[at % bytes.length] = b;
        const o = readAll(chunked(bytes, cuts), new TnetstringReader({ maxValueSize: 1 << 16 }));
        ok(o.end === "end" || o.end instanceof TnetstringError);
        if (o.end instanceof TnetstringError) ok(o.end.offset >= 0 && o.end.offset <= bytes.length);
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("property: random bytes never throw", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      (b, cuts) => {
        const o = readAll(chunked(b, cuts), new TnetstringReader({ maxValueSize: 1 << 16 }));
        ok(o.end === "end" || o.end instanceof TnetstringError);
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("many one-byte chunks stay linear", () => {
  const big = encode({ body: new Uint8Array(200_000).fill(97), list: [1, 2, 3] });
  const chunks = Array.from({ length: big.length }, (_, i) => big.subarray(i, i + 1));
  const t0 = performance.now();
  const o = readAll(chunks);
  strictEqual(o.values.length, 1);
  ok(performance.now() - t0 < 5000);
});

Deno.test("memory stays bounded by one value, however long the stream", () => {
  const value = encode({ body: new Uint8Array(5000).fill(1), n: 1 });
  const reader = new TnetstringReader();
  let seen = 0;
  let maxBuffered = 0;
  // 20 MB in 4 KiB chunks that straddle value boundaries.
  const stream = concatBytes(Array.from({ length: 16 }, () => value));
  for (let round = 0; round < 250; round++) {
    for (let i = 0; i < stream.length; i += 4096) {
      reader.feed(stream.subarray(i, i + 4096));
      maxBuffered = Math.max(maxBuffered, reader.buffered);
      for (let r = reader.next(); r.kind === "value"; r = reader.next()) seen++;
    }
  }
  reader.end();
  strictEqual(reader.next().kind, "end");
  strictEqual(seen, 16 * 250);
  ok(maxBuffered < value.length + 4096, `buffered up to ${maxBuffered}`);
  strictEqual(reader.offset, stream.length * 250);
});
