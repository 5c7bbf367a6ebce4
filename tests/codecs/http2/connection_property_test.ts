/** Chunking never matters; mutated input gives protocol errors, never exceptions or hangs. */

import assert from "node:assert/strict";
import fc from "fast-check";
import { H2Connection } from "../../../codecs/http2/connection.ts";
import type { H2Event } from "../../../codecs/http2/events.ts";
import { concat, enc, OK, POST, REQUEST, splitAt } from "./test_util.ts";

interface Scenario {
  streams: { body: number; trailers: boolean; reset: boolean }[];
  pings: number;
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  streams: fc.array(
    fc.record({ body: fc.nat({ max: 40_000 }), trailers: fc.boolean(), reset: fc.boolean() }),
    { minLength: 1, maxLength: 6 },
  ),
  pings: fc.nat({ max: 3 }),
});

/** Everything a client sends for a scenario, as one byte string. */
function clientBytes(s: Scenario): Uint8Array {
  const c = new H2Connection({ role: "client" });
  c.initiateConnection();
  // Take the server's SETTINGS and window first so the client may send big bodies.
  const peer = new H2Connection({ role: "server" });
  peer.initiateConnection();
  c.receiveData(peer.dataToSend());
  const parts = [c.dataToSend()];
  for (const st of s.streams) {
    const id = c.getNextAvailableStreamId();
    c.sendHeaders(id, [...POST, ["x-stream", String(id)]]);
    const body = new Uint8Array(st.body).fill(id);
    for (let at = 0; at < body.length; at += 10_000) c.sendData(id, body.subarray(at, at + 10_000));
    if (st.reset) c.resetStream(id);
    else if (st.trailers) c.sendHeaders(id, [["x-done", "1"]], { endStream: true });
    else c.endStream(id);
    parts.push(c.dataToSend());
  }
  for (let i = 0; i < s.pings; i++) c.ping(enc(`ping${i}`.padEnd(8)));
  parts.push(c.dataToSend());
  return concat(parts);
}

function serverEvents(chunks: Uint8Array[]): { events: H2Event[]; out: Uint8Array } {
  const server = new H2Connection({ role: "server" });
  server.initiateConnection();
  const events: H2Event[] = [];
  const out: Uint8Array[] = [server.dataToSend()];
  for (const chunk of chunks) {
    events.push(...server.receiveData(chunk));
    // Respond to finished requests so the send side is exercised too.
    for (const e of events) {
      if (e.type === "StreamEnded" && server.streamState(e.streamId) === "half_closed_remote") {
        server.sendHeaders(e.streamId, OK, { endStream: true });
      }
    }
    out.push(server.dataToSend());
  }
  return { events, out: concat(out) };
}

Deno.test("property: any split of the client's bytes gives the same server events and output", () => {
  fc.assert(
    fc.property(
      scenarioArb,
      fc.array(fc.nat({ max: 200_000 }), { maxLength: 30 }),
      (scenario, cuts) => {
        const bytes = clientBytes(scenario);
        const whole = serverEvents([bytes]);
        const split = serverEvents(splitAt(bytes, cuts.map((c) => c % (bytes.length + 1))));
        assert.deepEqual(split.events, whole.events);
        assert.ok(!whole.events.some((e) => e.type === "ConnectionTerminated"));
        const requests = whole.events.filter((e) => e.type === "RequestReceived").length;
        assert.equal(requests, scenario.streams.length);
      },
    ),
    { numRuns: 60 },
  );
});

Deno.test("property: byte-by-byte feeding equals one-shot feeding", () => {
  const bytes = clientBytes({
    streams: [{ body: 3000, trailers: true, reset: false }, {
      body: 10,
      trailers: false,
      reset: true,
    }],
    pings: 2,
  });
  const one = serverEvents([bytes]).events;
  const server = new H2Connection({ role: "server" });
  server.initiateConnection();
  const events: H2Event[] = [];
  for (let i = 0; i < bytes.length; i++) {
    events.push(...server.receiveData(bytes.subarray(i, i + 1)));
  }
  assert.deepEqual(events, one);
});

type Mutation = { kind: "flip" | "insert" | "delete"; at: number; value: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom("flip", "insert", "delete") as fc.Arbitrary<Mutation["kind"]>,
  at: fc.nat(),
  value: fc.nat({ max: 255 }),
});

function mutate(bytes: Uint8Array, ms: Mutation[]): Uint8Array {
  const arr = [...bytes];
  for (const m of ms) {
    const at = m.at % (arr.length + 1);
    if (m.kind === "flip" && at < arr.length) arr[at] ^= m.value || 1;
    else if (m.kind === "insert") arr.splice(at, 0, m.value);
    else if (m.kind === "delete") arr.splice(at, 1);
  }
  return new Uint8Array(arr);
}

/** Feeds chunks; checks nothing throws and nothing is reported after a local connection error. */
function feedSafely(conn: H2Connection, chunks: Uint8Array[]): H2Event[] {
  const events: H2Event[] = [];
  for (const chunk of chunks) {
    events.push(...conn.receiveData(chunk));
    conn.dataToSend();
  }
  const fatal = events.findIndex((e) => e.type === "ConnectionTerminated" && !e.remote);
  if (fatal >= 0) {
    assert.equal(fatal, events.length - 1, "no events after a connection error");
    assert.ok(conn.isClosed);
  }
  return events;
}

Deno.test("property: mutated client bytes never make the server throw", () => {
  fc.assert(
    fc.property(
      scenarioArb,
      fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
      fc.array(fc.nat({ max: 200_000 }), { maxLength: 10 }),
      (scenario, mutations, cuts) => {
        const bytes = mutate(clientBytes(scenario), mutations);
        const server = new H2Connection({ role: "server" });
        server.initiateConnection();
        feedSafely(server, splitAt(bytes, cuts.map((c) => c % (bytes.length + 1))));
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("property: mutated server bytes never make the client throw", () => {
  fc.assert(
    fc.property(
      fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
      fc.nat({ max: 5000 }),
      (mutations, cut) => {
        const client = new H2Connection({ role: "client", settings: { enablePush: true } });
        const server = new H2Connection({ role: "server" });
        client.initiateConnection();
        server.initiateConnection();
        client.sendHeaders(1, REQUEST, { endStream: true });
        client.sendHeaders(3, POST);
        client.sendData(3, enc("body"), { endStream: true });
        server.receiveData(client.dataToSend());
        server.pushStream(1, 2, REQUEST);
        server.sendHeaders(1, [...OK, ["content-length", "5"]]);
        server.sendData(1, enc("hello"));
        server.sendHeaders(1, [["x-trailer", "t"]], { endStream: true });
        server.sendHeaders(2, OK);
        server.sendData(2, enc("pushed"), { endStream: true });
        server.sendHeaders(3, [[":status", "103"]]);
        server.sendHeaders(3, OK, { endStream: true });
        server.ping();
        server.closeConnection();
        const bytes = mutate(server.dataToSend(), mutations);
        feedSafely(client, splitAt(bytes, [cut % (bytes.length + 1)]));
      },
    ),
    { numRuns: 500 },
  );
});

Deno.test("property: random garbage after a valid handshake never throws", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 500 }), (garbage) => {
      const client = new H2Connection({ role: "client" });
      client.initiateConnection();
      const server = new H2Connection({ role: "server" });
      server.initiateConnection();
      feedSafely(server, [client.dataToSend(), garbage]);
    }),
    { numRuns: 500 },
  );
});
