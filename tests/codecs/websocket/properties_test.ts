/**
 * Property tests: random messages round-trip in both directions with and without
 * permessage-deflate; chunking never changes the events; mutated input yields protocol
 * errors, never exceptions or hangs.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { WebSocketConnection } from "../../../codecs/websocket/connection.ts";
import type { WebSocketEvent } from "../../../codecs/websocket/events.ts";
import type { PerMessageDeflateParams } from "../../../codecs/websocket/permessage_deflate.ts";
import { concat, countingMaskKey, feedAll, splitAt, utf8 } from "./test_util.ts";

type Item =
  | { kind: "text"; text: string }
  | { kind: "binary"; data: Uint8Array }
  | { kind: "ping"; data: Uint8Array };

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  fc.record({
    kind: fc.constant("text" as const),
    text: fc.string({ unit: "binary", maxLength: 200, size: "medium" }),
  }),
  fc.record({
    kind: fc.constant("binary" as const),
    data: fc.uint8Array({ maxLength: 2000, size: "medium" }),
  }),
  // Compressible: a short pattern repeated.
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.integer({ min: 1, max: 400 })).map((
    [pattern, times],
  ): Item => ({ kind: "binary", data: concat(Array(times).fill(pattern)) })),
  fc.record({ kind: fc.constant("ping" as const), data: fc.uint8Array({ maxLength: 125 }) }),
);

const paramsArb: fc.Arbitrary<PerMessageDeflateParams | null> = fc.option(
  fc.record({
    serverNoContextTakeover: fc.boolean(),
    clientNoContextTakeover: fc.boolean(),
    serverMaxWindowBits: fc.integer({ min: 8, max: 15 }),
    clientMaxWindowBits: fc.integer({ min: 8, max: 15 }),
  }),
  { nil: null },
);

const scenarioArb = fc.record({
  items: fc.array(itemArb, { maxLength: 10 }),
  params: paramsArb,
  fromClient: fc.boolean(),
  fragment: fc.oneof(
    fc.constant(0),
    fc.integer({ min: 1, max: 16 }),
    fc.integer({ min: 17, max: 300 }),
  ),
  cuts: fc.array(fc.nat({ max: 30000 }), { maxLength: 20 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

function pair(s: Scenario): { sender: WebSocketConnection; receiver: WebSocketConnection } {
  const extensions = { permessageDeflate: s.params };
  const c = new WebSocketConnection({
    role: "client",
    extensions,
    maskKey: countingMaskKey(),
    fragmentOutgoing: s.fragment,
  });
  const sv = new WebSocketConnection({ role: "server", extensions, fragmentOutgoing: s.fragment });
  return s.fromClient ? { sender: c, receiver: sv } : { sender: sv, receiver: c };
}

/** The bytes the sender writes for the scenario, ending with a Close. */
function wireOf(
  s: Scenario,
): { wire: Uint8Array; receiver: WebSocketConnection; sender: WebSocketConnection } {
  const { sender, receiver } = pair(s);
  const parts = s.items.map((item) =>
    item.kind === "text"
      ? sender.send(item.text)
      : item.kind === "binary"
      ? sender.send(item.data)
      : sender.sendPing(item.data)
  );
  parts.push(sender.sendClose(1000, "bye"));
  return { wire: concat(parts), receiver, sender };
}

/** Receive-side settings the same scenario would use, on a fresh connection. */
function freshReceiver(s: Scenario): WebSocketConnection {
  return pair(s).receiver;
}

Deno.test("property: random messages round-trip in both directions, with and without deflate", () => {
  fc.assert(
    fc.property(scenarioArb, (s) => {
      const { wire, receiver, sender } = wireOf(s);
      const events = feedAll(receiver, splitAt(wire, s.cuts));
      const senderBits = s.params &&
        (s.fromClient ? s.params.clientMaxWindowBits : s.params.serverMaxWindowBits);
      const compressed = senderBits !== null && senderBits >= 9;
      const expected: WebSocketEvent[] = s.items.map((item) =>
        item.kind === "ping" ? { type: "Ping", data: item.data } : {
          type: "Message",
          opcode: item.kind,
          data: item.kind === "text" ? utf8(item.text) : item.data,
          compressed,
          frames: 0,
        }
      );
      expected.push({ type: "Close", code: 1000, reason: "bye" });
      // Frame counts depend on the compressed size; compare everything else.
      const withoutFrames = events.map((e) => e.type === "Message" ? { ...e, frames: 0 } : e);
      assert.deepEqual(withoutFrames, expected);
      if (s.fragment === 0) {
        assert.ok(events.every((e) => e.type !== "Message" || e.frames === 1));
      }
      assert.equal(receiver.state, "remote_closing");
      receiver.sendClose(1000);
      sender.dispose();
    }),
    { numRuns: 150 },
  );
});

Deno.test("property: re-chunking the input never changes the events", () => {
  const inputArb = fc.oneof(
    scenarioArb.map((s) => ({ s, wire: wireOf(s).wire })),
    fc.tuple(scenarioArb, fc.uint8Array({ maxLength: 300 })).map(([s, wire]) => ({ s, wire })),
  );
  fc.assert(
    fc.property(
      inputArb,
      fc.array(fc.nat({ max: 30000 }), { maxLength: 30 }),
      ({ s, wire }, cuts) => {
        const whole = freshReceiver(s).receiveData(wire);
        const split = feedAll(freshReceiver(s), splitAt(wire, cuts));
        const bytewise = freshReceiver(s);
        const oneByOne: WebSocketEvent[] = [];
        if (wire.length < 3000) {
          for (let i = 0; i < wire.length; i++) {
            oneByOne.push(
              ...bytewise.receiveData(wire.subarray(i, i + 1)),
            );
          }
          assert.deepEqual(oneByOne, whole);
        }
        assert.deepEqual(split, whole);
      },
    ),
    { numRuns: 150 },
  );
});

const mutationArb = fc.array(
  fc.record({
    op: fc.constantFrom("set", "insert", "delete"),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  { minLength: 1, maxLength: 4 },
);

function mutate(
  wire: Uint8Array,
  mutations: { op: string; at: number; byte: number }[],
): Uint8Array {
  const bytes = [...wire];
  for (const { op, at, byte } of mutations) {
    const i = bytes.length === 0 ? 0 : at % (bytes.length + (op === "insert" ? 1 : 0));
    if (op === "set" && bytes.length > 0) bytes[i] ^= byte || 1;
    else if (op === "insert") bytes.splice(i, 0, byte);
    else if (op === "delete") bytes.splice(i, 1);
  }
  return new Uint8Array(bytes);
}

function assertWellFormed(events: WebSocketEvent[]): void {
  const errors = events.filter((e) => e.type === "ProtocolError");
  assert.ok(errors.length <= 1, "at most one ProtocolError");
  if (errors.length === 1) {
    assert.equal(events.at(-1), errors[0], "nothing after the ProtocolError");
    const error = errors[0] as { code: number; message: string };
    assert.ok([1002, 1007, 1009].includes(error.code), `code ${error.code}`);
    assert.ok(error.message.length > 0);
  }
}

Deno.test("property: mutated input gives protocol errors, never exceptions", () => {
  fc.assert(
    fc.property(
      scenarioArb,
      mutationArb,
      fc.array(fc.nat({ max: 30000 }), { maxLength: 10 }),
      (s, mutations, cuts) => {
        const { wire } = wireOf(s);
        const receiver = freshReceiver(s);
        const events = feedAll(receiver, splitAt(mutate(wire, mutations), cuts));
        assertWellFormed(events);
        if (events.some((e) => e.type === "ProtocolError")) {
          assert.deepEqual(receiver.receiveData(wire), [], "dead after the error");
          assert.ok(receiver.state === "failed" || receiver.state === "closed");
        }
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("property: random bytes never throw, for either role, with or without deflate", () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      paramsArb,
      fc.uint8Array({ maxLength: 500 }),
      fc.integer({ min: 0, max: 300 }),
      (isServer, params, bytes, maxMessageSize) => {
        const conn = isServer
          ? new WebSocketConnection({
            role: "server",
            extensions: { permessageDeflate: params },
            maxMessageSize,
          })
          : new WebSocketConnection({
            role: "client",
            extensions: { permessageDeflate: params },
            maskKey: countingMaskKey(),
            maxMessageSize,
          });
        assertWellFormed(conn.receiveData(bytes));
        conn.dispose();
      },
    ),
    { numRuns: 1000 },
  );
});

Deno.test("property: the decompressed size limit is exact, whatever the compression ratio", () => {
  const params: PerMessageDeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
  };
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 300_000 }),
      fc.integer({ min: 0, max: 300_000 }),
      fc.integer({ min: 0, max: 255 }),
      fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 5000 })),
      (size, limit, fill, fragment) => {
        const sender = new WebSocketConnection({
          role: "server",
          extensions: { permessageDeflate: params },
          fragmentOutgoing: fragment,
        });
        const receiver = new WebSocketConnection({
          role: "client",
          extensions: { permessageDeflate: params },
          maskKey: countingMaskKey(),
          maxMessageSize: limit,
        });
        const events = receiver.receiveData(sender.send(new Uint8Array(size).fill(fill)));
        if (size <= limit) {
          assert.equal(events.length, 1);
          assert.equal(events[0].type === "Message" && events[0].data.length, size);
        } else {
          assert.equal(events.length, 1);
          assert.equal(events[0].type === "ProtocolError" && events[0].code, 1009);
        }
        sender.dispose();
        receiver.dispose();
      },
    ),
    { numRuns: 200 },
  );
});
