/** State shared by `H2Connection` (sending) and `ReceiveHandler` (receiving). */

import { latin1Encode } from "../bytes.ts";
import { ClosedHow, ClosedStreams } from "./closed_streams.ts";
import {
  type H2ConnectionOptions,
  type ResolvedOptions,
  resolveOptions,
  type Role,
} from "./connection_options.ts";
import type { H2Event } from "./events.ts";
import { FloodGuard, type FloodKind } from "./flood_guard.ts";
import { ErrorCode } from "./error_codes.ts";
import { FrameReader } from "./frame_reader.ts";
import { encodeFrame } from "./frame_writer.ts";
import type { Frame } from "./frames.ts";
import { HpackDecoder } from "./hpack/decoder.ts";
import { HpackEncoder } from "./hpack/encoder.ts";
import { LocalSettings } from "./local_settings.ts";
import { DEFAULT_SETTINGS, type Settings } from "./settings.ts";
import type { H2Stream } from "./stream.ts";
import { countsAsActive, type StreamState } from "./stream_state.ts";

/** Not part of the public API: `H2Connection` wraps it. */
export class ConnectionCore {
  readonly role: Role;
  readonly opts: ResolvedOptions;
  readonly reader: FrameReader;
  readonly encoder: HpackEncoder;
  readonly decoder: HpackDecoder;
  readonly local = new LocalSettings();
  remote: Settings = { ...DEFAULT_SETTINGS };
  readonly streams = new Map<number, H2Stream>();
  readonly closed: ClosedStreams;
  readonly flood: FloodGuard;
  out: Uint8Array[] = [];
  events: H2Event[] = [];
  gotRemoteSettings = false;
  /** Highest stream id the peer opened or promised (RFC 9113 §5.1.1). */
  highestPeer = 0;
  highestLocal = 0;
  openLocal = 0;
  openRemote = 0;
  connSendWindow = 65535;
  connRecvWindow = 65535;
  connRecvUnacked = 0;
  /** last-stream-id of GOAWAY frames sent and received, or -1. */
  goawaySent = -1;
  goawayReceived = -1;
  /** Set once a connection error was detected or sent: nothing more is processed. */
  dead = false;

  constructor(options: H2ConnectionOptions) {
    this.opts = resolveOptions(options);
    this.role = this.opts.role;
    this.reader = new FrameReader({ expectPreface: this.role === "server" });
    this.encoder = new HpackEncoder({
      maxTableSize: this.opts.maxEncoderTableSize,
      huffman: this.opts.huffman,
    });
    this.decoder = new HpackDecoder();
    this.closed = new ClosedStreams(this.opts.closedStreamsRemembered);
    this.flood = new FloodGuard(this.opts.flood);
  }

  queue(frame: Frame): void {
    this.out.push(encodeFrame(frame));
  }

  isPeerParity(id: number): boolean {
    return (id % 2 === 1) === (this.role === "server");
  }

  isIdle(id: number): boolean {
    return id > (this.isPeerParity(id) ? this.highestPeer : this.highestLocal);
  }

  /** Moves a stream to `next`, keeping the active counts and dropping it once closed. */
  setState(stream: H2Stream, next: StreamState, how: ClosedHow = ClosedHow.ENDED): void {
    const was = countsAsActive(stream.state);
    const is = countsAsActive(next);
    if (was !== is) {
      const d = is ? 1 : -1;
      if (stream.local) this.openLocal += d;
      else this.openRemote += d;
    }
    stream.state = next;
    if (next === "closed") {
      this.streams.delete(stream.id);
      this.closed.add(stream.id, how);
    }
  }

  /** Resets a stream because of the peer: RST_STREAM, and StreamReset when `report`. */
  streamError(streamId: number, code: number, reason: string, report = true): void {
    this.queue({ type: "RST_STREAM", streamId, errorCode: code });
    const stream = this.streams.get(streamId);
    if (stream) this.setState(stream, "closed", ClosedHow.RESET_SENT);
    else this.closed.add(streamId, ClosedHow.RESET_SENT);
    if (report) {
      this.events.push({ type: "StreamReset", streamId, errorCode: code, remote: false, reason });
    }
  }

  /** Ends the connection because of the peer: GOAWAY, ConnectionTerminated, no more input. */
  connectionError(code: number, reason: string): void {
    if (this.dead) return;
    const debugData = latin1Encode(reason.slice(0, 1024));
    // A later GOAWAY must not raise the last-stream-id of an earlier one (RFC 9113 §6.8).
    const last = this.goawaySent >= 0
      ? Math.min(this.goawaySent, this.highestPeer)
      : this.highestPeer;
    this.queue({ type: "GOAWAY", lastStreamId: last, errorCode: code, debugData });
    this.goawaySent = last;
    this.dead = true;
    this.events.push({
      type: "ConnectionTerminated",
      errorCode: code,
      lastStreamId: last,
      additionalData: debugData,
      remote: false,
      reason,
    });
  }

  /** Counts a frame toward flood limits; past one, ends the connection and returns true. */
  flooded(kind: FloodKind): boolean {
    const reason = this.flood.count(kind);
    if (reason === null) return false;
    this.connectionError(ErrorCode.ENHANCE_YOUR_CALM, reason);
    return true;
  }

  /** Returns consumed octets to the connection window, with WINDOW_UPDATE past half of it. */
  creditConnection(n: number): void {
    this.connRecvUnacked += n;
    if (this.connRecvUnacked >= this.opts.connectionWindow / 2 && !this.dead) {
      this.queue({ type: "WINDOW_UPDATE", streamId: 0, increment: this.connRecvUnacked });
      this.connRecvWindow += this.connRecvUnacked;
      this.connRecvUnacked = 0;
    }
  }

  /** Applies a change of our effective settings to the reader, decoder and open streams. */
  applyLocal(before: Readonly<Settings>): void {
    const now = this.local.effective;
    this.reader.maxFrameSize = now.maxFrameSize;
    this.decoder.setMaxAllowedTableSize(now.headerTableSize);
    this.decoder.maxHeaderListSize = now.maxHeaderListSize;
    const delta = now.initialWindowSize - before.initialWindowSize;
    if (delta !== 0) { for (const s of this.streams.values()) s.recvWindow += delta; }
  }
}
