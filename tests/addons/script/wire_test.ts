import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import {
  decodeFrame,
  encodeFrame,
  FrameSplitter,
  WireError,
  type WireValue,
} from "../../../addons/script/wire.ts";
import { tflow } from "../../core/flow/tflow.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("wire: flow states round-trip with their bytes", () => {
  const state = tflow({ resp: true, ws: true }).getState();
  const back = decodeFrame(encodeFrame({ t: "call", id: 7, flow: state }));
  deepStrictEqual(back, { t: "call", id: 7, flow: state });
});

Deno.test("wire: a frame owns its buffer, so it can be transferred", () => {
  const frame = encodeFrame({ body: bytes("x".repeat(1000)) });
  strictEqual(frame.byteOffset, 0);
  strictEqual(frame.buffer.byteLength, frame.length);
});

Deno.test("wire: bad frames are WireErrors, never crashes", () => {
  const good = encodeFrame({ a: bytes("b") });
  const bad: Uint8Array[] = [
    new Uint8Array(4),
    Object.assign(good.slice(), { 0: 0x41 }),
    good.slice(0, good.length - 1),
    encodeFrame({ x: 1 }).map((b, i) => (i === 12 ? 0xff : b)),
  ];
  for (const frame of bad) throws(() => decodeFrame(frame), WireError);
  // A blob index that points nowhere.
  const forged = encodeFrame({ x: { "\u0000b": 3 } });
  throws(() => decodeFrame(forged), /refers to blob 3 of 0/);
  throws(() => new FrameSplitter().push(bytes("garbage!garbage!")), /bad magic/);
});

const wireValue: fc.Arbitrary<WireValue> = fc.letrec<{ v: WireValue }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string(),
    fc.uint8Array({ maxLength: 50 }),
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.string().filter((k) => k !== "__proto__"), tie("v"), {
      maxKeys: 4,
      noNullPrototype: true,
    }),
  ),
})).v;

Deno.test("wire: re-chunked streams give the same frames (property)", () => {
  fc.assert(
    fc.property(
      fc.array(wireValue, { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }),
      (values, cuts) => {
        const frames = values.map((v) => encodeFrame(v));
        const stream = new Uint8Array(frames.reduce((n, f) => n + f.length, 0));
        let off = 0;
        for (const f of frames) {
          stream.set(f, off);
          off += f.length;
        }
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
