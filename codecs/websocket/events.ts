/**
 * What `WebSocketConnection.receiveData` reports, in the order it happened on the wire. Data
 * is copied out of the input, so callers may reuse their buffers.
 */

/** A complete data message, reassembled from its fragments and decompressed. */
export interface Message {
  type: "Message";
  opcode: "text" | "binary";
  /** The payload; for text messages valid UTF-8 (decode with `new TextDecoder()`). */
  data: Uint8Array;
  /** Whether the peer sent it permessage-deflate compressed. */
  compressed: boolean;
  /** How many frames carried it (1 when unfragmented). */
  frames: number;
}

/** The peer sent a Ping: answer with `sendPong(data)` (the codec does not do it for you). */
export interface Ping {
  type: "Ping";
  data: Uint8Array;
}

export interface Pong {
  type: "Pong";
  data: Uint8Array;
}

/**
 * The peer sent a Close frame; `code` is 1005 when it carried none. Unless we already sent
 * ours, reply with `sendClose(...)` (commonly the same code) and then close the transport.
 */
export interface Close {
  type: "Close";
  code: number;
  reason: string;
}

/**
 * The peer broke the protocol: nothing more is read. Send `sendClose(code)` unless our Close
 * was already sent, then close the transport. `code` is 1002 (protocol error), 1007 (invalid
 * UTF-8 or DEFLATE data) or 1009 (too big).
 */
export interface ProtocolError {
  type: "ProtocolError";
  code: number;
  message: string;
}

export type WebSocketEvent = Message | Ping | Pong | Close | ProtocolError;
