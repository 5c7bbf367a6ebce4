import assert from "node:assert/strict";
import { FrameReader } from "../../../codecs/http2/frame_reader.ts";
import {
  dataFrameHeader,
  encodeFrame,
  headerBlockFrames,
  pushPromiseFrames,
} from "../../../codecs/http2/frame_writer.ts";
import { concat, hex, toHex } from "./test_util.ts";

Deno.test("SETTINGS encodes id and value per entry", () => {
  assert.equal(
    toHex(encodeFrame({ type: "SETTINGS", ack: false, settings: [[3, 100], [4, 65535]] })),
    "00000c040000000000" + "000300000064" + "00040000ffff",
  );
});

Deno.test("headerBlockFrames splits into HEADERS and CONTINUATION at the frame size", () => {
  const block = new Uint8Array(40).map((_, i) => i);
  const frames = headerBlockFrames(1, block, 16, { endStream: true });
  assert.deepEqual(frames.map((f) => f.type), ["HEADERS", "CONTINUATION", "CONTINUATION"]);
  assert.deepEqual(frames.map((f) => "endHeaders" in f && f.endHeaders), [false, false, true]);
  assert.equal(frames[0].type === "HEADERS" && frames[0].endStream, true);
  const back = new FrameReader().feed(concat(frames.map(encodeFrame)));
  const fragments = back.map((f) => ("fragment" in f ? f.fragment : new Uint8Array(0)));
  assert.deepEqual(concat(fragments), block);
});

Deno.test("headerBlockFrames leaves room for priority and padding in the first frame", () => {
  const frames = headerBlockFrames(1, new Uint8Array(20), 16, {
    priority: { exclusive: false, dependsOn: 0, weight: 16 },
    padLength: 2,
  });
  assert.equal(frames.length, 2);
  assert.equal(frames[0].type === "HEADERS" && frames[0].fragment.length, 8);
  const single = headerBlockFrames(1, new Uint8Array(16), 16);
  assert.equal(single.length, 1);
  assert.equal(single[0].type === "HEADERS" && single[0].endHeaders, true);
});

Deno.test("pushPromiseFrames counts the promised stream id in the first frame", () => {
  const frames = pushPromiseFrames(1, 2, new Uint8Array(13), 16);
  assert.deepEqual(frames.map((f) => f.type), ["PUSH_PROMISE", "CONTINUATION"]);
  assert.equal(frames[0].type === "PUSH_PROMISE" && frames[0].fragment.length, 12);
});

Deno.test("dataFrameHeader matches encodeFrame's header", () => {
  const data = hex("616263");
  const full = encodeFrame({ type: "DATA", streamId: 5, endStream: true, data });
  assert.deepEqual(concat([dataFrameHeader(5, 3, true), data]), full);
});
