/** Per-stream bookkeeping kept by the connection while a stream is not closed. */

import type { StreamState } from "./stream_state.ts";

export class H2Stream {
  readonly id: number;
  /** True when we opened or reserved it. */
  readonly local: boolean;
  state: StreamState = "idle";
  /** Octets we may still send (may go negative after a SETTINGS change, RFC 9113 §6.9.2). */
  sendWindow: number;
  /** Octets the peer may still send. */
  recvWindow: number;
  /** Octets the application consumed that no WINDOW_UPDATE has returned yet. */
  recvUnacked = 0;
  sentFinalHeaders = false;
  recvFinalHeaders = false;
  /** The peer's content-length, or -1 when absent or not applicable (HEAD, 204, 304). */
  expectedLength = -1;
  receivedLength = 0;
  /** Request method, known to clients for their requests and to both for pushes. */
  method = "";

  constructor(id: number, local: boolean, sendWindow: number, recvWindow: number) {
    this.id = id;
    this.local = local;
    this.sendWindow = sendWindow;
    this.recvWindow = recvWindow;
  }
}
