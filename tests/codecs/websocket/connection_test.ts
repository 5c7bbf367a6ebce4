import assert from "node:assert/strict";
import { WebSocketConnection } from "../../../codecs/websocket/connection.ts";
import {
  CONNECTION_TRANSITIONS,
  type ConnectionInput,
  type ConnectionState,
  nextConnectionState,
} from "../../../codecs/websocket/connection_state.ts";
import { encodeFrame } from "../../../codecs/websocket/frame.ts";
import { Opcode } from "../../../codecs/websocket/opcode.ts";
import { client, concat, hex, protocolError, RFC_MASK, server, utf8 } from "./test_util.ts";

function raw(
  opcode: number,
  payload: Uint8Array,
  fin = true,
  mask: Uint8Array | null = null,
): Uint8Array {
  return encodeFrame({ fin, rsv1: false, rsv2: false, rsv3: false, opcode, payload }, mask);
}

/** Unmasked frames, as a server sends them. */
const fromServer = (opcode: number, payload: Uint8Array, fin = true) => raw(opcode, payload, fin);
/** Masked frames, as a client sends them. */
const fromClient = (opcode: number, payload: Uint8Array, fin = true) =>
  raw(opcode, payload, fin, RFC_MASK);

Deno.test("RFC 6455 §5.7 examples through both connection roles", () => {
  assert.deepEqual(client().receiveData(hex("81 05 48 65 6c 6c 6f")), [
    { type: "Message", opcode: "text", data: utf8("Hello"), compressed: false, frames: 1 },
  ]);
  assert.deepEqual(server().receiveData(hex("81 85 37 fa 21 3d 7f 9f 4d 51 58")), [
    { type: "Message", opcode: "text", data: utf8("Hello"), compressed: false, frames: 1 },
  ]);
  assert.deepEqual(client().receiveData(hex("01 03 48 65 6c 80 02 6c 6f")), [
    { type: "Message", opcode: "text", data: utf8("Hello"), compressed: false, frames: 2 },
  ]);
  assert.deepEqual(client().receiveData(hex("89 05 48 65 6c 6c 6f")), [{
    type: "Ping",
    data: utf8("Hello"),
  }]);
  assert.deepEqual(server().receiveData(hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58")), [
    { type: "Pong", data: utf8("Hello") },
  ]);
});

Deno.test("sending reproduces RFC 6455 §5.7 byte for byte", () => {
  const masked = new WebSocketConnection({ role: "client", maskKey: () => RFC_MASK });
  assert.deepEqual(masked.send("Hello"), hex("81 85 37 fa 21 3d 7f 9f 4d 51 58"));
  assert.deepEqual(masked.sendPong(utf8("Hello")), hex("8a 85 37 fa 21 3d 7f 9f 4d 51 58"));
  const s = server();
  assert.deepEqual(s.send("Hello"), hex("81 05 48 65 6c 6c 6f"));
  assert.deepEqual(s.sendPing(utf8("Hello")), hex("89 05 48 65 6c 6c 6f"));
  const fragmenting = server({ fragmentOutgoing: 3 });
  assert.deepEqual(fragmenting.send("Hello"), hex("01 03 48 65 6c 80 02 6c 6f"));
  assert.deepEqual(s.send(new Uint8Array(256)).subarray(0, 4), hex("82 7e 01 00"));
});

Deno.test("a client masks every frame with a fresh key from maskKey", () => {
  const keys = [hex("01 02 03 04"), hex("05 06 07 08")];
  let calls = 0;
  const c = new WebSocketConnection({
    role: "client",
    maskKey: () => keys[calls++],
    fragmentOutgoing: 2,
  });
  const wire = c.send("abc");
  assert.equal(calls, 2);
  assert.deepEqual(wire.subarray(0, 6), hex("01 82 01 02 03 04"));
  assert.deepEqual(server().receiveData(wire), [
    { type: "Message", opcode: "text", data: utf8("abc"), compressed: false, frames: 2 },
  ]);
  assert.throws(() => new WebSocketConnection({ role: "client" }), /pass maskKey/);
  assert.throws(
    () => new WebSocketConnection({ role: "client", maskKey: () => new Uint8Array(2) }).send("x"),
    /4 bytes/,
  );
});

Deno.test("fragments with interleaved control frames make one message", () => {
  const c = client();
  const wire = concat([
    fromServer(Opcode.BINARY, hex("01 02"), false),
    fromServer(Opcode.PING, utf8("p1")),
    fromServer(Opcode.CONTINUATION, hex("03"), false),
    fromServer(Opcode.PONG, utf8("p2")),
    fromServer(Opcode.CONTINUATION, new Uint8Array(0), false),
    fromServer(Opcode.CONTINUATION, hex("04 05")),
    fromServer(Opcode.TEXT, utf8("next")),
  ]);
  assert.deepEqual(c.receiveData(wire), [
    { type: "Ping", data: utf8("p1") },
    { type: "Pong", data: utf8("p2") },
    {
      type: "Message",
      opcode: "binary",
      data: hex("01 02 03 04 05"),
      compressed: false,
      frames: 4,
    },
    { type: "Message", opcode: "text", data: utf8("next"), compressed: false, frames: 1 },
  ]);
});

Deno.test("UTF-8 is checked across fragments: a character may straddle them", () => {
  const euro = utf8("€"); // e2 82 ac
  const c = client();
  assert.deepEqual(
    c.receiveData(concat([
      fromServer(Opcode.TEXT, euro.subarray(0, 1), false),
      fromServer(Opcode.CONTINUATION, euro.subarray(1, 2), false),
      fromServer(Opcode.CONTINUATION, euro.subarray(2)),
    ])),
    [{ type: "Message", opcode: "text", data: euro, compressed: false, frames: 3 }],
  );
});

Deno.test("invalid UTF-8 fails as soon as it arrives, before the message ends (1007)", () => {
  const c = client();
  const events = c.receiveData(fromServer(Opcode.TEXT, hex("48 65 c0 af"), false));
  assert.deepEqual(protocolError(events), {
    code: 1007,
    message: "text message is not valid UTF-8",
  });
  assert.equal(c.state, "failed");
  assert.deepEqual(c.receiveData(fromServer(Opcode.CONTINUATION, utf8("x"))), [], "nothing after");
  for (const bad of ["ed a0 80", "f4 90 80 80", "e0 80 80", "ff"]) {
    assert.equal(
      protocolError(client().receiveData(fromServer(Opcode.TEXT, hex(bad)))).code,
      1007,
      bad,
    );
  }
  assert.deepEqual(protocolError(client().receiveData(fromServer(Opcode.TEXT, hex("e2 82")))), {
    code: 1007,
    message: "text message ends inside a UTF-8 sequence",
  });
  // Binary messages are not checked.
  assert.equal(client().receiveData(fromServer(Opcode.BINARY, hex("ff")))[0].type, "Message");
});

Deno.test("fragment sequence errors are 1002", () => {
  assert.deepEqual(
    protocolError(client().receiveData(fromServer(Opcode.CONTINUATION, utf8("x")))),
    {
      code: 1002,
      message: "CONTINUATION frame without a fragmented message to continue",
    },
  );
  const events = client().receiveData(concat([
    fromServer(Opcode.TEXT, utf8("a"), false),
    fromServer(Opcode.BINARY, utf8("b")),
  ]));
  assert.deepEqual(protocolError(events), {
    code: 1002,
    message: "BINARY frame while a fragmented message is unfinished (expected CONTINUATION)",
  });
});

Deno.test("maxMessageSize counts the whole message, maxFrameSize each frame (1009)", () => {
  const limited = client({ maxMessageSize: 10 });
  assert.equal(
    limited.receiveData(fromServer(Opcode.BINARY, new Uint8Array(10)))[0].type,
    "Message",
  );
  const events = limited.receiveData(concat([
    fromServer(Opcode.BINARY, new Uint8Array(6), false),
    fromServer(Opcode.CONTINUATION, new Uint8Array(5)),
  ]));
  assert.equal(protocolError(events).code, 1009);
  assert.match(protocolError(events).message, /exceeds the maximum message size 10/);
  const frames = client({ maxFrameSize: 4, maxMessageSize: 100 });
  // Control frames answer to their own 125-byte rule instead.
  assert.deepEqual(frames.receiveData(fromServer(Opcode.PING, new Uint8Array(20))), [
    { type: "Ping", data: new Uint8Array(20) },
  ]);
  const tooBig = frames.receiveData(fromServer(Opcode.BINARY, new Uint8Array(5)));
  assert.equal(protocolError(tooBig).code, 1009);
});

Deno.test("Close payloads: code and reason, 1005 for none, bad codes 1002, bad reason 1007", () => {
  const closeWith = (payload: Uint8Array) =>
    client().receiveData(fromServer(Opcode.CLOSE, payload));
  assert.deepEqual(closeWith(new Uint8Array(0)), [{ type: "Close", code: 1005, reason: "" }]);
  assert.deepEqual(closeWith(concat([hex("03 e8"), utf8("bye ✓")])), [
    { type: "Close", code: 1000, reason: "bye ✓" },
  ]);
  for (
    const code of [
      1000,
      1001,
      1002,
      1003,
      1007,
      1008,
      1009,
      1010,
      1011,
      1012,
      1013,
      1014,
      3000,
      4999,
    ]
  ) {
    assert.equal(closeWith(new Uint8Array([code >> 8, code & 0xff]))[0].type, "Close", `${code}`);
  }
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535]) {
    const error = protocolError(closeWith(new Uint8Array([code >> 8, code & 0xff])));
    assert.equal(error.code, 1002, `${code}`);
    assert.match(error.message, new RegExp(`status code ${code}`));
  }
  assert.equal(protocolError(closeWith(hex("03"))).code, 1002);
  assert.deepEqual(protocolError(closeWith(hex("03 e8 ff"))), {
    code: 1007,
    message: "Close frame reason is not valid UTF-8",
  });
});

Deno.test("closing handshake started by us: local_closing, then closed on the peer's Close", () => {
  const c = client();
  const s = server();
  const close = c.sendClose(1000, "done");
  assert.equal(c.state, "local_closing");
  assert.throws(() => c.send("late"), /Invalid input sendMessage in state local_closing/);
  assert.throws(() => c.sendPing(), /Invalid input sendPing in state local_closing/);
  assert.deepEqual(s.receiveData(close), [{ type: "Close", code: 1000, reason: "done" }]);
  assert.equal(s.state, "remote_closing");
  // The other side may still send what it had in flight, then answers.
  const late = s.send("in flight");
  const answer = s.sendClose(1000);
  assert.equal(s.state, "closed");
  assert.deepEqual(c.receiveData(concat([late, answer])), [
    { type: "Message", opcode: "text", data: utf8("in flight"), compressed: false, frames: 1 },
    { type: "Close", code: 1000, reason: "" },
  ]);
  assert.equal(c.state, "closed");
  assert.throws(() => s.sendClose(1000), /Invalid input sendClose in state closed/);
});

Deno.test("an empty Close is reported as 1005", () => {
  const s = server();
  assert.deepEqual(s.receiveData(client().sendClose()), [{
    type: "Close",
    code: 1005,
    reason: "",
  }]);
  assert.deepEqual(s.sendClose(), hex("88 00"));
});

Deno.test("frames after the peer's Close are protocol errors", () => {
  const c = client();
  const events = c.receiveData(
    concat([fromServer(Opcode.CLOSE, hex("03 e8")), fromServer(Opcode.TEXT, utf8("x"))]),
  );
  assert.equal(events[0].type, "Close");
  assert.deepEqual(protocolError(events), {
    code: 1002,
    message:
      "Invalid input recvMessage in state remote_closing (the peer sent Close and sends nothing more)",
  });
  assert.equal(c.state, "failed");
  assert.equal(c.sendClose(1002).length, 8);
  assert.equal(c.state, "closed");
});

Deno.test("after a protocol error only our Close may go out", () => {
  const s = server();
  const events = s.receiveData(fromServer(Opcode.TEXT, utf8("unmasked")));
  assert.deepEqual(protocolError(events), {
    code: 1002,
    message: "unmasked frame from the client: clients must mask every frame",
  });
  assert.equal(s.state, "failed");
  assert.throws(() => s.send("x"), /Invalid input sendMessage in state failed \(the peer broke/);
  assert.throws(() => s.sendPong(), /Invalid input sendPong in state failed/);
  assert.deepEqual(s.sendClose(1002, "masking"), concat([hex("88 09 03 ea"), utf8("masking")]));
  assert.equal(s.state, "closed");
  assert.deepEqual(s.receiveData(fromClient(Opcode.TEXT, utf8("x"))), []);
});

Deno.test("a protocol error while our Close is out ends the connection", () => {
  const c = client();
  c.sendClose(1001);
  assert.equal(protocolError(c.receiveData(hex("83 00"))).code, 1002);
  assert.equal(c.state, "closed");
});

Deno.test("misuse throws with a message that says what to do", () => {
  const s = server();
  assert.throws(
    () => s.sendPing(new Uint8Array(126)),
    /control frame payload of 126 bytes exceeds 125/,
  );
  assert.throws(() => s.sendClose(1005), /close code 1005 may not be sent/);
  assert.throws(() => s.sendClose(999), /may not be sent/);
  assert.throws(() => s.sendClose(undefined, "why"), /a close reason needs a status code/);
  assert.throws(() => s.sendClose(1000, "x".repeat(124)), /124 UTF-8 bytes exceeds 123/);
  assert.equal(s.state, "open", "refused calls change nothing");
  assert.equal(s.sendClose(1000, "x".repeat(123)).length, 2 + 2 + 123);
  assert.throws(
    () => server({ maxMessageSize: -1 }),
    /maxMessageSize must be a non-negative integer/,
  );
  assert.throws(() => server({ fragmentOutgoing: 1.5 }), /fragmentOutgoing/);
});

Deno.test("send options: text or binary from strings or bytes, explicit opcode", () => {
  const s = server();
  const c = client();
  const wire = concat([
    s.send("τ"),
    s.send(hex("00 ff")),
    s.send({ opcode: "binary", data: "as bytes" }),
    s.send({ opcode: "text", data: utf8("from bytes") }),
    s.send(""),
    s.send(new Uint8Array(0)),
  ]);
  assert.deepEqual(c.receiveData(wire).map((e) => e.type === "Message" && [e.opcode, e.data]), [
    ["text", utf8("τ")],
    ["binary", hex("00 ff")],
    ["binary", utf8("as bytes")],
    ["text", utf8("from bytes")],
    ["text", new Uint8Array(0)],
    ["binary", new Uint8Array(0)],
  ]);
});

Deno.test("fragmentOutgoing splits large messages into frames of at most that size", () => {
  const s = server({ fragmentOutgoing: 1000 });
  const data = new Uint8Array(2500).map((_, i) => i);
  const wire = s.send(data);
  assert.equal(wire.length, 2500 + 3 * 4);
  assert.deepEqual(wire.subarray(0, 2), hex("02 7e"));
  assert.deepEqual(wire.subarray(1004, 1006), hex("00 7e"));
  assert.deepEqual(wire.subarray(2008, 2010), hex("80 7e"));
  assert.deepEqual(client().receiveData(wire), [
    { type: "Message", opcode: "binary", data, compressed: false, frames: 3 },
  ]);
});

Deno.test("every (state, input) pair is in the table or refused with a message naming both", () => {
  const states = Object.keys(CONNECTION_TRANSITIONS) as ConnectionState[];
  const inputs: ConnectionInput[] = [
    "sendMessage",
    "sendPing",
    "sendPong",
    "sendClose",
    "recvMessage",
    "recvPing",
    "recvPong",
    "recvClose",
    "recvError",
  ];
  for (const state of states) {
    for (const input of inputs) {
      const next = nextConnectionState(state, input);
      const row: Partial<Record<ConnectionInput, ConnectionState>> = CONNECTION_TRANSITIONS[state];
      if (row[input]) assert.equal(next, row[input]);
      else {assert.match(
          (next as { error: string }).error,
          new RegExp(`Invalid input ${input} in state ${state}`),
        );}
    }
  }
  // Nothing but our Close leaves failed, and closed accepts nothing of ours.
  assert.deepEqual(Object.keys(CONNECTION_TRANSITIONS.failed), ["sendClose"]);
  assert.ok(Object.keys(CONNECTION_TRANSITIONS.closed).every((i) => i.startsWith("recv")));
});

Deno.test("frames after the closing handshake are protocol errors too", () => {
  const c = client();
  c.sendClose(1000);
  const events = c.receiveData(concat([
    fromServer(Opcode.CLOSE, hex("03 e8")),
    fromServer(Opcode.PING, new Uint8Array(0)),
  ]));
  assert.deepEqual(events[0], { type: "Close", code: 1000, reason: "" });
  assert.match(protocolError(events).message, /Invalid input recvPing in state closed/);
  assert.equal(c.state, "closed");
});
