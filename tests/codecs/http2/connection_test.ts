import assert from "node:assert/strict";
import { H2Connection } from "../../../codecs/http2/connection.ts";
import { ErrorCode } from "../../../codecs/http2/error_codes.ts";
import type { H2Event } from "../../../codecs/http2/events.ts";
import { FrameReader } from "../../../codecs/http2/frame_reader.ts";
import { SettingId } from "../../../codecs/http2/settings.ts";
import { concat, connectedPair, dec, enc, OK, POST, pump, REQUEST, types } from "./test_util.ts";

function of<T extends H2Event["type"]>(
  events: H2Event[],
  type: T,
): Extract<H2Event, { type: T }>[] {
  return events.filter((e): e is Extract<H2Event, { type: T }> => e.type === type);
}

Deno.test("handshake: preface, SETTINGS both ways, ACKs, big connection window", () => {
  const { client, server, clientEvents, serverEvents } = connectedPair();
  assert.deepEqual(types(serverEvents), [
    "RemoteSettingsChanged",
    "WindowUpdated",
    "SettingsAcknowledged",
  ]);
  assert.deepEqual(types(clientEvents), types(serverEvents));
  assert.equal(client.localSettings.maxConcurrentStreams, 100);
  assert.equal(client.localSettings.enablePush, false);
  assert.equal(server.remoteSettings.enablePush, false);
  assert.equal(server.remoteSettings.initialWindowSize, 2 ** 31 - 1);
  assert.equal(client.remoteFlowControlWindow(0), 2 ** 31 - 1);
});

Deno.test("request with body and trailers, response with body and trailers", () => {
  const { client, server } = connectedPair();
  const id = client.getNextAvailableStreamId();
  assert.equal(id, 1);
  client.sendHeaders(id, POST);
  client.sendData(id, enc("hello "));
  client.sendData(id, enc("world"));
  client.sendHeaders(id, [["x-checksum", "abc"]], { endStream: true });
  const { b: s } = pump(client, server);
  assert.deepEqual(types(s), [
    "RequestReceived",
    "DataReceived",
    "DataReceived",
    "TrailersReceived",
    "StreamEnded",
  ]);
  const req = of(s, "RequestReceived")[0];
  assert.deepEqual(req.headers, POST);
  assert.equal(req.endStream, false);
  assert.equal(dec(concat(of(s, "DataReceived").map((e) => e.data))), "hello world");
  assert.deepEqual(of(s, "TrailersReceived")[0].headers, [["x-checksum", "abc"]]);
  assert.equal(server.streamState(id), "half_closed_remote");

  server.sendHeaders(id, [[":status", "100"]]);
  server.sendHeaders(id, OK);
  server.sendData(id, enc("response"));
  server.sendHeaders(id, [["grpc-status", "0"]], { endStream: true });
  const { a: c } = pump(client, server);
  assert.deepEqual(types(c), [
    "InformationalResponseReceived",
    "ResponseReceived",
    "DataReceived",
    "TrailersReceived",
    "StreamEnded",
  ]);
  assert.equal(client.streamState(id), "closed");
  assert.equal(server.streamState(id), "closed");
  assert.equal(client.trackedStreams + server.trackedStreams, 0);
});

Deno.test("content-length is checked against DATA", () => {
  const { client, server } = connectedPair();
  const id = client.getNextAvailableStreamId();
  client.sendHeaders(id, [...POST, ["content-length", "3"]]);
  client.sendData(id, enc("four"), { endStream: true });
  const { b: s } = pump(client, server);
  assert.deepEqual(types(s), ["RequestReceived", "StreamReset"]);
  const reset = of(s, "StreamReset")[0];
  assert.equal(reset.errorCode, ErrorCode.PROTOCOL_ERROR);
  assert.match(reset.reason, /more DATA than content-length 3/);
});

Deno.test("HEAD responses may announce a content-length without DATA", () => {
  const { client, server } = connectedPair();
  const id = client.getNextAvailableStreamId();
  client.sendHeaders(id, [[":method", "HEAD"], ...REQUEST.slice(1)], { endStream: true });
  pump(client, server);
  server.sendHeaders(id, [[":status", "200"], ["content-length", "1000"]], { endStream: true });
  const { a } = pump(client, server);
  assert.deepEqual(types(a), ["ResponseReceived", "StreamEnded"]);
});

Deno.test("flow control with small windows: data flows as windows open", () => {
  const { client, server } = connectedPair({}, {
    settings: { initialWindowSize: 1000 },
    connectionWindow: 65535,
  });
  const id = client.getNextAvailableStreamId();
  client.sendHeaders(id, POST);
  const body = new Uint8Array(200_000).map((_, i) => i % 251);
  let sent = 0;
  const received: Uint8Array[] = [];
  let ended = false;
  for (let round = 0; round < 10_000 && !ended; round++) {
    const room = Math.min(client.localFlowControlWindow(id), client.maxOutboundFrameSize * 2);
    if (room > 0 && sent < body.length) {
      const n = Math.min(room, body.length - sent);
      client.sendData(id, body.subarray(sent, sent + n), { endStream: sent + n === body.length });
      sent += n;
    }
    if (sent < body.length) {
      const tooMuch = new Uint8Array(client.localFlowControlWindow(id) + 1);
      assert.throws(() => client.sendData(id, tooMuch), /exceeds the flow-control window/);
    }
    const { b } = pump(client, server);
    for (const e of b) {
      if (e.type === "DataReceived") {
        received.push(e.data);
        server.acknowledgeReceivedData(id, e.flowControlledLength);
      }
      if (e.type === "StreamEnded") ended = true;
    }
    pump(client, server);
  }
  assert.ok(ended);
  assert.deepEqual(concat(received), body);
});

Deno.test("acknowledged data sends WINDOW_UPDATE once half a window is consumed", () => {
  const { client, server } = connectedPair({}, { settings: { initialWindowSize: 100 } });
  const id = client.getNextAvailableStreamId();
  client.sendHeaders(id, POST);
  client.sendData(id, new Uint8Array(100));
  pump(client, server);
  assert.equal(client.localFlowControlWindow(id), 0);
  server.acknowledgeReceivedData(id, 40);
  assert.equal(server.dataToSend().length, 0);
  server.acknowledgeReceivedData(id, 20);
  const { a } = pump(client, server);
  assert.deepEqual(of(a, "WindowUpdated").map((e) => [e.streamId, e.delta]), [[id, 60]]);
  assert.equal(client.localFlowControlWindow(id), 60);
});

Deno.test("padded DATA counts padding against flow control", () => {
  const { client, server } = connectedPair();
  const id = client.getNextAvailableStreamId();
  client.sendHeaders(id, POST);
  client.sendData(id, enc("abc"), { padLength: 10, endStream: true });
  const { b } = pump(client, server);
  const data = of(b, "DataReceived")[0];
  assert.equal(dec(data.data), "abc");
  assert.equal(data.flowControlledLength, 14);
});

Deno.test("many concurrent streams, interleaved, all complete and are freed", () => {
  const { client, server } = connectedPair();
  const ids: number[] = [];
  for (let i = 0; i < 50; i++) {
    const id = client.getNextAvailableStreamId();
    ids.push(id);
    client.sendHeaders(id, [...POST, ["x-n", String(i)]]);
  }
  for (const id of ids) client.sendData(id, enc(`body-${id}`), { endStream: true });
  const { b } = pump(client, server);
  assert.equal(of(b, "RequestReceived").length, 50);
  assert.equal(server.openInboundStreams, 50);
  for (const id of ids.reverse()) {
    server.sendHeaders(id, OK);
    server.sendData(id, enc(`resp-${id}`), { endStream: true });
  }
  const { a } = pump(client, server);
  assert.equal(of(a, "StreamEnded").length, 50);
  for (const e of of(a, "DataReceived")) assert.equal(dec(e.data), `resp-${e.streamId}`);
  assert.equal(client.trackedStreams, 0);
  assert.equal(server.trackedStreams, 0);
  assert.equal(server.openInboundStreams, 0);
});

Deno.test("max concurrent streams: we respect the peer's limit and refuse extra streams", () => {
  const { client } = connectedPair({}, { settings: { maxConcurrentStreams: 2 } });
  client.sendHeaders(1, REQUEST);
  client.sendHeaders(3, REQUEST);
  assert.throws(() => client.sendHeaders(5, REQUEST), /allows 2 concurrent streams/);
  // A client that opens streams before it has seen our SETTINGS gets REFUSED_STREAM.
  const eager = new H2Connection({ role: "client" });
  const server = new H2Connection({ role: "server", settings: { maxConcurrentStreams: 1 } });
  eager.initiateConnection();
  server.initiateConnection();
  eager.sendHeaders(1, REQUEST);
  eager.sendHeaders(3, REQUEST);
  const events = server.receiveData(eager.dataToSend());
  assert.deepEqual(types(events), [
    "RemoteSettingsChanged",
    "WindowUpdated",
    "RequestReceived",
    "StreamReset",
  ]);
  const reset = of(events, "StreamReset")[0];
  assert.deepEqual([reset.streamId, reset.errorCode, reset.remote], [
    3,
    ErrorCode.REFUSED_STREAM,
    false,
  ]);
  const { a } = pump(eager, server);
  assert.deepEqual(of(a, "StreamReset").map((e) => [e.streamId, e.errorCode]), [[
    3,
    ErrorCode.REFUSED_STREAM,
  ]]);
});

Deno.test("RST_STREAM from the client reaches the server and frees the stream", () => {
  const { client, server } = connectedPair();
  client.sendHeaders(1, POST);
  pump(client, server);
  client.resetStream(1);
  assert.equal(client.streamState(1), "closed");
  const { b } = pump(client, server);
  assert.deepEqual(b.map((e) => e.type === "StreamReset" && [e.streamId, e.errorCode, e.remote]), [
    [1, ErrorCode.CANCEL, true],
  ]);
  assert.equal(server.trackedStreams, 0);
  // Frames the server had in flight are ignored by the client.
  assert.throws(() => server.sendHeaders(1, OK), /cannot send HEADERS on stream 1 in state closed/);
  client.resetStream(1); // no-op on a closed stream
});

Deno.test("frames in flight after our RST_STREAM are ignored, flow control still counted", () => {
  const { client, server } = connectedPair();
  client.sendHeaders(1, REQUEST, { endStream: true });
  pump(client, server);
  server.sendHeaders(1, OK);
  server.sendData(1, new Uint8Array(1000));
  const inFlight = server.dataToSend();
  client.resetStream(1);
  const events = client.receiveData(inFlight);
  assert.deepEqual(events, []);
  assert.equal(client.dataToSend().length, 9 + 4); // only our RST_STREAM
});

Deno.test("GOAWAY: graceful shutdown lets open streams finish, refuses new ones", () => {
  const { client, server } = connectedPair();
  client.sendHeaders(1, REQUEST, { endStream: true });
  pump(client, server);
  server.closeConnection(ErrorCode.NO_ERROR, { debugData: enc("bye") });
  client.sendHeaders(3, REQUEST, { endStream: true }); // crosses the GOAWAY
  const { a, b } = pump(client, server);
  assert.deepEqual(types(a), ["ConnectionTerminated", "StreamReset"]);
  const term = of(a, "ConnectionTerminated")[0];
  assert.deepEqual([term.remote, term.errorCode, term.lastStreamId, dec(term.additionalData)], [
    true,
    0,
    1,
    "bye",
  ]);
  assert.equal(of(a, "StreamReset")[0].errorCode, ErrorCode.REFUSED_STREAM);
  assert.deepEqual(b, []); // stream 3 ignored by the server
  assert.throws(() => client.sendHeaders(5, REQUEST), /GOAWAY/);
  server.sendHeaders(1, OK, { endStream: true });
  const { a: a2 } = pump(client, server);
  assert.deepEqual(types(a2), ["ResponseReceived", "StreamEnded"]);
});

Deno.test("PING and PING ACK", () => {
  const { client, server } = connectedPair();
  client.ping(enc("12345678"));
  const { a, b } = pump(client, server);
  assert.deepEqual(b.map((e) => e.type === "PingReceived" && dec(e.data)), ["12345678"]);
  assert.deepEqual(a.map((e) => e.type === "PingAckReceived" && dec(e.data)), ["12345678"]);
});

Deno.test("SETTINGS update: acknowledged, applied, new window for streams", () => {
  const { client, server } = connectedPair();
  client.sendHeaders(1, POST);
  pump(client, server);
  const before = client.localFlowControlWindow(1);
  server.updateSettings({ initialWindowSize: 10 });
  const { a, b } = pump(client, server);
  assert.deepEqual(of(a, "RemoteSettingsChanged")[0].changedSettings, [[
    SettingId.INITIAL_WINDOW_SIZE,
    10,
  ]]);
  assert.deepEqual(of(b, "SettingsAcknowledged")[0].changedSettings, [[
    SettingId.INITIAL_WINDOW_SIZE,
    10,
  ]]);
  assert.equal(client.localFlowControlWindow(1), before - (2 ** 31 - 1 - 10));
  assert.equal(server.localSettings.initialWindowSize, 10);
});

Deno.test("HPACK table size change is negotiated and used", () => {
  const { client, server } = connectedPair();
  server.updateSettings({ headerTableSize: 0 });
  pump(client, server);
  client.sendHeaders(1, [...REQUEST, ["x-custom", "value"]], { endStream: true });
  const { b } = pump(client, server);
  assert.deepEqual(of(b, "RequestReceived")[0].headers, [...REQUEST, ["x-custom", "value"]]);
});

Deno.test("large header blocks use CONTINUATION frames", () => {
  const { client, server } = connectedPair();
  const big: [string, string][] = [];
  for (let i = 0; i < 200; i++) big.push([`x-h${i}`, "v".repeat(900)]);
  client.sendHeaders(1, [...REQUEST, ...big], { endStream: true });
  const bytes = client.dataToSend();
  const frames = new FrameReader({ maxFrameSize: 1 << 17 }).feed(bytes);
  assert.ok(frames.some((f) => f.type === "CONTINUATION"));
  const events = server.receiveData(bytes);
  assert.equal(of(events, "RequestReceived")[0].headers.length, 204);
});

Deno.test("server push: PUSH_PROMISE, pushed response", () => {
  const { client, server } = connectedPair({ settings: { enablePush: true } });
  client.sendHeaders(1, REQUEST, { endStream: true });
  pump(client, server);
  const promised = server.getNextAvailableStreamId();
  assert.equal(promised, 2);
  server.pushStream(1, promised, [
    [":method", "GET"],
    [":scheme", "https"],
    [":path", "/style.css"],
    [
      ":authority",
      "example.com",
    ],
  ]);
  server.sendHeaders(1, OK, { endStream: true });
  server.sendHeaders(promised, [[":status", "200"], ["content-type", "text/css"]]);
  server.sendData(promised, enc("body{}"), { endStream: true });
  const { a } = pump(client, server);
  assert.deepEqual(types(a), [
    "PushedStreamReceived",
    "ResponseReceived",
    "StreamEnded",
    "ResponseReceived",
    "DataReceived",
    "StreamEnded",
  ]);
  const push = of(a, "PushedStreamReceived")[0];
  assert.deepEqual([push.streamId, push.parentStreamId], [2, 1]);
  assert.equal(client.trackedStreams, 0);
});

Deno.test("server push is refused when the client disabled it", () => {
  const { client, server } = connectedPair();
  client.sendHeaders(1, REQUEST, { endStream: true });
  pump(client, server);
  assert.throws(() => server.pushStream(1, 2, REQUEST), /disabled server push/);
});

Deno.test("misuse throws with a message that says what to do", () => {
  const c = new H2Connection({ role: "client" });
  assert.throws(() => c.receiveData(new Uint8Array(0)), /initiateConnection\(\) first/);
  c.initiateConnection();
  assert.throws(() => c.initiateConnection(), /already/);
  assert.throws(() => c.sendHeaders(2, REQUEST), /getNextAvailableStreamId/);
  assert.throws(() => c.sendHeaders(1, [[":method", "GET"]]), /invalid request headers/);
  assert.throws(() => c.sendHeaders(1, [...REQUEST, ["Upper", "x"]]), /uppercase/);
  assert.throws(
    () => c.sendHeaders(1, [...REQUEST, ["connection", "close"]]),
    /connection-specific/,
  );
  assert.throws(() => c.sendData(1, enc("x")), /in state idle/);
  c.sendHeaders(1, REQUEST, { endStream: true });
  assert.throws(() => c.sendData(1, enc("x")), /Invalid input sendData in state half_closed_local/);
  assert.throws(() => c.ping(new Uint8Array(3)), /8 octets/);
  const s = new H2Connection({ role: "server" });
  s.initiateConnection();
  assert.throws(() => s.sendHeaders(1, OK), /cannot send HEADERS on stream 1/);
  assert.throws(() => s.updateSettings({ enablePush: true }), /ENABLE_PUSH/);
});

Deno.test("extended CONNECT needs SETTINGS_ENABLE_CONNECT_PROTOCOL", () => {
  const ws: [string, string][] = [
    [":method", "CONNECT"],
    [":protocol", "websocket"],
    [":scheme", "https"],
    [":path", "/chat"],
    [":authority", "example.com"],
  ];
  const plain = connectedPair();
  assert.throws(() => plain.client.sendHeaders(1, ws), /:protocol/);
  const { client, server } = connectedPair({}, { settings: { enableConnectProtocol: true } });
  client.sendHeaders(1, ws);
  const { b } = pump(client, server);
  assert.deepEqual(of(b, "RequestReceived")[0].headers, ws);
});

Deno.test("a long-lived connection does not grow: closed streams are freed", () => {
  const { client, server } = connectedPair();
  for (let i = 0; i < 2000; i++) {
    const id = client.getNextAvailableStreamId();
    client.sendHeaders(id, REQUEST, { endStream: true });
    pump(client, server);
    server.sendHeaders(id, OK, { endStream: true });
    pump(client, server);
  }
  assert.equal(client.trackedStreams, 0);
  assert.equal(server.trackedStreams, 0);
  assert.equal(server.rememberedClosedStreams, 256);
  assert.equal(client.rememberedClosedStreams, 256);
});

Deno.test("HEADERS with priority and padding reach the peer", () => {
  const { client, server } = connectedPair();
  const priority = { exclusive: true, dependsOn: 0, weight: 200 };
  client.sendHeaders(1, REQUEST, { endStream: true, priority, padLength: 17 });
  const { b } = pump(client, server);
  assert.deepEqual(types(b), ["RequestReceived", "PriorityUpdated", "StreamEnded"]);
  assert.deepEqual(of(b, "PriorityUpdated")[0].priority, priority);
});

Deno.test("a 2xx answer to CONNECT opens a tunnel: content-length is not counted", () => {
  const { client, server } = connectedPair();
  client.sendHeaders(1, [[":method", "CONNECT"], [":authority", "example.com:443"]]);
  pump(client, server);
  server.sendHeaders(1, [[":status", "200"], ["content-length", "0"]]);
  server.sendData(1, enc("tunnel bytes"));
  const { a } = pump(client, server);
  assert.deepEqual(types(a), ["ResponseReceived", "DataReceived"]);
});
