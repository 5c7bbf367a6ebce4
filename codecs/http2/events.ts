/**
 * What the connection reports from `receiveData`: facts in the past tense, in the order they
 * happened on the wire. Headers are `[name, value]` latin1 string pairs in received order.
 */

import type { Priority } from "./frames.ts";
import type { HeaderList } from "./header_validation.ts";
import type { SettingEntry, Settings } from "./settings.ts";

interface HeaderEvent {
  streamId: number;
  headers: HeaderList;
  /** Names the peer sent as never-indexed literals; forward them the same way. */
  neverIndexed: readonly string[];
}

/** A server got a request's header section. */
export interface RequestReceived extends HeaderEvent {
  type: "RequestReceived";
  endStream: boolean;
}

/** A client got a final (non-1xx) response header section. */
export interface ResponseReceived extends HeaderEvent {
  type: "ResponseReceived";
  endStream: boolean;
}

/** A client got a 1xx response; the final response follows on the same stream. */
export interface InformationalResponseReceived extends HeaderEvent {
  type: "InformationalResponseReceived";
}

/** A trailer section; the stream's StreamEnded follows. */
export interface TrailersReceived extends HeaderEvent {
  type: "TrailersReceived";
}

/** A client got PUSH_PROMISE: `streamId` is the promised stream, with the pushed request. */
export interface PushedStreamReceived extends HeaderEvent {
  type: "PushedStreamReceived";
  parentStreamId: number;
}

export interface DataReceived {
  type: "DataReceived";
  streamId: number;
  data: Uint8Array;
  /** Octets counted against flow control (data plus padding): pass this to
   * `acknowledgeReceivedData` once the data is consumed. */
  flowControlledLength: number;
  endStream: boolean;
}

/** The peer finished sending on this stream (END_STREAM). */
export interface StreamEnded {
  type: "StreamEnded";
  streamId: number;
}

/**
 * A stream was reset: by the peer (`remote`), or by us because the peer broke a rule on it
 * (then `reason` says which, and RST_STREAM is queued). A locally reset stream may be one the
 * application never saw, such as a refused or malformed request.
 */
export interface StreamReset {
  type: "StreamReset";
  streamId: number;
  errorCode: number;
  remote: boolean;
  reason: string;
}

export interface PriorityUpdated {
  type: "PriorityUpdated";
  streamId: number;
  priority: Priority;
}

/** The peer acknowledged our SETTINGS; `changedSettings` are now in force. */
export interface SettingsAcknowledged {
  type: "SettingsAcknowledged";
  changedSettings: SettingEntry[];
}

/** The peer sent SETTINGS (already acknowledged by the codec). */
export interface RemoteSettingsChanged {
  type: "RemoteSettingsChanged";
  changedSettings: SettingEntry[];
  settings: Readonly<Settings>;
}

/** A PING; the codec queued the ACK. */
export interface PingReceived {
  type: "PingReceived";
  data: Uint8Array;
}

export interface PingAckReceived {
  type: "PingAckReceived";
  data: Uint8Array;
}

/** The peer granted more send window; `streamId` 0 is the connection. */
export interface WindowUpdated {
  type: "WindowUpdated";
  streamId: number;
  delta: number;
}

/**
 * The connection is over for new streams: the peer sent GOAWAY (`remote`), or we detected a
 * connection error (then GOAWAY is queued, `reason` says why and nothing more is processed).
 */
export interface ConnectionTerminated {
  type: "ConnectionTerminated";
  errorCode: number;
  lastStreamId: number;
  additionalData: Uint8Array;
  remote: boolean;
  reason: string;
}

/** A frame of an extension type, ignored by the codec (RFC 9113 §5.5). */
export interface UnknownFrameReceived {
  type: "UnknownFrameReceived";
  frameType: number;
  streamId: number;
  payload: Uint8Array;
}

export type H2Event =
  | RequestReceived
  | ResponseReceived
  | InformationalResponseReceived
  | TrailersReceived
  | PushedStreamReceived
  | DataReceived
  | StreamEnded
  | StreamReset
  | PriorityUpdated
  | SettingsAcknowledged
  | RemoteSettingsChanged
  | PingReceived
  | PingAckReceived
  | WindowUpdated
  | ConnectionTerminated
  | UnknownFrameReceived;
