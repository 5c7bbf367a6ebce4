/**
 * HTTP/2 stream states (RFC 9113 §5.1) as a transition table.
 *
 * Rules, from the RFC's diagram:
 * - idle: HEADERS opens the stream; a PUSH_PROMISE (sent on another stream) reserves it.
 * - reserved (local/remote): only the reserving side's HEADERS moves it to half-closed, and
 *   only the receiving side sends WINDOW_UPDATE; RST_STREAM closes it.
 * - open: both sides send; END_STREAM half-closes the sender's side.
 * - half-closed (local): we are done sending, the peer goes on until its END_STREAM.
 * - half-closed (remote): the peer is done; its further DATA/HEADERS are STREAM_CLOSED errors.
 * - closed: nothing but PRIORITY. Closed streams leave the connection's map at once; a bounded
 *   record of recent ones decides how late frames are treated (see `closed_streams.ts`).
 * PRIORITY frames are valid in every state and never change it, so they are not inputs here.
 *
 * An (state, input) pair not in the table is rejected with a message naming both: a protocol
 * error when the peer caused it, an exception when our own code did.
 */

import { ErrorCode } from "./error_codes.ts";

export type StreamState =
  | "idle"
  | "reserved_local"
  | "reserved_remote"
  | "open"
  | "half_closed_local"
  | "half_closed_remote"
  | "closed";

export type StreamInput =
  | "sendHeaders"
  | "recvHeaders"
  | "sendPushPromise"
  | "recvPushPromise"
  | "sendData"
  | "recvData"
  | "sendEndStream"
  | "recvEndStream"
  | "sendWindowUpdate"
  | "recvWindowUpdate"
  | "sendRst"
  | "recvRst";

type Row = Partial<Record<StreamInput, StreamState>>;

export const STREAM_TRANSITIONS: Readonly<Record<StreamState, Row>> = {
  idle: {
    sendHeaders: "open",
    recvHeaders: "open",
    sendPushPromise: "reserved_local",
    recvPushPromise: "reserved_remote",
  },
  reserved_local: {
    sendHeaders: "half_closed_remote",
    recvWindowUpdate: "reserved_local",
    sendRst: "closed",
    recvRst: "closed",
  },
  reserved_remote: {
    recvHeaders: "half_closed_local",
    sendWindowUpdate: "reserved_remote",
    sendRst: "closed",
    recvRst: "closed",
  },
  open: {
    sendHeaders: "open",
    recvHeaders: "open",
    sendData: "open",
    recvData: "open",
    sendEndStream: "half_closed_local",
    recvEndStream: "half_closed_remote",
    sendWindowUpdate: "open",
    recvWindowUpdate: "open",
    sendRst: "closed",
    recvRst: "closed",
  },
  half_closed_local: {
    recvHeaders: "half_closed_local",
    recvData: "half_closed_local",
    recvEndStream: "closed",
    sendWindowUpdate: "half_closed_local",
    recvWindowUpdate: "half_closed_local",
    sendRst: "closed",
    recvRst: "closed",
  },
  half_closed_remote: {
    sendHeaders: "half_closed_remote",
    sendData: "half_closed_remote",
    sendEndStream: "closed",
    sendWindowUpdate: "half_closed_remote",
    recvWindowUpdate: "half_closed_remote",
    sendRst: "closed",
    recvRst: "closed",
  },
  closed: {},
};

/** A rejected transition: a stream error unless `connection` says the whole connection. */
export interface StreamStateError {
  error: string;
  code: number;
  connection: boolean;
}

/** The state after `input`, or why `input` is not allowed in `state`. */
export function nextStreamState(
  state: StreamState,
  input: StreamInput,
): StreamState | StreamStateError {
  const next = STREAM_TRANSITIONS[state][input];
  if (next !== undefined) return next;
  const error = `Invalid input ${input} in state ${state}`;
  // RFC 9113 §5.1: frames after the peer's END_STREAM are STREAM_CLOSED; unexpected frames on
  // idle and reserved streams are connection errors.
  if (state === "half_closed_remote" || state === "closed") {
    return { error, code: ErrorCode.STREAM_CLOSED, connection: false };
  }
  const connection = state === "idle" || state === "reserved_remote" ||
    state === "reserved_local";
  return { error, code: ErrorCode.PROTOCOL_ERROR, connection };
}

/** Streams in these states count toward SETTINGS_MAX_CONCURRENT_STREAMS (RFC 9113 §5.1.2). */
export function countsAsActive(state: StreamState): boolean {
  return state === "open" || state === "half_closed_local" || state === "half_closed_remote";
}
