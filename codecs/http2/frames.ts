/**
 * HTTP/2 frames as values (RFC 9113 §4, §6). The reader produces them, the writer serializes
 * them, and `reader(writer(f))` gives `f` back for every type, padding and priority included.
 */

import type { SettingEntry } from "./settings.ts";

/** Frame type codes on the wire. */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const FRAME_HEADER_SIZE = 9;

/** The 24 octets a client sends first (RFC 9113 §3.4). */
export const CONNECTION_PREFACE: Uint8Array = new TextEncoder().encode(
  "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
);

/** The (deprecated, RFC 9113 §5.3.2) priority fields of HEADERS and PRIORITY frames. */
export interface Priority {
  exclusive: boolean;
  dependsOn: number;
  /** 1-256 (the wire carries weight - 1). */
  weight: number;
}

/** `padLength` is the number of padding octets; `undefined` means the PADDED flag is unset. */
export interface DataFrame {
  type: "DATA";
  streamId: number;
  endStream: boolean;
  data: Uint8Array;
  padLength?: number;
}

export interface HeadersFrame {
  type: "HEADERS";
  streamId: number;
  endStream: boolean;
  endHeaders: boolean;
  /** A fragment of an HPACK header block. */
  fragment: Uint8Array;
  priority?: Priority;
  padLength?: number;
}

export interface PriorityFrame {
  type: "PRIORITY";
  streamId: number;
  priority: Priority;
}

export interface RstStreamFrame {
  type: "RST_STREAM";
  streamId: number;
  errorCode: number;
}

export interface SettingsFrame {
  type: "SETTINGS";
  ack: boolean;
  settings: SettingEntry[];
}

export interface PushPromiseFrame {
  type: "PUSH_PROMISE";
  streamId: number;
  promisedStreamId: number;
  endHeaders: boolean;
  fragment: Uint8Array;
  padLength?: number;
}

export interface PingFrame {
  type: "PING";
  ack: boolean;
  /** Exactly 8 octets. */
  data: Uint8Array;
}

export interface GoawayFrame {
  type: "GOAWAY";
  lastStreamId: number;
  errorCode: number;
  debugData: Uint8Array;
}

export interface WindowUpdateFrame {
  type: "WINDOW_UPDATE";
  streamId: number;
  /** 0 is representable so the connection can reject it (RFC 9113 §6.9). */
  increment: number;
}

export interface ContinuationFrame {
  type: "CONTINUATION";
  streamId: number;
  endHeaders: boolean;
  fragment: Uint8Array;
}

/** A frame of a type this codec does not know; receivers ignore it (RFC 9113 §4.1). */
export interface UnknownFrame {
  type: "UNKNOWN";
  frameType: number;
  flags: number;
  streamId: number;
  payload: Uint8Array;
}

export type Frame =
  | DataFrame
  | HeadersFrame
  | PriorityFrame
  | RstStreamFrame
  | SettingsFrame
  | PushPromiseFrame
  | PingFrame
  | GoawayFrame
  | WindowUpdateFrame
  | ContinuationFrame
  | UnknownFrame;

/**
 * A frame the peer got wrong. Without `streamId` it is a connection error and reading stops;
 * with it, a stream error: the frame was skipped and reading goes on (RFC 9113 §5.4).
 */
export interface FrameError {
  type: "ERROR";
  error: string;
  code: number;
  streamId?: number;
}

/** Octets of a DATA frame counted against flow-control windows: payload with padding. */
export function flowControlledLength(frame: DataFrame): number {
  return frame.data.length + (frame.padLength === undefined ? 0 : frame.padLength + 1);
}
