/** Protocol violations from a hand-driven peer: each becomes events and RST/GOAWAY, never a throw. */

import assert from "node:assert/strict";
import { H2Connection } from "../../../codecs/http2/connection.ts";
import type { H2ConnectionOptions } from "../../../codecs/http2/connection_options.ts";
import { ErrorCode } from "../../../codecs/http2/error_codes.ts";
import type { H2Event } from "../../../codecs/http2/events.ts";
import { FrameReader } from "../../../codecs/http2/frame_reader.ts";
import { encodeFrame } from "../../../codecs/http2/frame_writer.ts";
import { CONNECTION_PREFACE, type Frame, type FrameError } from "../../../codecs/http2/frames.ts";
import { HpackEncoder } from "../../../codecs/http2/hpack/encoder.ts";
import { concat, dec, hex, OK, REQUEST, types } from "./test_util.ts";

/** A server codec driven by raw frames, as a misbehaving client would send them. */
class RawPeer {
  readonly conn: H2Connection;
  readonly hpack = new HpackEncoder();
  readonly #reader: FrameReader;

  constructor(options: Partial<H2ConnectionOptions> = {}, role: "server" | "client" = "server") {
    this.conn = new H2Connection({ ...options, role });
    this.#reader = new FrameReader({ maxFrameSize: 1 << 24, expectPreface: role === "client" });
    this.conn.initiateConnection();
    this.received(); // drop the server's SETTINGS
    if (role === "server") this.conn.receiveData(CONNECTION_PREFACE);
  }

  /** Completes the handshake: our SETTINGS and the ACK of theirs. */
  handshake(): this {
    this.send({ type: "SETTINGS", ack: false, settings: [] }, {
      type: "SETTINGS",
      ack: true,
      settings: [],
    });
    this.received();
    return this;
  }

  send(...frames: Frame[]): H2Event[] {
    return this.conn.receiveData(concat(frames.map(encodeFrame)));
  }

  sendBytes(bytes: Uint8Array): H2Event[] {
    return this.conn.receiveData(bytes);
  }

  headers(streamId: number, fields: [string, string][], endStream = true): Frame {
    return {
      type: "HEADERS",
      streamId,
      endStream,
      endHeaders: true,
      fragment: this.hpack.encode(fields),
    };
  }

  /** Frames the codec queued in response. */
  received(): (Frame | FrameError)[] {
    return this.#reader.feed(this.conn.dataToSend());
  }
}

function goaway(frames: (Frame | FrameError)[]): { code: number; last: number; text: string } {
  const g = frames.find((f) => f.type === "GOAWAY");
  assert.ok(
    g && g.type === "GOAWAY",
    `expected GOAWAY, got ${JSON.stringify(frames.map((f) => f.type))}`,
  );
  return { code: g.errorCode, last: g.lastStreamId, text: dec(g.debugData) };
}

function rst(frames: (Frame | FrameError)[]): [number, number][] {
  return frames.flatMap((f) =>
    f.type === "RST_STREAM" ? [[f.streamId, f.errorCode] as [number, number]] : []
  );
}

function terminated(events: H2Event[]): { code: number; reason: string } {
  const t = events.find((e) => e.type === "ConnectionTerminated");
  assert.ok(
    t && t.type === "ConnectionTerminated" && !t.remote,
    `got ${JSON.stringify(types(events))}`,
  );
  return { code: t.errorCode, reason: t.reason };
}

function connError(peer: RawPeer, events: H2Event[], code: number, pattern: RegExp): void {
  const t = terminated(events);
  assert.equal(t.code, code, t.reason);
  assert.match(t.reason, pattern);
  const g = goaway(peer.received());
  assert.equal(g.code, code);
  assert.equal(g.text, t.reason);
  assert.ok(peer.conn.isClosed);
  assert.deepEqual(peer.send({ type: "PING", ack: false, data: new Uint8Array(8) }), []);
}

Deno.test("first frame must be SETTINGS", () => {
  const p = new RawPeer();
  const ev = p.send({ type: "PING", ack: false, data: new Uint8Array(8) });
  connError(p, ev, ErrorCode.PROTOCOL_ERROR, /expected SETTINGS as the first frame, got PING/);
});

Deno.test("invalid preface is a PROTOCOL_ERROR", () => {
  const c = new H2Connection({ role: "server" });
  c.initiateConnection();
  const ev = c.receiveData(new TextEncoder().encode("GET / HTTP/1.1\r\n\r\n"));
  assert.equal(terminated(ev).code, ErrorCode.PROTOCOL_ERROR);
});

Deno.test("after a connection error: sends throw, GOAWAY names the last stream", () => {
  const p = new RawPeer().handshake();
  p.send(p.headers(1, REQUEST));
  const ev = p.send({ type: "DATA", streamId: 5, endStream: false, data: hex("00") });
  const t = terminated(ev);
  assert.match(t.reason, /DATA on idle stream 5/);
  assert.equal(goaway(p.received()).last, 1);
  assert.throws(() => p.conn.sendHeaders(1, OK), /connection is closed/);
});

const connectionErrors: [string, (p: RawPeer) => Frame[], number, RegExp][] = [
  [
    "client opens an even stream",
    (p) => [p.headers(2, REQUEST)],
    ErrorCode.PROTOCOL_ERROR,
    /which the peer may not open/,
  ],
  [
    "stream ids go backwards",
    (p) => [p.headers(5, REQUEST), p.headers(3, REQUEST)],
    ErrorCode.PROTOCOL_ERROR,
    /below the highest stream id 5/,
  ],
  [
    "DATA on an idle stream",
    () => [{ type: "DATA", streamId: 1, endStream: false, data: hex("61") }],
    ErrorCode.PROTOCOL_ERROR,
    /idle stream 1/,
  ],
  [
    "RST_STREAM on an idle stream",
    () => [{ type: "RST_STREAM", streamId: 1, errorCode: 0 }],
    ErrorCode.PROTOCOL_ERROR,
    /RST_STREAM on idle/,
  ],
  [
    "WINDOW_UPDATE on an idle stream",
    () => [{ type: "WINDOW_UPDATE", streamId: 9, increment: 1 }],
    ErrorCode.PROTOCOL_ERROR,
    /idle stream 9/,
  ],
  [
    "WINDOW_UPDATE of 0 on the connection",
    () => [{ type: "WINDOW_UPDATE", streamId: 0, increment: 0 }],
    ErrorCode.PROTOCOL_ERROR,
    /increment 0/,
  ],
  [
    "connection window overflow",
    () => [{ type: "WINDOW_UPDATE", streamId: 0, increment: 0x7fffffff }],
    ErrorCode.FLOW_CONTROL_ERROR,
    /exceed 2\^31-1/,
  ],
  [
    "SETTINGS_ENABLE_PUSH = 2",
    () => [{ type: "SETTINGS", ack: false, settings: [[2, 2]] }],
    ErrorCode.PROTOCOL_ERROR,
    /ENABLE_PUSH must be 0 or 1/,
  ],
  [
    "SETTINGS_INITIAL_WINDOW_SIZE > 2^31-1",
    () => [{ type: "SETTINGS", ack: false, settings: [[4, 0x80000000]] }],
    ErrorCode.FLOW_CONTROL_ERROR,
    /exceeds 2\^31-1/,
  ],
  [
    "SETTINGS_MAX_FRAME_SIZE too small",
    () => [{ type: "SETTINGS", ack: false, settings: [[5, 100]] }],
    ErrorCode.PROTOCOL_ERROR,
    /MAX_FRAME_SIZE 100/,
  ],
  [
    "PUSH_PROMISE from a client",
    () => [{
      type: "PUSH_PROMISE",
      streamId: 1,
      promisedStreamId: 2,
      endHeaders: true,
      fragment: hex("82"),
    }],
    ErrorCode.PROTOCOL_ERROR,
    /client sent PUSH_PROMISE/,
  ],
  [
    "CONTINUATION without HEADERS",
    () => [{ type: "CONTINUATION", streamId: 1, endHeaders: true, fragment: hex("82") }],
    ErrorCode.PROTOCOL_ERROR,
    /without HEADERS/,
  ],
  [
    "a frame interrupting a header block",
    () => [
      { type: "HEADERS", streamId: 1, endStream: true, endHeaders: false, fragment: hex("8286") },
      { type: "PING", ack: false, data: new Uint8Array(8) },
    ],
    ErrorCode.PROTOCOL_ERROR,
    /PING frame in the middle of a header block on 1/,
  ],
  [
    "CONTINUATION on another stream",
    () => [
      { type: "HEADERS", streamId: 1, endStream: true, endHeaders: false, fragment: hex("8286") },
      { type: "CONTINUATION", streamId: 3, endHeaders: true, fragment: hex("84") },
    ],
    ErrorCode.PROTOCOL_ERROR,
    /middle of a header block/,
  ],
  [
    "an unknown frame interrupting a header block",
    () => [
      { type: "HEADERS", streamId: 1, endStream: true, endHeaders: false, fragment: hex("8286") },
      { type: "UNKNOWN", frameType: 0xee, flags: 0, streamId: 1, payload: hex("") },
    ],
    ErrorCode.PROTOCOL_ERROR,
    /UNKNOWN frame in the middle/,
  ],
  [
    "undecodable HPACK",
    () => [{
      type: "HEADERS",
      streamId: 1,
      endStream: true,
      endHeaders: true,
      fragment: hex("ff"),
    }],
    ErrorCode.COMPRESSION_ERROR,
    /HPACK: header block ends inside/,
  ],
  [
    "HPACK index out of range",
    () => [{
      type: "HEADERS",
      streamId: 1,
      endStream: true,
      endHeaders: true,
      fragment: hex("82 ff00"),
    }],
    ErrorCode.COMPRESSION_ERROR,
    /outside the tables/,
  ],
  [
    "too many CONTINUATION frames (flood)",
    () => [
      { type: "HEADERS", streamId: 1, endStream: true, endHeaders: false, fragment: hex("82") },
      ...Array.from(
        { length: 40 },
        (): Frame => ({ type: "CONTINUATION", streamId: 1, endHeaders: false, fragment: hex("") }),
      ),
    ],
    ErrorCode.ENHANCE_YOUR_CALM,
    /more than 32 CONTINUATION/,
  ],
  [
    "oversized frame",
    () => [{ type: "DATA", streamId: 1, endStream: false, data: new Uint8Array(200_000) }],
    ErrorCode.FRAME_SIZE_ERROR,
    /exceeds the maximum frame size 131072/,
  ],
];

for (const [name, frames, code, pattern] of connectionErrors) {
  Deno.test(`connection error: ${name}`, () => {
    const p = new RawPeer().handshake();
    connError(p, p.send(...frames(p)), code, pattern);
  });
}

Deno.test("connection error: header block over the size limit", () => {
  const p = new RawPeer({ maxHeaderBlockSize: 1000 }).handshake();
  const fields: [string, string][] = [...REQUEST, ["x-big", "\x00".repeat(2000)]];
  connError(
    p,
    p.send(p.headers(1, fields)),
    ErrorCode.ENHANCE_YOUR_CALM,
    /larger than 1000 octets/,
  );
});

Deno.test("connection error: DATA beyond the connection window", () => {
  const p = new RawPeer({ connectionWindow: 65535, settings: { initialWindowSize: 1 << 20 } });
  p.handshake();
  p.send(p.headers(1, REQUEST, false));
  const data = new Uint8Array(16384);
  for (let i = 0; i < 3; i++) p.send({ type: "DATA", streamId: 1, endStream: false, data });
  const ev = p.send({ type: "DATA", streamId: 1, endStream: false, data });
  connError(p, ev, ErrorCode.FLOW_CONTROL_ERROR, /exceeds the connection window of 16383/);
});

Deno.test("client: server enabling push is a PROTOCOL_ERROR", () => {
  const p = new RawPeer({}, "client");
  const ev = p.send({ type: "SETTINGS", ack: false, settings: [[2, 1]] });
  connError(p, ev, ErrorCode.PROTOCOL_ERROR, /ENABLE_PUSH = 1/);
});

Deno.test("client: server opening a stream with HEADERS is a PROTOCOL_ERROR", () => {
  const p = new RawPeer({}, "client");
  p.send({ type: "SETTINGS", ack: false, settings: [] });
  p.received();
  const ev = p.send(p.headers(2, OK));
  connError(p, ev, ErrorCode.PROTOCOL_ERROR, /HEADERS opening stream 2/);
});

Deno.test("client: PUSH_PROMISE with push disabled is a PROTOCOL_ERROR", () => {
  const p = new RawPeer({}, "client");
  p.send({ type: "SETTINGS", ack: false, settings: [] }, {
    type: "SETTINGS",
    ack: true,
    settings: [],
  });
  p.conn.sendHeaders(1, REQUEST, { endStream: true });
  p.received();
  const ev = p.send({
    type: "PUSH_PROMISE",
    streamId: 1,
    promisedStreamId: 2,
    endHeaders: true,
    fragment: p.hpack.encode(REQUEST),
  });
  connError(p, ev, ErrorCode.PROTOCOL_ERROR, /disabled server push/);
});

/** Stream errors: RST_STREAM with the code, StreamReset, and the connection goes on. */
function streamError(
  p: RawPeer,
  events: H2Event[],
  streamId: number,
  code: number,
  pattern?: RegExp,
) {
  assert.ok(!p.conn.isClosed, `connection closed: ${JSON.stringify(events)}`);
  const frames = p.received();
  assert.deepEqual(rst(frames), [[streamId, code]]);
  const reset = events.find((e) => e.type === "StreamReset");
  if (pattern) {
    assert.ok(reset && reset.type === "StreamReset" && !reset.remote);
    assert.equal(reset.errorCode, code);
    assert.match(reset.reason, pattern);
  }
  // The connection still works.
  const ok = p.send(p.headers(streamId + 100, REQUEST));
  assert.equal(ok[0]?.type, "RequestReceived", JSON.stringify(ok));
}

const malformed: [string, [string, string][]][] = [
  ["uppercase name", [...REQUEST, ["X-Upper", "1"]]],
  ["missing :path", REQUEST.filter(([n]) => n !== ":path")],
  ["missing :method", REQUEST.filter(([n]) => n !== ":method")],
  ["empty :path", [[":method", "GET"], [":scheme", "https"], [":path", ""], [":authority", "a"]]],
  ["connection header", [...REQUEST, ["connection", "keep-alive"]]],
  ["keep-alive header", [...REQUEST, ["keep-alive", "5"]]],
  ["proxy-connection header", [...REQUEST, ["proxy-connection", "x"]]],
  ["transfer-encoding header", [...REQUEST, ["transfer-encoding", "chunked"]]],
  ["upgrade header", [...REQUEST, ["upgrade", "h2c"]]],
  ["te other than trailers", [...REQUEST, ["te", "gzip"]]],
  ["pseudo-header after regular", [["accept", "*/*"], ...REQUEST]],
  ["duplicate pseudo-header", [...REQUEST.slice(0, 3), [":path", "/b"], ...REQUEST.slice(3)]],
  ["unknown pseudo-header", [[":foo", "bar"], ...REQUEST]],
  ["response pseudo-header in a request", [[":status", "200"], ...REQUEST]],
  [":protocol without extended CONNECT", [[":protocol", "websocket"], ...REQUEST]],
  ["CONNECT with :path", [[":method", "CONNECT"], [":authority", "a:443"], [":path", "/"]]],
  ["CONNECT without :authority", [[":method", "CONNECT"]]],
  ["value with CR LF", [...REQUEST, ["x-injected", "a\r\nb: c"]]],
  ["value with NUL", [...REQUEST, ["x-nul", "a\x00b"]]],
  ["value with leading space", [...REQUEST, ["x-space", " a"]]],
  ["name with space", [...REQUEST, ["x y", "a"]]],
  ["invalid content-length", [...REQUEST, ["content-length", "12a"]]],
  ["conflicting content-length", [...REQUEST, ["content-length", "1"], ["content-length", "2"]]],
];

for (const [name, fields] of malformed) {
  Deno.test(`malformed request: ${name} → RST_STREAM PROTOCOL_ERROR`, () => {
    const p = new RawPeer().handshake();
    const ev = p.send(p.headers(1, fields));
    assert.deepEqual(types(ev), ["StreamReset"]);
    streamError(p, ev, 1, ErrorCode.PROTOCOL_ERROR, /malformed request/);
  });
}

Deno.test("header validation can be switched off", () => {
  const p = new RawPeer({ validateInboundHeaders: false }).handshake();
  const ev = p.send(p.headers(1, [...REQUEST, ["X-Upper", "1"], ["connection", "close"]]));
  assert.deepEqual(types(ev), ["RequestReceived", "StreamEnded"]);
});

Deno.test("stream errors keep the connection", async (t) => {
  await t.step("DATA after the peer's END_STREAM → STREAM_CLOSED", () => {
    const p = new RawPeer().handshake();
    p.send(p.headers(1, REQUEST));
    const ev = p.send({ type: "DATA", streamId: 1, endStream: false, data: hex("61") });
    streamError(
      p,
      ev,
      1,
      ErrorCode.STREAM_CLOSED,
      /Invalid input recvData in state half_closed_remote/,
    );
  });
  await t.step("DATA on a stream that ended both ways → STREAM_CLOSED, no event", () => {
    const p = new RawPeer().handshake();
    p.send(p.headers(1, REQUEST));
    p.conn.sendHeaders(1, OK, { endStream: true });
    p.received();
    const ev = p.send({ type: "DATA", streamId: 1, endStream: false, data: hex("61") });
    assert.deepEqual(ev, []);
    streamError(p, ev, 1, ErrorCode.STREAM_CLOSED);
  });
  await t.step("WINDOW_UPDATE of 0 on a stream → PROTOCOL_ERROR", () => {
    const p = new RawPeer().handshake();
    p.send(p.headers(1, REQUEST, false));
    const ev = p.send({ type: "WINDOW_UPDATE", streamId: 1, increment: 0 });
    streamError(p, ev, 1, ErrorCode.PROTOCOL_ERROR, /increment 0 on stream 1/);
  });
  await t.step("stream window overflow → FLOW_CONTROL_ERROR", () => {
    const p = new RawPeer().handshake();
    p.send(p.headers(1, REQUEST, false));
    const ev = p.send({ type: "WINDOW_UPDATE", streamId: 1, increment: 0x7fffffff });
    streamError(p, ev, 1, ErrorCode.FLOW_CONTROL_ERROR, /exceed 2\^31-1/);
  });
  await t.step("DATA beyond the stream window → FLOW_CONTROL_ERROR", () => {
    const p = new RawPeer({ settings: { initialWindowSize: 10 } }).handshake();
    p.send(p.headers(1, REQUEST, false));
    const ev = p.send({ type: "DATA", streamId: 1, endStream: false, data: new Uint8Array(11) });
    streamError(p, ev, 1, ErrorCode.FLOW_CONTROL_ERROR, /stream window of 10/);
  });
  await t.step("PRIORITY on itself → PROTOCOL_ERROR", () => {
    const p = new RawPeer().handshake();
    p.send(p.headers(1, REQUEST, false));
    const ev = p.send({
      type: "PRIORITY",
      streamId: 1,
      priority: { exclusive: false, dependsOn: 1, weight: 16 },
    });
    streamError(p, ev, 1, ErrorCode.PROTOCOL_ERROR, /depends on itself/);
  });
  await t.step("HEADERS depending on itself → PROTOCOL_ERROR", () => {
    const p = new RawPeer().handshake();
    const f = p.headers(1, REQUEST);
    const ev = p.send({ ...f, priority: { exclusive: false, dependsOn: 1, weight: 16 } } as Frame);
    streamError(p, ev, 1, ErrorCode.PROTOCOL_ERROR, /depends on itself/);
  });
  await t.step("PRIORITY frame of the wrong size → FRAME_SIZE_ERROR on the stream", () => {
    const p = new RawPeer().handshake();
    p.send(p.headers(1, REQUEST, false));
    const ev = p.sendBytes(hex("000004 02 00 00000001 00000003"));
    streamError(p, ev, 1, ErrorCode.FRAME_SIZE_ERROR, /PRIORITY frame with length 4/);
  });
  await t.step("trailers without END_STREAM → PROTOCOL_ERROR", () => {
    const p = new RawPeer().handshake();
    p.send(p.headers(1, REQUEST, false));
    const ev = p.send(p.headers(1, [["x-trailer", "1"]], false));
    streamError(p, ev, 1, ErrorCode.PROTOCOL_ERROR, /trailers without END_STREAM/);
  });
  await t.step("pseudo-header in trailers → PROTOCOL_ERROR", () => {
    const p = new RawPeer().handshake();
    p.send(p.headers(1, REQUEST, false));
    const ev = p.send(p.headers(1, [[":path", "/"]], true));
    streamError(p, ev, 1, ErrorCode.PROTOCOL_ERROR, /malformed trailers/);
  });
  await t.step("content-length larger than the DATA sent → PROTOCOL_ERROR", () => {
    const p = new RawPeer().handshake();
    p.send(p.headers(1, [...REQUEST, ["content-length", "10"]], false));
    const ev = p.send({ type: "DATA", streamId: 1, endStream: true, data: hex("61") });
    streamError(p, ev, 1, ErrorCode.PROTOCOL_ERROR, /content-length 10 but 1 octets/);
  });
  await t.step(
    "header list too large → ENHANCE_YOUR_CALM on the stream, HPACK stays in step",
    () => {
      const p = new RawPeer({ settings: { maxHeaderListSize: 1000 } }).handshake();
      const ev = p.send(p.headers(1, [...REQUEST, ["x-big", "v".repeat(2000)]]));
      streamError(p, ev, 1, ErrorCode.ENHANCE_YOUR_CALM, /header list larger than 1000/);
    },
  );
});

Deno.test("frames in flight after we reset a stream are ignored", () => {
  const p = new RawPeer().handshake();
  p.send(p.headers(1, REQUEST, false));
  p.conn.resetStream(1);
  p.received();
  const ev = p.send(
    { type: "DATA", streamId: 1, endStream: false, data: hex("6162") },
    p.headers(1, [["x-t", "1"]], true),
    { type: "WINDOW_UPDATE", streamId: 1, increment: 5 },
    { type: "RST_STREAM", streamId: 1, errorCode: 0 },
  );
  assert.deepEqual(ev, []);
  assert.deepEqual(p.received(), []);
});

Deno.test("closed-stream memory is bounded; old streams are treated leniently", () => {
  const p = new RawPeer({ closedStreamsRemembered: 4 }).handshake();
  for (let id = 1; id <= 21; id += 2) {
    p.send(p.headers(id, REQUEST));
    p.conn.sendHeaders(id, OK, { endStream: true });
  }
  p.received();
  // Stream 21 is remembered: STREAM_CLOSED. Stream 1 is forgotten: DATA is ignored.
  p.send({ type: "DATA", streamId: 21, endStream: false, data: hex("61") });
  assert.deepEqual(rst(p.received()), [[21, ErrorCode.STREAM_CLOSED]]);
  assert.deepEqual(p.send({ type: "DATA", streamId: 1, endStream: false, data: hex("61") }), []);
  assert.deepEqual(p.received(), []);
  assert.equal(p.conn.trackedStreams, 0);
});

Deno.test("unknown frames and settings are ignored", () => {
  const p = new RawPeer().handshake();
  const ev = p.send(
    { type: "UNKNOWN", frameType: 0xbb, flags: 0, streamId: 0, payload: hex("0102") },
    { type: "SETTINGS", ack: false, settings: [[0x99, 7]] },
  );
  assert.deepEqual(types(ev), ["UnknownFrameReceived", "RemoteSettingsChanged"]);
  assert.ok(!p.conn.isClosed);
});

Deno.test("GOAWAY sent after an error and further input is ignored", () => {
  const p = new RawPeer().handshake();
  p.send(p.headers(3, REQUEST));
  p.conn.closeConnection(ErrorCode.INTERNAL_ERROR, { debugData: hex("6f6f70") });
  const g = goaway(p.received());
  assert.deepEqual([g.code, g.last, g.text], [ErrorCode.INTERNAL_ERROR, 3, "oop"]);
  assert.deepEqual(p.send(p.headers(5, REQUEST)), []);
});

const floods: [string, (p: RawPeer) => Frame, string][] = [
  ["PING", () => ({ type: "PING", ack: false, data: new Uint8Array(8) }), "pings"],
  ["SETTINGS", () => ({ type: "SETTINGS", ack: false, settings: [] }), "settings"],
  [
    "empty DATA",
    () => ({ type: "DATA", streamId: 1, endStream: false, data: new Uint8Array(0) }),
    "emptyData",
  ],
];

for (const [name, frame, key] of floods) {
  Deno.test(`flood protection: ${name} flood → GOAWAY ENHANCE_YOUR_CALM`, () => {
    const p = new RawPeer({ flood: { [key]: 20 } }).handshake();
    p.send(p.headers(1, REQUEST, false));
    p.conn.resetFloodWindow();
    const many = Array.from({ length: 20 }, () => frame(p));
    assert.ok(!p.send(...many).some((e) => e.type === "ConnectionTerminated"));
    p.conn.resetFloodWindow(); // a timer in the layer would do this
    assert.ok(!p.send(...many).some((e) => e.type === "ConnectionTerminated"));
    const ev = p.send(...many, frame(p));
    connError(p, ev, ErrorCode.ENHANCE_YOUR_CALM, /flood: more than 20/);
  });
}

Deno.test("flood protection: rapid reset (HEADERS + RST_STREAM) → ENHANCE_YOUR_CALM", () => {
  const p = new RawPeer({ flood: { resets: 50 } }).handshake();
  const frames: Frame[] = [];
  for (let id = 1; id < 200; id += 2) {
    frames.push(p.headers(id, REQUEST, false), { type: "RST_STREAM", streamId: id, errorCode: 8 });
  }
  const ev = p.send(...frames);
  connError(p, ev, ErrorCode.ENHANCE_YOUR_CALM, /more than 50 RST_STREAM/);
  assert.equal(ev.filter((e) => e.type === "RequestReceived").length, 51);
});

Deno.test("flood window also rolls over after windowFrames frames", () => {
  const p = new RawPeer({ flood: { windowFrames: 100, pings: 10 } }).handshake();
  const ping: Frame = { type: "PING", ack: false, data: new Uint8Array(8) };
  for (let round = 0; round < 20; round++) {
    const frames: Frame[] = [];
    for (let i = 0; i < 100; i++) {
      frames.push(
        i < 5 ? ping : {
          type: "PRIORITY",
          streamId: 1,
          priority: { exclusive: false, dependsOn: 0, weight: 1 },
        },
      );
    }
    p.send(...frames);
  }
  assert.ok(!p.conn.isClosed);
});

Deno.test("connection error: DATA on a stream we reserved for a push", () => {
  const client = new H2Connection({ role: "client", settings: { enablePush: true } });
  const p = new RawPeer();
  client.initiateConnection();
  client.receiveData(p.conn.dataToSend());
  client.sendHeaders(1, REQUEST, { endStream: true });
  p.sendBytes(client.dataToSend().subarray(CONNECTION_PREFACE.length));
  p.received();
  p.conn.pushStream(1, 2, REQUEST);
  p.received();
  const ev = p.send({ type: "DATA", streamId: 2, endStream: false, data: hex("61") });
  connError(p, ev, ErrorCode.PROTOCOL_ERROR, /Invalid input recvData in state reserved_local/);
});

Deno.test("client: PUSH_PROMISE promising stream 0 is a PROTOCOL_ERROR", () => {
  const p = new RawPeer({ settings: { enablePush: true } }, "client");
  p.send({ type: "SETTINGS", ack: false, settings: [] });
  p.conn.sendHeaders(1, REQUEST, { endStream: true });
  p.received();
  const ev = p.send({
    type: "PUSH_PROMISE",
    streamId: 1,
    promisedStreamId: 0,
    endHeaders: true,
    fragment: p.hpack.encode(REQUEST),
  });
  connError(p, ev, ErrorCode.PROTOCOL_ERROR, /promised ids must be even and increasing/);
});

Deno.test("flood protection: frames on closed streams provoke RST_STREAMs, which are counted", () => {
  const p = new RawPeer({ flood: { resets: 10 } }).handshake();
  const late: Frame[] = [];
  for (let id = 1; id <= 21; id += 2) {
    p.send(p.headers(id, REQUEST));
    p.conn.sendHeaders(id, OK, { endStream: true });
    late.push({ type: "DATA", streamId: id, endStream: false, data: hex("61") });
  }
  p.received();
  // One RST_STREAM per stream at most: a second late frame on the same stream is ignored.
  p.send(late[0], late[0]);
  assert.deepEqual(rst(p.received()), [[1, ErrorCode.STREAM_CLOSED]]);
  const ev = p.send(...late.slice(1));
  connError(p, ev, ErrorCode.ENHANCE_YOUR_CALM, /RST_STREAM/);
});

Deno.test("a connection error after a graceful GOAWAY does not raise the last stream id", () => {
  const p = new RawPeer().handshake();
  p.send(p.headers(1, REQUEST));
  p.conn.closeConnection();
  assert.equal(goaway(p.received()).last, 1);
  p.send(p.headers(3, REQUEST)); // ignored: opened after our GOAWAY
  const ev = p.send({ type: "WINDOW_UPDATE", streamId: 0, increment: 0 });
  connError(p, ev, ErrorCode.PROTOCOL_ERROR, /increment 0/);
});

Deno.test("a stream error on an idle stream becomes a connection error (no RST on idle)", () => {
  const p = new RawPeer().handshake();
  const ev = p.sendBytes(hex("000004 02 00 00000009 00000003"));
  connError(p, ev, ErrorCode.FRAME_SIZE_ERROR, /PRIORITY frame with length 4.*idle stream 9/);
  const q = new RawPeer().handshake();
  const ev2 = q.send({
    type: "PRIORITY",
    streamId: 7,
    priority: { exclusive: false, dependsOn: 7, weight: 1 },
  });
  connError(q, ev2, ErrorCode.PROTOCOL_ERROR, /depends on itself/);
});

Deno.test("PRIORITY frames on idle streams are reported and open nothing", () => {
  const p = new RawPeer().handshake();
  const ev = p.send({
    type: "PRIORITY",
    streamId: 11,
    priority: { exclusive: false, dependsOn: 0, weight: 1 },
  });
  assert.deepEqual(types(ev), ["PriorityUpdated"]);
  assert.equal(p.conn.streamState(11), "idle");
  assert.equal(p.send(p.headers(3, REQUEST))[0].type, "RequestReceived");
});
