/**
 * WebSocket connection states (RFC 6455 §7) as a transition table.
 *
 * Rules:
 * - open: both sides send and receive. Our Close moves to local_closing, the peer's Close to
 *   remote_closing.
 * - local_closing: our Close is out, so we send nothing more (§5.5.1); the peer's data still
 *   arrives until its Close, which ends the connection (closed).
 * - remote_closing: the peer's Close arrived, so it sends nothing more; we may still send (a
 *   proxy relays what the other side had in flight) until our Close (closed).
 * - failed: we detected a protocol error; only our Close may still go out (closed).
 * - closed: both Close frames are through. Nothing is sent; received frames are errors.
 * A protocol error (recvError) is allowed everywhere the peer can still be heard from.
 *
 * A (state, input) pair not in the table is refused with a message naming both: a
 * ProtocolError when the peer caused it, an exception when our own code did.
 */

export type ConnectionState = "open" | "local_closing" | "remote_closing" | "failed" | "closed";

export type ConnectionInput =
  | "sendMessage"
  | "sendPing"
  | "sendPong"
  | "sendClose"
  | "recvMessage"
  | "recvPing"
  | "recvPong"
  | "recvClose"
  | "recvError";

type Row = Partial<Record<ConnectionInput, ConnectionState>>;

export const CONNECTION_TRANSITIONS: Readonly<Record<ConnectionState, Row>> = {
  open: {
    sendMessage: "open",
    sendPing: "open",
    sendPong: "open",
    sendClose: "local_closing",
    recvMessage: "open",
    recvPing: "open",
    recvPong: "open",
    recvClose: "remote_closing",
    recvError: "failed",
  },
  local_closing: {
    recvMessage: "local_closing",
    recvPing: "local_closing",
    recvPong: "local_closing",
    recvClose: "closed",
    recvError: "closed",
  },
  remote_closing: {
    sendMessage: "remote_closing",
    sendPing: "remote_closing",
    sendPong: "remote_closing",
    sendClose: "closed",
    recvError: "failed",
  },
  failed: {
    sendClose: "closed",
  },
  closed: {
    recvError: "closed",
  },
};

/** Why each state refuses what it refuses, to make exceptions say how to fix the call. */
const HINTS: Readonly<Record<ConnectionState, string>> = {
  open: "",
  local_closing: "our Close frame was already sent, nothing may follow it",
  remote_closing: "the peer sent Close and sends nothing more",
  failed: "the peer broke the protocol: send Close with the ProtocolError's code, then hang up",
  closed: "the closing handshake is complete: close the transport",
};

/** The state after `input`, or the error message when `input` is not allowed in `state`. */
export function nextConnectionState(
  state: ConnectionState,
  input: ConnectionInput,
): ConnectionState | { error: string } {
  const next = CONNECTION_TRANSITIONS[state][input];
  if (next !== undefined) return next;
  const hint = HINTS[state];
  return { error: `Invalid input ${input} in state ${state}${hint ? ` (${hint})` : ""}` };
}
