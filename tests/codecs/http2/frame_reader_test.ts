import assert from "node:assert/strict";
import fc from "fast-check";
import { ErrorCode } from "../../../codecs/http2/error_codes.ts";
import { FrameReader, frameTypeName } from "../../../codecs/http2/frame_reader.ts";
import { encodeFrame } from "../../../codecs/http2/frame_writer.ts";
import {
  CONNECTION_PREFACE,
  type Frame,
  type FrameError,
  FrameType,
} from "../../../codecs/http2/frames.ts";
import { concat, hex, splitAt } from "./test_util.ts";

function readAll(bytes: Uint8Array, reader = new FrameReader()): (Frame | FrameError)[] {
  return reader.feed(bytes);
}

function onlyError(items: (Frame | FrameError)[]): FrameError {
  const last = items.at(-1);
  assert.ok(last && last.type === "ERROR", `expected an error, got ${JSON.stringify(items)}`);
  return last;
}

Deno.test("reads a SETTINGS frame from RFC-style bytes", () => {
  const items = readAll(hex("000006 04 00 00000000 0003 00000064"));
  assert.deepEqual(items, [{ type: "SETTINGS", ack: false, settings: [[3, 100]] }]);
});

Deno.test("client preface is required and checked byte by byte", () => {
  const r = new FrameReader({ expectPreface: true });
  assert.deepEqual(r.feed(CONNECTION_PREFACE.subarray(0, 10)), []);
  assert.deepEqual(r.feed(CONNECTION_PREFACE.subarray(10)), []);
  assert.deepEqual(r.feed(hex("000000 04 01 00000000")), [{
    type: "SETTINGS",
    ack: true,
    settings: [],
  }]);
  const bad = new FrameReader({ expectPreface: true });
  const err = onlyError(bad.feed(new TextEncoder().encode("GET / HTTP/1.1\r\n")));
  assert.equal(err.code, ErrorCode.PROTOCOL_ERROR);
  assert.match(err.error, /preface/);
  // Errors are sticky.
  assert.equal(onlyError(bad.feed(new Uint8Array(1))), err);
});

Deno.test("frame larger than the maximum frame size is a FRAME_SIZE_ERROR before buffering", () => {
  const r = new FrameReader();
  const err = onlyError(r.feed(hex("004001 00 00 00000001")));
  assert.equal(err.code, ErrorCode.FRAME_SIZE_ERROR);
  assert.equal(err.streamId, undefined);
  assert.match(err.error, /DATA with length 16385 exceeds the maximum frame size 16384/);
  const big = new FrameReader({ maxFrameSize: 1 << 17 });
  const payload = new Uint8Array(20000);
  const items = big.feed(
    encodeFrame({ type: "DATA", streamId: 1, endStream: false, data: payload }),
  );
  assert.equal(items.length, 1);
});

const sizeCases: [string, string, number, boolean][] = [
  ["PING of 7 octets", "000007 06 00 00000000 00000000000000", ErrorCode.FRAME_SIZE_ERROR, false],
  [
    "SETTINGS ACK with payload",
    "000006 04 01 00000000 000300000064",
    ErrorCode.FRAME_SIZE_ERROR,
    false,
  ],
  ["SETTINGS of 5 octets", "000005 04 00 00000000 0003000000", ErrorCode.FRAME_SIZE_ERROR, false],
  ["RST_STREAM of 3 octets", "000003 03 00 00000001 000000", ErrorCode.FRAME_SIZE_ERROR, false],
  ["WINDOW_UPDATE of 3 octets", "000003 08 00 00000000 000001", ErrorCode.FRAME_SIZE_ERROR, false],
  ["GOAWAY of 7 octets", "000007 07 00 00000000 00000000000000", ErrorCode.FRAME_SIZE_ERROR, false],
  [
    "PRIORITY of 4 octets (stream error)",
    "000004 02 00 00000003 00000001",
    ErrorCode.FRAME_SIZE_ERROR,
    true,
  ],
  ["DATA on stream 0", "000001 00 00 00000000 61", ErrorCode.PROTOCOL_ERROR, false],
  ["HEADERS on stream 0", "000001 01 04 00000000 82", ErrorCode.PROTOCOL_ERROR, false],
  ["SETTINGS on stream 1", "000000 04 00 00000001", ErrorCode.PROTOCOL_ERROR, false],
  ["PING on stream 1", "000008 06 00 00000001 0000000000000000", ErrorCode.PROTOCOL_ERROR, false],
  ["GOAWAY on stream 1", "000008 07 00 00000001 0000000000000000", ErrorCode.PROTOCOL_ERROR, false],
  ["RST_STREAM on stream 0", "000004 03 00 00000000 00000000", ErrorCode.PROTOCOL_ERROR, false],
  ["CONTINUATION on stream 0", "000000 09 04 00000000", ErrorCode.PROTOCOL_ERROR, false],
  ["PUSH_PROMISE on stream 0", "000004 05 04 00000000 00000002", ErrorCode.PROTOCOL_ERROR, false],
  ["PUSH_PROMISE of 3 octets", "000003 05 04 00000001 000000", ErrorCode.FRAME_SIZE_ERROR, false],
  [
    "DATA padding fills the frame",
    "000003 00 08 00000001 03 6161",
    ErrorCode.PROTOCOL_ERROR,
    false,
  ],
  ["DATA PADDED but empty", "000000 00 08 00000001", ErrorCode.FRAME_SIZE_ERROR, false],
  [
    "HEADERS PRIORITY too short",
    "000004 01 24 00000001 00000000",
    ErrorCode.FRAME_SIZE_ERROR,
    false,
  ],
  [
    "HEADERS padding past priority",
    "000006 01 2c 00000001 01 0000000010",
    ErrorCode.PROTOCOL_ERROR,
    false,
  ],
];

for (const [name, bytes, code, streamError] of sizeCases) {
  Deno.test(`frame checks: ${name}`, () => {
    const err = onlyError(readAll(hex(bytes)));
    assert.equal(err.code, code, err.error);
    assert.equal(err.streamId !== undefined, streamError);
  });
}

Deno.test("a PRIORITY stream error does not stop the reader", () => {
  const items = readAll(hex("000004 02 00 00000003 00000001 000000 04 01 00000000"));
  assert.equal(items.length, 2);
  assert.equal(items[0].type, "ERROR");
  assert.deepEqual(items[1], { type: "SETTINGS", ack: true, settings: [] });
});

Deno.test("unknown frame types are returned as UNKNOWN and round-trip", () => {
  const bytes = hex("000003 fa 07 00000005 010203");
  const items = readAll(bytes);
  assert.deepEqual(items, [{
    type: "UNKNOWN",
    frameType: 0xfa,
    flags: 7,
    streamId: 5,
    payload: hex("010203"),
  }]);
  assert.deepEqual(encodeFrame(items[0] as Frame), bytes);
  assert.equal(frameTypeName(0xfa), "0xfa");
  assert.equal(frameTypeName(FrameType.GOAWAY), "GOAWAY");
});

Deno.test("the reserved bit of the stream id is ignored", () => {
  const items = readAll(hex("000004 03 00 80000001 00000008"));
  assert.deepEqual(items, [{ type: "RST_STREAM", streamId: 1, errorCode: 8 }]);
});

Deno.test("payloads are copies: reusing the input buffer does not change frames", () => {
  const bytes = encodeFrame({ type: "DATA", streamId: 1, endStream: true, data: hex("616263") });
  const r = new FrameReader();
  const [f] = r.feed(bytes);
  bytes.fill(0);
  assert.deepEqual((f as { data: Uint8Array }).data, hex("616263"));
});

/** Every frame type, with and without padding/priority/flags. */
export const SAMPLE_FRAMES: Frame[] = [
  { type: "DATA", streamId: 1, endStream: false, data: hex("68656c6c6f") },
  { type: "DATA", streamId: 3, endStream: true, data: new Uint8Array(0) },
  { type: "DATA", streamId: 5, endStream: true, data: hex("00ff"), padLength: 7 },
  { type: "DATA", streamId: 5, endStream: false, data: new Uint8Array(0), padLength: 0 },
  { type: "HEADERS", streamId: 1, endStream: true, endHeaders: true, fragment: hex("828684") },
  {
    type: "HEADERS",
    streamId: 7,
    endStream: false,
    endHeaders: false,
    fragment: hex("8286"),
    priority: { exclusive: true, dependsOn: 3, weight: 256 },
    padLength: 3,
  },
  {
    type: "HEADERS",
    streamId: 9,
    endStream: false,
    endHeaders: true,
    fragment: new Uint8Array(0),
    priority: { exclusive: false, dependsOn: 0, weight: 1 },
  },
  { type: "PRIORITY", streamId: 3, priority: { exclusive: false, dependsOn: 1, weight: 16 } },
  { type: "RST_STREAM", streamId: 1, errorCode: ErrorCode.CANCEL },
  { type: "RST_STREAM", streamId: 1, errorCode: 0xffffffff },
  { type: "SETTINGS", ack: false, settings: [[1, 4096], [3, 100], [4, 0x7fffffff], [0xff, 9]] },
  { type: "SETTINGS", ack: false, settings: [] },
  { type: "SETTINGS", ack: true, settings: [] },
  {
    type: "PUSH_PROMISE",
    streamId: 1,
    promisedStreamId: 2,
    endHeaders: true,
    fragment: hex("8287"),
  },
  {
    type: "PUSH_PROMISE",
    streamId: 1,
    promisedStreamId: 4,
    endHeaders: false,
    fragment: hex("82"),
    padLength: 2,
  },
  { type: "PING", ack: false, data: hex("0102030405060708") },
  { type: "PING", ack: true, data: hex("0102030405060708") },
  { type: "GOAWAY", lastStreamId: 7, errorCode: 0, debugData: new Uint8Array(0) },
  { type: "GOAWAY", lastStreamId: 0x7fffffff, errorCode: 2, debugData: hex("6f6f7073") },
  { type: "WINDOW_UPDATE", streamId: 0, increment: 0x7fffffff },
  { type: "WINDOW_UPDATE", streamId: 3, increment: 1 },
  { type: "CONTINUATION", streamId: 7, endHeaders: true, fragment: hex("84") },
  { type: "CONTINUATION", streamId: 7, endHeaders: false, fragment: new Uint8Array(0) },
  { type: "UNKNOWN", frameType: 0x10, flags: 0xff, streamId: 0, payload: hex("00") },
];

for (const frame of SAMPLE_FRAMES) {
  const label = JSON.stringify(frame, (_, v) => v instanceof Uint8Array ? [...v] : v);
  Deno.test(`round trip ${frame.type}: ${label.slice(0, 80)}`, () => {
    const bytes = encodeFrame(frame);
    assert.deepEqual(readAll(bytes), [frame]);
  });
}

Deno.test("property: any split of a frame stream gives the same frames", () => {
  const all = concat([CONNECTION_PREFACE, ...SAMPLE_FRAMES.map(encodeFrame)]);
  const whole = new FrameReader({ expectPreface: true }).feed(all);
  assert.equal(whole.length, SAMPLE_FRAMES.length);
  fc.assert(
    fc.property(fc.array(fc.nat({ max: all.length }), { maxLength: 40 }), (cuts) => {
      const r = new FrameReader({ expectPreface: true });
      const got = splitAt(all, cuts).flatMap((c) => r.feed(c));
      assert.deepEqual(got, whole);
      assert.ok(r.idle);
    }),
  );
});

Deno.test("property: byte-at-a-time reading equals one-shot reading", () => {
  const all = concat(SAMPLE_FRAMES.map(encodeFrame));
  const r = new FrameReader();
  const got: (Frame | FrameError)[] = [];
  for (let i = 0; i < all.length; i++) got.push(...r.feed(all.subarray(i, i + 1)));
  assert.deepEqual(got, readAll(all));
});

Deno.test("property: random bytes give frames or an error, never an exception", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 300 }), (bytes, cut) => {
      const r = new FrameReader({ maxFrameSize: 64 });
      const items = [...r.feed(bytes.subarray(0, cut)), ...r.feed(bytes.subarray(cut))];
      const first = items.findIndex((i) => i.type === "ERROR" && i.streamId === undefined);
      if (first >= 0) {
        for (const later of items.slice(first)) assert.equal(later, items[first], "errors stick");
      }
    }),
    { numRuns: 500 },
  );
});

Deno.test("writer rejects out-of-range values", () => {
  assert.throws(
    () =>
      encodeFrame({ type: "DATA", streamId: 1, endStream: false, data: hex(""), padLength: 256 }),
    /padLength/,
  );
  assert.throws(
    () =>
      encodeFrame({
        type: "PRIORITY",
        streamId: 1,
        priority: { exclusive: false, dependsOn: 0, weight: 0 },
      }),
    /weight/,
  );
  assert.throws(() => encodeFrame({ type: "PING", ack: false, data: hex("00") }), /8 octets/);
});
