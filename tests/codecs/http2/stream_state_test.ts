import assert from "node:assert/strict";
import { ErrorCode } from "../../../codecs/http2/error_codes.ts";
import {
  countsAsActive,
  nextStreamState,
  STREAM_TRANSITIONS,
  type StreamInput,
  type StreamState,
} from "../../../codecs/http2/stream_state.ts";

function walk(inputs: StreamInput[], from: StreamState = "idle"): StreamState {
  let s = from;
  for (const i of inputs) {
    const n = nextStreamState(s, i);
    assert.equal(typeof n, "string", `${i} in ${s}: ${JSON.stringify(n)}`);
    s = n as StreamState;
  }
  return s;
}

Deno.test("RFC 9113 §5.1 paths through the diagram", () => {
  assert.equal(
    walk(["sendHeaders", "sendEndStream", "recvHeaders", "recvData", "recvEndStream"]),
    "closed",
  );
  assert.equal(
    walk(["recvHeaders", "recvEndStream", "sendHeaders", "sendData", "sendEndStream"]),
    "closed",
  );
  assert.equal(walk(["sendPushPromise", "sendHeaders", "sendData", "sendEndStream"]), "closed");
  assert.equal(walk(["recvPushPromise", "recvHeaders", "recvEndStream"]), "closed");
  assert.equal(walk(["recvHeaders", "sendRst"]), "closed");
  assert.equal(walk(["sendPushPromise", "recvRst"]), "closed");
  assert.equal(walk(["recvHeaders", "recvWindowUpdate", "sendWindowUpdate"]), "open");
});

Deno.test("rejections name input and state, with the RFC's error codes", () => {
  assert.deepEqual(nextStreamState("half_closed_remote", "recvData"), {
    error: "Invalid input recvData in state half_closed_remote",
    code: ErrorCode.STREAM_CLOSED,
    connection: false,
  });
  assert.deepEqual(nextStreamState("idle", "recvData"), {
    error: "Invalid input recvData in state idle",
    code: ErrorCode.PROTOCOL_ERROR,
    connection: true,
  });
  const r = nextStreamState("reserved_remote", "recvData");
  assert.ok(typeof r !== "string" && r.connection);
  const s = nextStreamState("half_closed_local", "sendData");
  assert.ok(typeof s !== "string" && !s.connection && s.code === ErrorCode.PROTOCOL_ERROR);
});

Deno.test("closed accepts nothing; every state is in the table", () => {
  assert.deepEqual(STREAM_TRANSITIONS.closed, {});
  const states: StreamState[] = [
    "idle",
    "reserved_local",
    "reserved_remote",
    "open",
    "half_closed_local",
    "half_closed_remote",
    "closed",
  ];
  for (const s of states) assert.ok(STREAM_TRANSITIONS[s]);
  assert.deepEqual(states.filter(countsAsActive), [
    "open",
    "half_closed_local",
    "half_closed_remote",
  ]);
});
