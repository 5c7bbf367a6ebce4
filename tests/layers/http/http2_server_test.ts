import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, latin1Decode } from "../../../codecs/bytes.ts";
import { ErrorCode } from "../../../codecs/http2/error_codes.ts";
import type { H2Connection } from "../../../codecs/http2/connection.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { CloseConnection, type Command, SendData } from "../../../layers/commands.ts";
import { ConnectionClosed, DataReceived, type Event } from "../../../layers/events.ts";
import { ReceiveHttp } from "../../../layers/http/http_commands.ts";
import {
  type HttpEvent,
  RequestProtocolError,
  ResponseData,
  ResponseEndOfMessage,
  ResponseHeaders,
  ResponseProtocolError,
} from "../../../layers/http/http_events.ts";
import { Http2Server } from "../../../layers/http/http2_server.ts";
import { checkPlaybook, closeConnection, logLine, playbook } from "../../playbook.ts";
import { tctx } from "../../tctx.ts";
import {
  bytesOf,
  clientPeer,
  ConnectionAdapter,
  describeH2,
  describeHttp,
  GET,
  peerGets,
  post,
  received,
  response,
} from "./http2_helpers.ts";

const GET_SEEN = "RequestHeaders 1 GET https://example.com/index.html example.com:443 HTTP/2.0 " +
  "[user-agent=test] (end)";

function setup(options = {}) {
  const ctx = tctx(options);
  const server = new Http2Server(ctx, ctx.client);
  return { ctx, server, layer: new ConnectionAdapter(ctx, server) };
}

/** Input for the server: everything the peer has queued. */
const from = (peer: H2Connection, ctx: { client: DataReceived["connection"] }) => () =>
  new DataReceived(ctx.client, peer.dataToSend());

Deno.test("h2 server: GET in, response out, stream freed", () => {
  checkPlaybook(() => {
    const { ctx, server, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, GET, { endStream: true });
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(GET_SEEN))
      .out(received("RequestEndOfMessage 1"))
      .in(new ResponseHeaders(1, response(200, [["Content-Length", "2"]]), false))
      .out(peerGets(ctx.client, peer, ["response 1 :status=200 content-length=2"]))
      .in(new ResponseData(1, bytesOf("hi")))
      .out(peerGets(ctx.client, peer, ["data 1 hi"]))
      .in(new ResponseEndOfMessage(1))
      .out(peerGets(ctx.client, peer, ["end 1"]))
      .do(() => assertEquals(server.retained, { streams: 0, waiting: 0, codecStreams: 0 }));
  });
});

Deno.test("h2 server: start() sends the SETTINGS preface once", () => {
  const { ctx, server } = setup();
  const commands = [...server.start()];
  assertEquals(commands.length, 1);
  const peer = clientPeer();
  const events = peer.receiveData((commands[0] as SendData).data);
  assertEquals(events.map((e) => e.type), ["RemoteSettingsChanged", "WindowUpdated"]);
  assertEquals([...server.start()].length, 0);
  peer.sendHeaders(1, GET, { endStream: true });
  const out = [...server.handleEvent(new DataReceived(ctx.client, peer.dataToSend()))];
  assertEquals(out.filter((c) => c instanceof ReceiveHttp).length, 2);
});

Deno.test("h2 server: POST body and trailers both ways", () => {
  checkPlaybook(() => {
    const { ctx, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, post("/up", [["content-type", "text/plain"]]));
    peer.sendData(1, bytesOf("hello"));
    peer.sendData(1, bytesOf(" world"));
    peer.sendHeaders(1, [["x-sum", "abc"]], { endStream: true });
    const trailers = new Headers([["grpc-status", "0"]]);
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(/^RequestHeaders 1 POST .* \[content-type=text\/plain\]$/))
      .out(received("RequestData 1 hello"))
      .out(received("RequestData 1  world"))
      .out(received("RequestEndOfMessage 1 [x-sum=abc]"))
      .in(new ResponseHeaders(1, response(200, [["Content-Type", "text/plain"]]), false))
      .out(peerGets(ctx.client, peer, ["response 1 :status=200 content-type=text/plain"]))
      .in(new ResponseData(1, bytesOf("ok")))
      .out(peerGets(ctx.client, peer, ["data 1 ok"]))
      .in(new ResponseEndOfMessage(1, trailers))
      .out(peerGets(ctx.client, peer, ["trailers 1 grpc-status=0", "end 1"]));
  });
});

Deno.test("h2 server: connection-specific response headers are stripped, names lowercased", () => {
  checkPlaybook(() => {
    const { ctx, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, GET, { endStream: true });
    const resp = response(204, [
      ["Connection", "keep-alive, X-Hop"],
      ["Keep-Alive", "timeout=5"],
      ["Proxy-Connection", "keep-alive"],
      ["Transfer-Encoding", "chunked"],
      ["Upgrade", "h2c"],
      ["X-Hop", "1"],
      ["X-Kept", "Yes"],
    ]);
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(GET_SEEN))
      .out(received("RequestEndOfMessage 1"))
      .in(new ResponseHeaders(1, resp, true))
      .out(peerGets(ctx.client, peer, ["response 1 :status=204 x-kept=Yes (end)", "end 1"]));
  });
});

Deno.test("h2 server: a tiny peer window buffers DATA until WINDOW_UPDATE", () => {
  checkPlaybook(() => {
    const { ctx, server, layer } = setup();
    const peer = clientPeer({ settings: { initialWindowSize: 16 } });
    peer.sendHeaders(1, GET, { endStream: true });
    const body = "0123456789abcdefghijklmnopqrstuvwxyzABCD"; // 40 octets
    const grant = () => {
      peer.incrementFlowControlWindow(16, 1);
      return new DataReceived(ctx.client, peer.dataToSend());
    };
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(GET_SEEN))
      .out(received("RequestEndOfMessage 1"))
      .in(new ResponseHeaders(1, response(200), false))
      .out(peerGets(ctx.client, peer, ["response 1 :status=200"]))
      .in(new ResponseData(1, bytesOf(body)))
      .out(peerGets(ctx.client, peer, ["data 1 0123456789abcdef"]))
      .in(new ResponseEndOfMessage(1))
      .do(() => assertEquals(server.retained.waiting, 1))
      .in(grant)
      .out(peerGets(ctx.client, peer, ["data 1 ghijklmnopqrstuv"]))
      .in(grant)
      .out(peerGets(ctx.client, peer, ["data 1 wxyzABCD", "end 1"]))
      .do(() => assertEquals(server.retained, { streams: 0, waiting: 0, codecStreams: 0 }));
  });
});

Deno.test("h2 server: the client's RST_STREAM mid-body ends the stream (499)", () => {
  checkPlaybook(() => {
    const { ctx, server, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, post());
    peer.sendData(1, bytesOf("part"));
    const reset = () => {
      peer.resetStream(1, ErrorCode.CANCEL);
      return new DataReceived(ctx.client, peer.dataToSend());
    };
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(/^RequestHeaders 1 POST/))
      .out(received("RequestData 1 part"))
      .in(reset)
      .out(received("RequestProtocolError 1 499 stream reset by client: CANCEL"))
      .do(() => assertEquals(server.streamCount, 0))
      // The stream's late answer is dropped: nothing goes out.
      .in(new ResponseProtocolError(1, "Client disconnected.", 499));
  });
});

Deno.test("h2 server: malformed request (no :path) is reset by the codec; no flow", () => {
  checkPlaybook(() => {
    const { ctx, server, layer } = setup();
    const peer = clientPeer({ validateOutboundHeaders: false });
    peer.sendHeaders(1, [[":method", "GET"], [":scheme", "https"], [":authority", "a.com"]], {
      endStream: true,
    });
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, ["reset 1 PROTOCOL_ERROR"]))
      .do(() => assertEquals(server.streamCount, 0));
  });
});

Deno.test("h2 server: with inbound validation off, the layer rejects it itself", () => {
  checkPlaybook(() => {
    const { ctx, server, layer } = setup({ validate_inbound_headers: false });
    const peer = clientPeer({ validateOutboundHeaders: false });
    peer.sendHeaders(1, [[":method", "GET"], [":scheme", "https"], [":authority", "a.com"]], {
      endStream: true,
    });
    return playbook(layer, { logs: true })
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(logLine("request without :path"))
      .out(peerGets(ctx.client, peer, ["reset 1 PROTOCOL_ERROR"]))
      .do(() => assertEquals(server.streamCount, 0));
  });
});

Deno.test("h2 server: ResponseProtocolError before headers is a readable response", () => {
  checkPlaybook(() => {
    const { ctx, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, GET, { endStream: true });
    peer.sendHeaders(3, GET, { endStream: true });
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(GET_SEEN))
      .out(received("RequestEndOfMessage 1"))
      .out(received(/^RequestHeaders 3 GET/))
      .out(received("RequestEndOfMessage 3"))
      .in(new ResponseProtocolError(1, "upstream broke", 502))
      .out(peerGets(ctx.client, peer, [
        "response 1 :status=502 server=mitmdeno content-type=text/plain; charset=utf-8 " +
        "content-length=32",
        "data 1 502 Bad Gateway\n\nupstream broke\n",
        "end 1",
      ]))
      // After the headers went out only a reset is left.
      .in(new ResponseHeaders(3, response(200), false))
      .out(peerGets(ctx.client, peer, ["response 3 :status=200"]))
      .in(new ResponseProtocolError(3, "upstream broke", 502))
      .out(peerGets(ctx.client, peer, ["reset 3 INTERNAL_ERROR"]));
  });
});

Deno.test("h2 server: a stream that gives up on the request answers, then resets NO_ERROR", () => {
  checkPlaybook(() => {
    const { ctx, server, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, post());
    peer.sendData(1, bytesOf("too much"));
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(/^RequestHeaders 1 POST/))
      .out(received("RequestData 1 too much"))
      .in(new RequestProtocolError(1, "Request body exceeds body_size_limit", 413))
      .in(new ResponseProtocolError(1, "Request body exceeds body_size_limit", 413))
      .out(peerGets(ctx.client, peer, [
        "response 1 :status=413 server=mitmdeno content-type=text/plain; charset=utf-8 " +
        "content-length=60",
        "data 1 413 Content Too Large\n\nRequest body exceeds body_size_limit\n",
        "end 1",
        "reset 1 NO_ERROR",
      ]))
      .do(() => assertEquals(server.retained, { streams: 0, waiting: 0, codecStreams: 0 }));
  });
});

Deno.test("h2 server: CONNECT is refused with 501 without a flow", () => {
  checkPlaybook(() => {
    const { ctx, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, [[":method", "CONNECT"], [":authority", "a.com:443"]]);
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, [
        "response 1 :status=501 server=mitmdeno content-type=text/plain; charset=utf-8 " +
        "content-length=73",
        "data 1 501 Not Implemented\n\nCONNECT over HTTP/2 is not supported by this proxy.\n",
        "end 1",
        "reset 1 NO_ERROR",
      ]));
  });
});

Deno.test("h2 server: graceful GOAWAY from the client closes once streams are done", () => {
  checkPlaybook(() => {
    const { ctx, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, GET, { endStream: true });
    peer.closeConnection(ErrorCode.NO_ERROR);
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(GET_SEEN))
      .out(received("RequestEndOfMessage 1"))
      .in(new ResponseHeaders(1, response(200), true))
      .out(peerGets(ctx.client, peer, ["response 1 :status=200 (end)", "end 1"]))
      .out(closeConnection(ctx.client));
  });
});

Deno.test("h2 server: GOAWAY with an error fails open streams and closes", () => {
  checkPlaybook(() => {
    const { ctx, server, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, post());
    peer.closeConnection(ErrorCode.INTERNAL_ERROR);
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(/^RequestHeaders 1 POST/))
      .out(received(
        "RequestProtocolError 1 499 HTTP/2 connection closed: client sent GOAWAY with " +
          "INTERNAL_ERROR",
      ))
      .out(closeConnection(ctx.client))
      .do(() => assertEquals(server.closed, true))
      .in(new ResponseHeaders(1, response(200), true));
  });
});

Deno.test("h2 server: a protocol error from the client sends GOAWAY, logs and closes", () => {
  checkPlaybook(() => {
    const { ctx, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, post());
    const garbage = () => {
      // A DATA frame on stream 2, which the client may not open: a connection error.
      const frame = new Uint8Array([0, 0, 1, 0, 0, 0, 0, 0, 2, 0x78]);
      return new DataReceived(ctx.client, frame);
    };
    return playbook(layer, { logs: true })
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(/^RequestHeaders 1 POST/))
      .in(garbage)
      .out(peerGets(ctx.client, peer, ["goaway PROTOCOL_ERROR last=1"]))
      .out(logLine("HTTP/2 protocol error: DATA on idle stream 2"))
      .out(received(/^RequestProtocolError 1 400 HTTP\/2 connection closed: DATA on idle/))
      .out(closeConnection(ctx.client));
  });
});

Deno.test("h2 server: the client disconnecting fails open streams", () => {
  checkPlaybook(() => {
    const { ctx, layer } = setup();
    const peer = clientPeer();
    peer.sendHeaders(1, post());
    peer.sendHeaders(3, GET, { endStream: true });
    return playbook(layer)
      .in(from(peer, ctx))
      .out(peerGets(ctx.client, peer, []))
      .out(received(/^RequestHeaders 1 POST/))
      .out(received(/^RequestHeaders 3 GET/))
      .out(received("RequestEndOfMessage 3"))
      .in(new ConnectionClosed(ctx.client))
      .out(received("RequestProtocolError 1 499 Client disconnected."))
      .out(received("RequestProtocolError 3 499 Client disconnected."))
      .out(closeConnection(ctx.client));
  });
});

/** Feeds one event; returns the HTTP events it produced and the peer's view of the bytes. */
function step(server: Http2Server, peer: H2Connection, event: Event | HttpEvent) {
  const http: string[] = [];
  const other: Command[] = [];
  const bytes: Uint8Array[] = [];
  for (const c of server.handleEvent(event)) {
    if (c instanceof ReceiveHttp) http.push(describeHttp(c.event));
    else if (c instanceof SendData) bytes.push(c.data);
    else other.push(c);
  }
  return { http, peer: describeH2(peer.receiveData(concatBytes(bytes))), other };
}

Deno.test("h2 server: 100 concurrent streams, answered in reverse order", () => {
  const { ctx, server } = setup();
  const peer = clientPeer();
  const ids: number[] = [];
  for (let i = 0; i < 100; i++) {
    const id = peer.getNextAvailableStreamId();
    ids.push(id);
    peer.sendHeaders(id, post(`/s${id}`));
    peer.sendData(id, bytesOf(`body ${id}`), { endStream: true });
  }
  const first = step(server, peer, new DataReceived(ctx.client, peer.dataToSend()));
  assertEquals(first.http.length, 300);
  assertEquals(server.streamCount, 100);
  for (const id of ids) {
    assertEquals(first.http.filter((l) => l.includes(` ${id} `)).length >= 2, true);
  }
  for (const id of [...ids].reverse()) {
    const h = step(server, peer, new ResponseHeaders(id, response(200), false));
    const r = step(server, peer, new ResponseData(id, bytesOf(`answer ${id}`)));
    const end = step(server, peer, new ResponseEndOfMessage(id));
    assertEquals([...h.peer, ...r.peer, ...end.peer], [
      `response ${id} :status=200`,
      `data ${id} answer ${id}`,
      `end ${id}`,
    ]);
  }
  assertEquals(server.retained, { streams: 0, waiting: 0, codecStreams: 0 });
});

Deno.test("h2 server: 1000 streams on one connection leave no per-stream state", () => {
  const { ctx, server } = setup();
  const peer = clientPeer();
  step(server, peer, new DataReceived(ctx.client, peer.dataToSend()));
  for (let i = 0; i < 1000; i++) {
    const id = peer.getNextAvailableStreamId();
    peer.sendHeaders(id, GET, { endStream: i % 2 === 0 });
    if (i % 2 === 1) peer.sendData(id, bytesOf("x"), { endStream: true });
    const got = step(server, peer, new DataReceived(ctx.client, peer.dataToSend()));
    assertEquals(got.http.at(-1), `RequestEndOfMessage ${id}`);
    const out = step(server, peer, new ResponseHeaders(id, response(200), true));
    assertEquals(out.peer, [`response ${id} :status=200 (end)`, `end ${id}`]);
    if (i % 3 === 0) step(server, peer, new DataReceived(ctx.client, peer.dataToSend()));
  }
  assertEquals(server.retained, { streams: 0, waiting: 0, codecStreams: 0 });
});

Deno.test("h2 server: any chunking of the input gives the same HTTP events", () => {
  const peer = clientPeer();
  for (let i = 0; i < 5; i++) {
    const id = peer.getNextAvailableStreamId();
    peer.sendHeaders(id, post(`/p${i}`, [["cookie", "a=1"], ["cookie", "b=2"]]));
    peer.sendData(id, bytesOf(`data-${i}`.repeat(i + 1)));
    if (i % 2 === 0) peer.sendHeaders(id, [["x-t", String(i)]], { endStream: true });
    else peer.endStream(id);
  }
  peer.resetStream(3, ErrorCode.CANCEL);
  const input = peer.dataToSend();
  const run = (cuts: number[]) => {
    const { ctx, server } = setup();
    const http: string[] = [];
    const sent: Uint8Array[] = [];
    const points = [...new Set(cuts)].sort((a, b) => a - b);
    let prev = 0;
    for (const p of [...points, input.length]) {
      const chunk = input.subarray(prev, p);
      prev = p;
      if (chunk.length === 0) continue;
      for (const c of server.handleEvent(new DataReceived(ctx.client, chunk))) {
        if (c instanceof ReceiveHttp) http.push(describeHttp(c.event));
        else if (c instanceof SendData) sent.push(c.data);
        else if (c instanceof CloseConnection) http.push("close");
      }
    }
    return { http, sent: latin1Decode(concatBytes(sent)) };
  };
  const whole = run([]);
  assertEquals(whole.http.length, 16);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 40 }), (c) => {
      assertEquals(run(c), whole);
    }),
    { numRuns: 200 },
  );
});
