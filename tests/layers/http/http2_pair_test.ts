/**
 * End to end without the HTTP layer: a client codec → Http2Server → (events relayed as a
 * pass-through stream would) → Http2Client → an origin codec that echoes request bodies, and
 * back. Small windows on both outer codecs make flow control work on every hop; random
 * chunking of every delivery must not change what the client gets.
 */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { concatBytes, latin1Decode } from "../../../codecs/bytes.ts";
import type { H2Connection } from "../../../codecs/http2/connection.ts";
import type { HeaderList } from "../../../codecs/http2/header_validation.ts";
import { Server } from "../../../core/flow/connection.ts";
import { SendData } from "../../../layers/commands.ts";
import { DataReceived, type Event } from "../../../layers/events.ts";
import { ReceiveHttp } from "../../../layers/http/http_commands.ts";
import type { HttpEvent } from "../../../layers/http/http_events.ts";
import { Http2Client } from "../../../layers/http/http2_client.ts";
import { Http2Server } from "../../../layers/http/http2_server.ts";
import { tctx } from "../../tctx.ts";
import { bytesOf, clientPeer, post, serverPeer } from "./http2_helpers.ts";

/** Sends queued bodies as the windows allow (what a well-behaved peer does). */
class PeerSender {
  readonly #pending = new Map<number, { data: Uint8Array; trailers: HeaderList | null }>();
  constructor(readonly h2: H2Connection) {}
  add(id: number, data: Uint8Array, trailers: HeaderList | null): void {
    this.#pending.set(id, { data, trailers });
  }
  pump(): void {
    for (const [id, p] of this.#pending) {
      if (this.h2.streamState(id) === "closed") {
        this.#pending.delete(id);
        continue;
      }
      const n = Math.min(this.h2.localFlowControlWindow(id), p.data.length);
      if (n > 0) {
        this.h2.sendData(id, p.data.subarray(0, n));
        p.data = p.data.subarray(n);
      }
      if (p.data.length > 0) continue;
      if (p.trailers) this.h2.sendHeaders(id, p.trailers, { endStream: true });
      else this.h2.endStream(id);
      this.#pending.delete(id);
    }
  }
}

interface Exchange {
  body: string;
  trailers: HeaderList | null;
}

interface Outcome {
  status: string;
  body: string;
  trailers: string;
}

/** Runs `exchanges` through the proxy pair; `split` chooses chunk sizes for every delivery. */
function proxyRun(exchanges: Exchange[], split: (n: number) => number) {
  const ctx = tctx();
  const upstream = new Server({ address: ["origin.test", 443] });
  upstream.tls = true;
  const proxyServer = new Http2Server(ctx, ctx.client);
  const proxyClient = new Http2Client(ctx, upstream);
  const client = clientPeer({ settings: { initialWindowSize: 1000 } });
  const origin = serverPeer({ settings: { initialWindowSize: 1000, maxConcurrentStreams: 7 } });
  const clientSender = new PeerSender(client);
  const originSender = new PeerSender(origin);
  const toClient: Uint8Array[] = [];
  const toOrigin: Uint8Array[] = [];

  const feed = (layer: Http2Server | Http2Client, event: Event | HttpEvent): void => {
    for (const c of layer.handleEvent(event)) {
      if (c instanceof SendData) (layer === proxyServer ? toClient : toOrigin).push(c.data);
      else if (c instanceof ReceiveHttp) {
        // A pass-through stream: requests go upstream, responses go back.
        feed(layer === proxyServer ? proxyClient : proxyServer, c.event);
      } else throw new Error(`unexpected ${c.kind}`);
    }
  };
  const deliver = (bytes: Uint8Array, to: (chunk: Uint8Array) => void): void => {
    for (let at = 0; at < bytes.length;) {
      const n = Math.max(1, Math.min(split(bytes.length - at), bytes.length - at));
      to(bytes.subarray(at, at + n));
      at += n;
    }
  };

  const outcomes = new Map<number, Outcome>();
  const originBodies = new Map<number, Uint8Array[]>();
  const originTrailers = new Map<number, HeaderList>();
  for (const ex of exchanges) {
    const id = client.getNextAvailableStreamId();
    client.sendHeaders(id, post(`/echo/${id}`));
    clientSender.add(id, bytesOf(ex.body), ex.trailers);
    outcomes.set(id, { status: "", body: "", trailers: "" });
  }
  for (let round = 0; round < 10000; round++) {
    clientSender.pump();
    originSender.pump();
    const up = client.dataToSend();
    const down = origin.dataToSend();
    const a = concatBytes(toClient.splice(0));
    const b = concatBytes(toOrigin.splice(0));
    if (up.length + down.length + a.length + b.length === 0) break;
    deliver(up, (c) => feed(proxyServer, new DataReceived(ctx.client, c)));
    deliver(down, (c) => feed(proxyClient, new DataReceived(upstream, c)));
    deliver(a, (c) => {
      for (const e of client.receiveData(c)) {
        const o = "streamId" in e ? outcomes.get(e.streamId) : undefined;
        if (e.type === "ResponseReceived") o!.status = e.headers[0][1];
        if (e.type === "DataReceived") {
          o!.body += latin1Decode(e.data);
          client.acknowledgeReceivedData(e.streamId, e.flowControlledLength);
        }
        if (e.type === "TrailersReceived") o!.trailers = e.headers.map((h) => h.join("=")).join();
      }
    });
    deliver(b, (c) => {
      for (const e of origin.receiveData(c)) {
        if (e.type === "RequestReceived") originBodies.set(e.streamId, []);
        if (e.type === "DataReceived") {
          originBodies.get(e.streamId)!.push(e.data);
          origin.acknowledgeReceivedData(e.streamId, e.flowControlledLength);
        }
        if (e.type === "TrailersReceived") originTrailers.set(e.streamId, e.headers);
        if (e.type === "StreamEnded") {
          const body = concatBytes(originBodies.get(e.streamId)!);
          originBodies.delete(e.streamId);
          origin.sendHeaders(e.streamId, [[":status", "200"]]);
          const echo = concatBytes([bytesOf("echo:"), body]);
          const t = originTrailers.get(e.streamId);
          originTrailers.delete(e.streamId);
          originSender.add(e.streamId, echo, t ? [["x-echo", t.map((h) => h[1]).join()]] : null);
        }
      }
    });
  }
  return { outcomes: [...outcomes.values()], proxyServer, proxyClient, client, origin };
}

function exchangesOf(n: number): Exchange[] {
  const out: Exchange[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      body: `${i}:`.padEnd(37 * ((i * 7919) % 97), String.fromCharCode(97 + (i % 26))),
      trailers: i % 3 === 0 ? [["x-sum", String(i)]] : null,
    });
  }
  return out;
}

function expected(exchanges: Exchange[]): Outcome[] {
  return exchanges.map((ex) => ({
    status: "200",
    body: `echo:${ex.body}`,
    trailers: ex.trailers ? `x-echo=${ex.trailers[0][1]}` : "",
  }));
}

Deno.test("h2 pair: 30 concurrent echo exchanges through server and client layers", () => {
  const exchanges = exchangesOf(30);
  const run = proxyRun(exchanges, (n) => n);
  assertEquals(run.outcomes, expected(exchanges));
  assertEquals(run.proxyServer.retained, { streams: 0, waiting: 0, codecStreams: 0 });
  assertEquals(run.proxyClient.retained, { streams: 0, waiting: 0, queued: 0, codecStreams: 0 });
  assertEquals([run.client.trackedStreams, run.origin.trackedStreams], [0, 0]);
});

Deno.test("h2 pair: random chunking on every hop gives the same exchanges", () => {
  const exchanges = exchangesOf(12);
  const want = expected(exchanges);
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 0x7fffffff }),
      fc.integer({ min: 1, max: 200 }),
      (seed, max) => {
        let state = seed;
        const split = () => {
          state ^= state << 13;
          state ^= state >>> 17;
          state ^= state << 5;
          return 1 + ((state >>> 0) % max);
        };
        const run = proxyRun(exchanges, split);
        assertEquals(run.outcomes, want);
        assertEquals(run.proxyServer.streamCount + run.proxyClient.streamCount, 0);
      },
    ),
    { numRuns: 40 },
  );
});
