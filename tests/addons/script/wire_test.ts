import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import {
  FrameSplitter,
  MAX_DEPTH,
  WireError,
  type WireValue,
} from "../../../addons/script/wire.ts";
import { decodeFrame, WireReader } from "../../../addons/script/wire_reader.ts";
import { encodeFrame, WireWriter } from "../../../addons/script/wire_writer.ts";
import { tflow, ttcpflow } from "../../core/flow/tflow.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("wire: flow states round-trip with their bytes", () => {
  for (const flow of [tflow({ resp: true, ws: true, err: true }), ttcpflow()]) {
    const state = flow.getState();
    const back = decodeFrame(encodeFrame({ t: "call", id: 7, flow: state }));
    deepStrictEqual(back, { t: "call", id: 7, flow: state });
  }
});

Deno.test("wire: numbers, strings and keys of every kind round-trip", () => {
  const value = {
    ints: [0, -1, 1, 2 ** 31 - 1, -(2 ** 31)],
    floats: [0.5, 2 ** 31, -(2 ** 31) - 1, 1e300, -1.5e-300, Number.MAX_SAFE_INTEGER],
    strings: ["", "ascii", "ü", "日本語", "x".repeat(1000), "ü".repeat(100), "\u0000"],
    "a key not in the table": true,
    "ключ": false,
    nested: { deeper: [[], {}, null] },
  };
  deepStrictEqual(decodeFrame(encodeFrame(value)), value);
});

Deno.test("wire: values are written as JSON would see them", () => {
  const value = {
    skipped: undefined,
    fn: () => 1,
    list: [undefined, () => 1, Symbol("s")],
    date: new Date(0),
    custom: { toJSON: () => "custom" },
  };
  deepStrictEqual(decodeFrame(encodeFrame(value)), {
    list: [null, null, null],
    date: "1970-01-01T00:00:00.000Z",
    custom: "custom",
  });
  throws(() => encodeFrame({ big: 1n }), /BigInt/);
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  throws(() => encodeFrame(cycle), WireError);
  // A failed frame leaves nothing behind in a writer.
  const w = new WireWriter();
  w.frame({ ok: 1 });
  const before = w.length;
  throws(() => w.frame({ bad: 1n }), WireError);
  strictEqual(w.length, before);
});

Deno.test("wire: __proto__ from the other side is a plain key, not a prototype", () => {
  const w = new WireWriter();
  const start = w.beginFrame();
  w.dict(1);
  w.key("__proto__");
  w.dict(1);
  w.key("polluted");
  w.bool(true);
  w.endFrame(start);
  const v = decodeFrame(w.take()) as Record<string, unknown>;
  strictEqual(Object.getPrototypeOf(v), Object.prototype);
  strictEqual(({} as Record<string, unknown>).polluted, undefined);
  deepStrictEqual(Object.keys(v), ["__proto__"]);
});

Deno.test("wire: a frame owns its buffer, so it can be transferred", () => {
  const frame = encodeFrame({ body: bytes("x".repeat(1000)) });
  strictEqual(frame.byteOffset, 0);
  strictEqual(frame.buffer.byteLength, frame.length);
});

/** A frame around hand-written value bytes. */
function frameOf(...value: number[]): Uint8Array {
  const out = new Uint8Array(8 + value.length);
  const view = new DataView(out.buffer);
  out.set(bytes("MDS2"));
  view.setUint32(4, value.length, true);
  out.set(value, 8);
  return out;
}

Deno.test("wire: malformed frames are WireErrors that say what is wrong", () => {
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(4), /bad magic/],
    [bytes("garbage!garbage!"), /bad magic/],
    [encodeFrame({ a: 1 }).slice(0, -1), /length does not match/],
    [frameOf(), /truncated value at 8/],
    [frameOf(42), /unknown tag 42 at 8/],
    [frameOf(5, 10, 0, 0, 0, 0x61), /truncated value/],
    [frameOf(5, 2, 0, 0, 0, 0xc3, 0x28), /invalid UTF-8/],
    [frameOf(6, 0xff, 0xff, 0xff, 0xff), /truncated value/],
    [frameOf(7, 0xff, 0xff, 0xff, 0x7f), /truncated value/],
    [frameOf(8, 1, 0, 0, 0, 200, 0), /unknown key index 200/],
    [frameOf(0, 0), /1 bytes after the value/],
    [frameOf(...Array(MAX_DEPTH + 1).fill([7, 1, 0, 0, 0]).flat(), 0), /deeper than/],
  ];
  for (const [frame, message] of cases) throws(() => decodeFrame(frame), message);
  throws(() => new FrameSplitter().push(bytes("garbage!garbage!")), /bad magic/);
  // Typed reads fail the same way when the bytes are not what the reader expects.
  const r = WireReader.frame(encodeFrame("a string"));
  throws(() => r.dict(), /expected a dict at 8, got string/);
});

const wireValue: fc.Arbitrary<WireValue> = fc.letrec<{ v: WireValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double({ noNaN: true }),
    fc.string({ unit: "grapheme" }),
    fc.uint8Array({ maxLength: 50 }),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.string().filter((k) => k !== "__proto__"), tie("v"), {
      maxKeys: 4,
      noNullPrototype: true,
    }),
  ),
})).v;

Deno.test("wire: any value round-trips, and its encoding is canonical (property)", () => {
  fc.assert(
    fc.property(wireValue, (value) => {
      const frame = encodeFrame(value);
      const back = decodeFrame(frame);
      deepStrictEqual(back, value);
      deepStrictEqual(encodeFrame(back), frame);
    }),
  );
});

Deno.test("wire: mutated frames decode or fail with WireError, never otherwise (property)", () => {
  fc.assert(
    fc.property(wireValue, fc.nat(), fc.integer({ min: 0, max: 255 }), (value, at, byte) => {
      const frame = encodeFrame({ v: value });
      frame[8 + (at % (frame.length - 8))] = byte;
      try {
        decodeFrame(frame);
      } catch (e) {
        ok(e instanceof WireError, `${e}`);
      }
    }),
  );
});

Deno.test("wire: frames batched into one write come out whole and in order (property)", () => {
  fc.assert(
    fc.property(
      fc.array(wireValue, { minLength: 1, maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }),
      (values, cuts) => {
        // One writer, several frames back to back: what one event loop turn sends.
        const w = new WireWriter(16);
        for (const v of values) w.frame(v);
        const stream = w.take();
        strictEqual(w.length, 0);
        const splitter = new FrameSplitter();
        const out: WireValue[] = [];
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const n = cuts[i % cuts.length];
          for (const frame of splitter.push(stream.subarray(pos, pos + n))) {
            out.push(decodeFrame(frame));
          }
          pos += n;
        }
        deepStrictEqual(out, values);
        strictEqual(splitter.pending, 0);
      },
    ),
  );
});
