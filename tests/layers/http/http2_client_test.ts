import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { concatBytes } from "../../../codecs/bytes.ts";
import type { H2Connection } from "../../../codecs/http2/connection.ts";
import { ErrorCode } from "../../../codecs/http2/error_codes.ts";
import { Server } from "../../../core/flow/connection.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { CancelWakeup, type Command, RequestWakeup, SendData } from "../../../layers/commands.ts";
import { Context } from "../../../layers/context.ts";
import { ConnectionClosed, DataReceived, type Event, Wakeup } from "../../../layers/events.ts";
import { ReceiveHttp } from "../../../layers/http/http_commands.ts";
import {
  type HttpEvent,
  RequestData,
  RequestEndOfMessage,
  RequestHeaders,
  RequestProtocolError,
} from "../../../layers/http/http_events.ts";
import { Http2Client } from "../../../layers/http/http2_client.ts";
import { checkPlaybook, closeConnection, playbook } from "../../playbook.ts";
import { tctx } from "../../tctx.ts";
import {
  bytesOf,
  ConnectionAdapter,
  describeH2,
  describeHttp,
  peerGets,
  received,
  request,
  serverPeer,
} from "./http2_helpers.ts";

const GET_LINE = "request 1 :method=GET :scheme=https :authority=example.com :path=/a (end)";

function setup(options = {}) {
  const ctx = tctx(options);
  const server = new Server({ address: ["example.com", 443] });
  server.tls = true;
  const client = new Http2Client(ctx, server);
  return { ctx, server, client, layer: new ConnectionAdapter(ctx, client) };
}

function get(path = "/a", headers: [string, string][] = [["Host", "example.com"]]) {
  return request("GET", { scheme: "https", host: "example.com", port: 443, path }, headers);
}

function postReq(path = "/up") {
  return request("POST", { scheme: "https", host: "example.com", port: 443, path }, [
    ["Host", "example.com"],
  ]);
}

/** Input for the client: what the server peer queued after `act`. */
function serverSends(peer: H2Connection, conn: Server, act: () => void = () => {}) {
  return () => {
    act();
    return new DataReceived(conn, peer.dataToSend());
  };
}

Deno.test("h2 client: GET out, response in, stream freed", () => {
  checkPlaybook(() => {
    const { server, client, layer } = setup();
    const peer = serverPeer();
    return playbook(layer)
      .in(new RequestHeaders(7, get(), true))
      .out(peerGets(server, peer, [GET_LINE, "end 1"]))
      .in(serverSends(peer, server, () => {
        peer.sendHeaders(1, [[":status", "200"], ["content-type", "text/plain"]]);
        peer.sendData(1, bytesOf("hi"), { endStream: true });
      }))
      .out(peerGets(server, peer, []))
      .out(received("ResponseHeaders 7 200 HTTP/2.0 [content-type=text/plain]"))
      .out(received("ResponseData 7 hi"))
      .out(received("ResponseEndOfMessage 7"))
      .do(() => {
        assertEquals(client.retained, { streams: 0, waiting: 0, queued: 0, codecStreams: 0 });
        assertEquals([client.idle, client.canTakeStream, client.closed], [true, true, false]);
      });
  });
});

Deno.test("h2 client: POST body and trailers both ways", () => {
  checkPlaybook(() => {
    const { server, layer } = setup();
    const peer = serverPeer();
    return playbook(layer)
      .in(new RequestHeaders(3, postReq(), false))
      .out(peerGets(server, peer, [
        "request 1 :method=POST :scheme=https :authority=example.com :path=/up",
      ]))
      .in(new RequestData(3, bytesOf("payload")))
      .out(peerGets(server, peer, ["data 1 payload"]))
      .in(new RequestEndOfMessage(3, new Headers([["X-Sum", "abc"]])))
      .out(peerGets(server, peer, ["trailers 1 x-sum=abc", "end 1"]))
      .in(serverSends(peer, server, () => {
        peer.sendHeaders(1, [[":status", "200"]]);
        peer.sendData(1, bytesOf("done"));
        peer.sendHeaders(1, [["grpc-status", "0"]], { endStream: true });
      }))
      .out(peerGets(server, peer, []))
      .out(received("ResponseHeaders 3 200 HTTP/2.0 []"))
      .out(received("ResponseData 3 done"))
      .out(received("ResponseEndOfMessage 3 [grpc-status=0]"));
  });
});

Deno.test("h2 client: Host becomes :authority; connection-specific headers are dropped", () => {
  checkPlaybook(() => {
    const { server, layer } = setup();
    const peer = serverPeer();
    const req = get("/a", [
      ["Host", "example.com:8443"],
      ["Connection", "keep-alive, X-Hop"],
      ["Keep-Alive", "timeout=5"],
      ["X-Hop", "1"],
      ["Proxy-Connection", "keep-alive"],
      ["Transfer-Encoding", "chunked"],
      ["Upgrade", "websocket"],
      ["TE", "trailers"],
      ["Accept", "*/*"],
    ]);
    return playbook(layer)
      .in(new RequestHeaders(1, req, true))
      .out(peerGets(server, peer, [
        "request 1 :method=GET :scheme=https :authority=example.com:8443 :path=/a te=trailers " +
        "accept=*/* (end)",
        "end 1",
      ]));
  });
});

Deno.test("h2 client: streams over the server's limit wait for a free slot", () => {
  checkPlaybook(() => {
    const { server, client, layer } = setup();
    const peer = serverPeer({ settings: { maxConcurrentStreams: 2 } });
    const answer = (id: number) =>
      serverSends(
        peer,
        server,
        () => peer.sendHeaders(id, [[":status", "204"]], { endStream: true }),
      );
    return playbook(layer)
      .in(new RequestHeaders(1, get("/1"), true))
      .out(peerGets(server, peer, [GET_LINE.replace("/a", "/1"), "end 1"]))
      .in(serverSends(peer, server))
      .out(peerGets(server, peer, []))
      .in(new RequestHeaders(3, get("/3"), true))
      .out(peerGets(server, peer, [`request 3 ${GET_LINE.slice(10).replace("/a", "/3")}`, "end 3"]))
      .do(() => assertEquals(client.canTakeStream, false))
      .in(new RequestHeaders(5, get("/5"), true))
      .in(new RequestHeaders(9, get("/9"), true))
      .do(() => assertEquals(client.retained.waiting, 2))
      .in(answer(1))
      .out(received("ResponseHeaders 1 204 HTTP/2.0 [] (end)"))
      .out(received("ResponseEndOfMessage 1"))
      .out(peerGets(server, peer, [`request 5 ${GET_LINE.slice(10).replace("/a", "/5")}`, "end 5"]))
      .in(answer(3))
      .out(received("ResponseHeaders 3 204 HTTP/2.0 [] (end)"))
      .out(received("ResponseEndOfMessage 3"))
      .out(peerGets(server, peer, [`request 7 ${GET_LINE.slice(10).replace("/a", "/9")}`, "end 7"]))
      .in(answer(5))
      .out(received("ResponseHeaders 5 204 HTTP/2.0 [] (end)"))
      .out(received("ResponseEndOfMessage 5"))
      .in(answer(7))
      .out(received("ResponseHeaders 9 204 HTTP/2.0 [] (end)"))
      .out(received("ResponseEndOfMessage 9"))
      .do(() => assertEquals(client.streamCount, 0));
  });
});

Deno.test("h2 client: a tiny server window buffers the body until WINDOW_UPDATE", () => {
  checkPlaybook(() => {
    const { server, client, layer } = setup();
    const peer = serverPeer({ settings: { initialWindowSize: 16 } });
    const grant = serverSends(peer, server, () => peer.incrementFlowControlWindow(16, 1));
    return playbook(layer)
      .in(new RequestHeaders(1, postReq(), false))
      .out(peerGets(server, peer, [
        "request 1 :method=POST :scheme=https :authority=example.com :path=/up",
      ]))
      .in(serverSends(peer, server))
      .out(peerGets(server, peer, []))
      .in(new RequestData(1, bytesOf("0123456789abcdefghijklmnopqrstuvwxyzABCD")))
      .out(peerGets(server, peer, ["data 1 0123456789abcdef"]))
      .in(new RequestEndOfMessage(1))
      .do(() => assertEquals(client.retained.queued, 1))
      .in(grant)
      .out(peerGets(server, peer, ["data 1 ghijklmnopqrstuv"]))
      .in(grant)
      .out(peerGets(server, peer, ["data 1 wxyzABCD", "end 1"]))
      .do(() => assertEquals(client.retained.queued, 0));
  });
});

Deno.test("h2 client: RST_STREAM from the server is a 502 for that stream only", () => {
  checkPlaybook(() => {
    const { server, client, layer } = setup();
    const peer = serverPeer();
    return playbook(layer)
      .in(new RequestHeaders(1, get(), true))
      .out(peerGets(server, peer, [GET_LINE, "end 1"]))
      .in(new RequestHeaders(3, get("/b"), true))
      .out(peerGets(server, peer, [`request 3 ${GET_LINE.slice(10).replace("/a", "/b")}`, "end 3"]))
      .in(serverSends(peer, server, () => peer.resetStream(1, ErrorCode.INTERNAL_ERROR)))
      .out(peerGets(server, peer, []))
      .out(received("ResponseProtocolError 1 502 stream reset by server: INTERNAL_ERROR"))
      .do(() => assertEquals([client.streamCount, client.closed], [1, false]));
  });
});

Deno.test("h2 client: 1xx responses are skipped; malformed responses fail the stream", () => {
  checkPlaybook(() => {
    const { server, layer } = setup();
    const peer = serverPeer({ validateOutboundHeaders: false });
    return playbook(layer)
      .in(new RequestHeaders(1, get(), true))
      .out(peerGets(server, peer, [GET_LINE, "end 1"]))
      .in(new RequestHeaders(3, get("/b"), true))
      .out(peerGets(server, peer, [`request 3 ${GET_LINE.slice(10).replace("/a", "/b")}`, "end 3"]))
      .in(serverSends(peer, server, () => {
        peer.sendHeaders(1, [[":status", "103"], ["link", "</s.css>"]]);
        peer.sendHeaders(1, [[":status", "200"]], { endStream: true });
        peer.sendHeaders(3, [[":status", "2000"]]);
      }))
      .out(peerGets(server, peer, []))
      .out(received("ResponseHeaders 1 200 HTTP/2.0 [] (end)"))
      .out(received("ResponseEndOfMessage 1"))
      .out(peerGets(server, peer, ["reset 3 PROTOCOL_ERROR"]))
      .out(received(/^ResponseProtocolError 3 502 HTTP\/2 protocol error from server: malformed/));
  });
});

Deno.test("h2 client: GOAWAY refuses streams above last-stream-id; draining, then closed", () => {
  checkPlaybook(() => {
    const { server, client, layer } = setup();
    const peer = serverPeer();
    return playbook(layer)
      .in(new RequestHeaders(1, get(), true))
      .out(peerGets(server, peer, [GET_LINE, "end 1"]))
      .in(new RequestHeaders(3, get("/b"), true))
      .out(peerGets(server, peer, [`request 3 ${GET_LINE.slice(10).replace("/a", "/b")}`, "end 3"]))
      .in(
        serverSends(
          peer,
          server,
          () => peer.closeConnection(ErrorCode.NO_ERROR, { lastStreamId: 1 }),
        ),
      )
      .out(peerGets(server, peer, []))
      .out(received(
        "ResponseProtocolError 3 502 stream reset by server: REFUSED_STREAM " +
          "(not processed before GOAWAY; safe to retry)",
      ))
      .do(() => assertEquals([client.canTakeStream, client.closed], [false, false]))
      .in(new RequestHeaders(5, get("/c"), true))
      .out(received(/^ResponseProtocolError 5 502 the server is closing the HTTP\/2 connection/))
      .in(
        serverSends(
          peer,
          server,
          () => peer.sendHeaders(1, [[":status", "200"]], { endStream: true }),
        ),
      )
      .out(received("ResponseHeaders 1 200 HTTP/2.0 [] (end)"))
      .out(received("ResponseEndOfMessage 1"))
      .out(closeConnection(server))
      .do(() => assertEquals(client.closed, true));
  });
});

Deno.test("h2 client: GOAWAY with an error fails every stream and closes", () => {
  checkPlaybook(() => {
    const { server, layer } = setup();
    const peer = serverPeer();
    return playbook(layer)
      .in(new RequestHeaders(1, get(), true))
      .out(peerGets(server, peer, [GET_LINE, "end 1"]))
      .in(serverSends(peer, server, () => peer.closeConnection(ErrorCode.ENHANCE_YOUR_CALM)))
      .out(peerGets(server, peer, []))
      .out(closeConnection(server))
      .out(received(
        "ResponseProtocolError 1 502 HTTP/2 connection closed: server sent GOAWAY with " +
          "ENHANCE_YOUR_CALM",
      ));
  });
});

Deno.test("h2 client: the server disconnecting fails open streams", () => {
  checkPlaybook(() => {
    const { server, client, layer } = setup();
    const peer = serverPeer();
    return playbook(layer)
      .in(new RequestHeaders(1, get(), true))
      .out(peerGets(server, peer, [GET_LINE, "end 1"]))
      .in(new ConnectionClosed(server))
      .out(closeConnection(server))
      .out(received("ResponseProtocolError 1 502 server closed the HTTP/2 connection"))
      .do(() => assertEquals([client.closed, client.streamCount], [true, 0]))
      .in(new RequestHeaders(3, get(), true))
      .out(received(/^ResponseProtocolError 3 502 the HTTP\/2 connection to the server is closed/));
  });
});

Deno.test("h2 client: the stream giving up resets with CANCEL", () => {
  checkPlaybook(() => {
    const { server, client, layer } = setup();
    const peer = serverPeer();
    return playbook(layer)
      .in(new RequestHeaders(1, postReq(), false))
      .out(peerGets(server, peer, [
        "request 1 :method=POST :scheme=https :authority=example.com :path=/up",
      ]))
      .in(new RequestProtocolError(1, "Client disconnected.", 499))
      .out(peerGets(server, peer, ["reset 1 CANCEL"]))
      .do(() =>
        assertEquals(client.retained, { streams: 0, waiting: 0, queued: 0, codecStreams: 0 })
      );
  });
});

Deno.test("h2 client: a response that ends before the request cancels the rest", () => {
  checkPlaybook(() => {
    const { server, client, layer } = setup();
    const peer = serverPeer();
    return playbook(layer)
      .in(new RequestHeaders(1, postReq(), false))
      .out(peerGets(server, peer, [
        "request 1 :method=POST :scheme=https :authority=example.com :path=/up",
      ]))
      .in(
        serverSends(
          peer,
          server,
          () => peer.sendHeaders(1, [[":status", "413"]], { endStream: true }),
        ),
      )
      .out(peerGets(server, peer, []))
      .out(received("ResponseHeaders 1 413 HTTP/2.0 [] (end)"))
      .out(received("ResponseEndOfMessage 1"))
      .out(peerGets(server, peer, ["reset 1 CANCEL"]))
      .do(() => assertEquals(client.streamCount, 0));
  });
});

Deno.test("h2 client: pingKeepalive sends a PING after a quiet period", () => {
  const base = tctx();
  let now = 1000;
  const ctx = new Context(base.client, base.server, base.options, { now: () => now });
  const server = new Server({ address: ["example.com", 443] });
  const client = new Http2Client(ctx, server, { pingKeepalive: 30 });
  const start = [...client.start()];
  const timer = start[0] as RequestWakeup;
  assertEquals([timer instanceof RequestWakeup, timer.delay], [true, 30]);
  assertEquals(start[1] instanceof SendData, true);
  now += 10;
  const peer = serverPeer();
  peer.receiveData((start[1] as SendData).data);
  [...client.handleEvent(new DataReceived(server, peer.dataToSend()))];
  now += 20; // 30 s since the timer was set, 20 s since data arrived
  const early = [...client.handleEvent(new Wakeup(timer))];
  assertEquals(early.length, 1);
  const again = early[0] as RequestWakeup;
  assertEquals(again.delay, 10);
  now += 10;
  const ping = [...client.handleEvent(new Wakeup(again))];
  assertEquals(ping.map((c) => c.kind), ["SendData", "RequestWakeup"]);
  const events = peer.receiveData((ping[0] as SendData).data);
  assertEquals(events.some((e) => e.type === "PingReceived"), true);
  assertEquals((ping[1] as RequestWakeup).delay, 30);
  const closing = [...client.handleEvent(new ConnectionClosed(server))];
  assertEquals(closing.map((c) => c.kind), ["CancelWakeup", "CloseConnection"]);
  assertEquals((closing[0] as CancelWakeup).wakeup, ping[1]);
});

/** Feeds one event; returns the HTTP events and the peer's view of the bytes. */
function step(client: Http2Client, peer: H2Connection, event: Event | HttpEvent) {
  const http: string[] = [];
  const other: Command[] = [];
  const bytes: Uint8Array[] = [];
  for (const c of client.handleEvent(event)) {
    if (c instanceof ReceiveHttp) http.push(describeHttp(c.event));
    else if (c instanceof SendData) bytes.push(c.data);
    else other.push(c);
  }
  return { http, peer: describeH2(peer.receiveData(concatBytes(bytes))), other };
}

Deno.test("h2 client: 1000 streams on one connection leave no per-stream state", () => {
  const { server, client } = setup();
  const peer = serverPeer();
  for (let i = 0; i < 1000; i++) {
    const ours = 1 + 2 * i;
    const sent = step(client, peer, new RequestHeaders(ours, get(`/${i}`), true));
    const h2Id = 1 + 2 * i;
    assertEquals(sent.peer.at(-1), `end ${h2Id}`);
    peer.sendHeaders(h2Id, [[":status", "200"]], { endStream: i % 2 === 0 });
    if (i % 2 === 1) peer.sendData(h2Id, bytesOf("x"), { endStream: true });
    const got = step(client, peer, new DataReceived(server, peer.dataToSend()));
    assertEquals(got.http.at(-1), `ResponseEndOfMessage ${ours}`);
  }
  assertEquals(client.retained, { streams: 0, waiting: 0, queued: 0, codecStreams: 0 });
  assertEquals(client.idle, true);
});

Deno.test("h2 client: any chunking of the server's bytes gives the same HTTP events", () => {
  const peer = serverPeer();
  const { client: probe } = setup();
  // Our requests as the peer sees them, so it can answer on streams 1, 3, 5.
  const requests: Uint8Array[] = [];
  for (const ours of [2, 4, 6]) {
    for (const c of probe.handleEvent(new RequestHeaders(ours, get(`/${ours}`), true))) {
      if (c instanceof SendData) requests.push(c.data);
    }
  }
  peer.receiveData(concatBytes(requests));
  for (const id of [1, 3, 5]) {
    peer.sendHeaders(id, [[":status", "200"], ["set-cookie", "a=1"], ["set-cookie", "b=2"]]);
    peer.sendData(id, bytesOf(`body-${id}`.repeat(id)));
    if (id === 3) peer.resetStream(3, ErrorCode.CANCEL);
    else peer.sendHeaders(id, [["x-t", String(id)]], { endStream: true });
  }
  const input = peer.dataToSend();
  const run = (cuts: number[]) => {
    const { server, client } = setup();
    for (const ours of [2, 4, 6]) {
      [...client.handleEvent(new RequestHeaders(ours, get(`/${ours}`), true))];
    }
    const http: string[] = [];
    const points = [...new Set(cuts)].sort((a, b) => a - b);
    let prev = 0;
    for (const p of [...points, input.length]) {
      const chunk = input.subarray(prev, p);
      prev = p;
      if (chunk.length === 0) continue;
      for (const c of client.handleEvent(new DataReceived(server, chunk))) {
        if (c instanceof ReceiveHttp) http.push(describeHttp(c.event));
      }
    }
    return http;
  };
  const whole = run([]);
  assertEquals(whole.length, 9);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 40 }), (c) => {
      assertEquals(run(c), whole);
    }),
    { numRuns: 200 },
  );
});

Deno.test("h2 client: a stream refused before the server's SETTINGS is sent again", () => {
  checkPlaybook(() => {
    const { server, client, layer } = setup();
    const peer = serverPeer({ settings: { maxConcurrentStreams: 1 } });
    return playbook(layer)
      .in(new RequestHeaders(1, get("/1"), true))
      .out(peerGets(server, peer, [GET_LINE.replace("/a", "/1"), "end 1"]))
      .in(new RequestHeaders(3, postReq(), false))
      .out(peerGets(server, peer, ["reset 3 REFUSED_STREAM"]))
      .in(new RequestData(3, bytesOf("body")))
      .out(peerGets(server, peer, []))
      .in(new RequestEndOfMessage(3))
      .out(peerGets(server, peer, []))
      .in(serverSends(peer, server))
      .out(peerGets(server, peer, []))
      .do(() => assertEquals(client.retained.waiting, 1))
      .in(
        serverSends(
          peer,
          server,
          () => peer.sendHeaders(1, [[":status", "204"]], { endStream: true }),
        ),
      )
      .out(received("ResponseHeaders 1 204 HTTP/2.0 [] (end)"))
      .out(received("ResponseEndOfMessage 1"))
      .out(peerGets(server, peer, [
        "request 5 :method=POST :scheme=https :authority=example.com :path=/up",
        "data 5 body",
        "end 5",
      ]));
  });
});
