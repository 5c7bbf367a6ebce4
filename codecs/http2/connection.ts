/**
 * A sans-io HTTP/2 connection (RFC 9113) in the style of python-hyper's h2: feed received
 * bytes to `receiveData` and get events; call `send*` methods to queue frames; take the bytes
 * to write with `dataToSend`. No I/O, clock or randomness.
 *
 * Peers' mistakes never throw: a stream error queues RST_STREAM and reports StreamReset, a
 * connection error queues GOAWAY, reports ConnectionTerminated and stops processing. Our own
 * misuse (sending on a closed stream, past the flow-control window, malformed headers) throws.
 *
 * @example
 * ```ts
 * const client = new H2Connection({ role: "client" });
 * client.initiateConnection();
 * const id = client.getNextAvailableStreamId();
 * client.sendHeaders(id, [[":method", "GET"], [":scheme", "https"], [":path", "/"],
 *   [":authority", "example.com"]], { endStream: true });
 * const bytes = client.dataToSend(); // write these to the socket
 * ```
 */

import { concatBytes } from "../bytes.ts";
import { ClosedHow } from "./closed_streams.ts";
import { ConnectionCore } from "./connection_core.ts";
import type { H2ConnectionOptions, Role } from "./connection_options.ts";
import { ErrorCode } from "./error_codes.ts";
import type { H2Event } from "./events.ts";
import { dataFrameHeader, headerBlockFrames, pushPromiseFrames } from "./frame_writer.ts";
import { CONNECTION_PREFACE, type Priority } from "./frames.ts";
import {
  type HeaderList,
  validateRequest,
  validateResponse,
  validateTrailers,
} from "./header_validation.ts";
import { ReceiveHandler } from "./receive.ts";
import { MAX_WINDOW_SIZE, type Settings } from "./settings.ts";
import { H2Stream } from "./stream.ts";
import { nextStreamState, type StreamState } from "./stream_state.ts";

export interface SendHeadersOptions {
  endStream?: boolean;
  priority?: Priority;
  /** Padding octets (0-255) in the HEADERS frame. */
  padLength?: number;
  /** Names sent as never-indexed literals (pass on what `neverIndexed` reported). */
  neverIndex?: ReadonlySet<string>;
}

export interface SendDataOptions {
  endStream?: boolean;
  /** Padding octets (0-255); the data must then fit in one frame. */
  padLength?: number;
}

export interface CloseOptions {
  lastStreamId?: number;
  debugData?: Uint8Array;
}

const EMPTY = new Uint8Array(0);

export class H2Connection {
  readonly #c: ConnectionCore;
  readonly #receiver: ReceiveHandler;
  #initiated = false;

  constructor(options: H2ConnectionOptions) {
    this.#c = new ConnectionCore(options);
    this.#receiver = new ReceiveHandler(this.#c);
  }

  get role(): Role {
    return this.#c.role;
  }

  /** Our settings as acknowledged by the peer. */
  get localSettings(): Readonly<Settings> {
    return this.#c.local.acked;
  }

  get remoteSettings(): Readonly<Settings> {
    return this.#c.remote;
  }

  /** True after a connection error, or after we sent GOAWAY with an error code. */
  get isClosed(): boolean {
    return this.#c.dead;
  }

  /** Streams we opened that count toward the peer's SETTINGS_MAX_CONCURRENT_STREAMS. */
  get openOutboundStreams(): number {
    return this.#c.openLocal;
  }

  get openInboundStreams(): number {
    return this.#c.openRemote;
  }

  /** Streams currently tracked (not closed); closed ones are dropped at once. */
  get trackedStreams(): number {
    return this.#c.streams.size;
  }

  /** Closed stream ids remembered for late frames (bounded by closedStreamsRemembered). */
  get rememberedClosedStreams(): number {
    return this.#c.closed.size;
  }

  /** Largest DATA payload the peer accepts in one frame. */
  get maxOutboundFrameSize(): number {
    return this.#c.remote.maxFrameSize;
  }

  /** Queues the preface (clients), our SETTINGS and the connection WINDOW_UPDATE. */
  initiateConnection(): void {
    if (this.#initiated) throw new Error("initiateConnection() was already called");
    this.#initiated = true;
    const c = this.#c;
    if (c.role === "client") c.out.push(CONNECTION_PREFACE);
    const before = c.local.effective;
    const settings = c.local.send(c.opts.settings);
    c.queue({ type: "SETTINGS", ack: false, settings });
    c.applyLocal(before);
    const grow = c.opts.connectionWindow - c.connRecvWindow;
    if (grow > 0) {
      c.queue({ type: "WINDOW_UPDATE", streamId: 0, increment: grow });
      c.connRecvWindow += grow;
    }
  }

  /** Processes received bytes (any split) and returns what happened. */
  receiveData(data: Uint8Array): H2Event[] {
    this.#mustBeInitiated();
    return this.#receiver.receive(data);
  }

  /** The bytes queued since the last call; data passed to `sendData` is referenced until then. */
  dataToSend(): Uint8Array {
    const out = this.#c.out;
    if (out.length === 0) return EMPTY;
    this.#c.out = [];
    return concatBytes(out);
  }

  /** The next id we may open a stream with (odd for clients, even for server pushes). */
  getNextAvailableStreamId(): number {
    const h = this.#c.highestLocal;
    const odd = this.#c.role === "client";
    if (h === 0) return odd ? 1 : 2;
    return h + 2;
  }

  /** Our view of a stream's state; streams no longer tracked are "closed". */
  streamState(streamId: number): StreamState {
    const s = this.#c.streams.get(streamId);
    if (s) return s.state;
    return this.#c.isIdle(streamId) ? "idle" : "closed";
  }

  /** Octets we may send on the stream now: the smaller of stream and connection windows. */
  localFlowControlWindow(streamId: number): number {
    const s = this.#c.streams.get(streamId);
    if (!s) throw new Error(`stream ${streamId} is not open (state ${this.streamState(streamId)})`);
    return Math.max(0, Math.min(s.sendWindow, this.#c.connSendWindow));
  }

  /** Octets the peer may still send on the stream (0 for the connection window). */
  remoteFlowControlWindow(streamId: number): number {
    if (streamId === 0) return this.#c.connRecvWindow;
    return this.#c.streams.get(streamId)?.recvWindow ?? 0;
  }

  /**
   * Sends a header section: a request (clients, opening the stream), a response (servers), a
   * 1xx response, or trailers (then `endStream` is required).
   */
  sendHeaders(streamId: number, headers: HeaderList, options: SendHeadersOptions = {}): void {
    const c = this.#mustBeOpen();
    const endStream = options.endStream ?? false;
    let stream = c.streams.get(streamId);
    let finalHeaders = true;
    if (!stream) {
      if (c.role !== "client" || !c.isIdle(streamId) || c.isPeerParity(streamId)) {
        throw new Error(
          `cannot send HEADERS on stream ${streamId} in state ${this.streamState(streamId)}` +
            (c.role === "client" ? "; use getNextAvailableStreamId()" : ""),
        );
      }
      if (c.goawayReceived >= 0) throw new Error("the peer sent GOAWAY: open no new streams");
      if (c.openLocal >= c.remote.maxConcurrentStreams) {
        throw new Error(
          `the peer allows ${c.remote.maxConcurrentStreams} concurrent streams; wait for one ` +
            "to close",
        );
      }
      const info = validateRequest(headers, c.remote.enableConnectProtocol);
      if ("error" in info) {
        if (c.opts.validateOutbound) throw new Error(`invalid request headers: ${info.error}`);
      }
      stream = new H2Stream(
        streamId,
        true,
        c.remote.initialWindowSize,
        c.local.effective.initialWindowSize,
      );
      stream.method = "error" in info ? "" : info.method;
      c.streams.set(streamId, stream);
      c.highestLocal = streamId;
    } else if (stream.sentFinalHeaders) {
      if (!endStream) throw new Error(`trailers on stream ${streamId} need endStream: true`);
      const bad = validateTrailers(headers);
      if (bad && c.opts.validateOutbound) throw new Error(`invalid trailers: ${bad.error}`);
    } else {
      const info = validateResponse(headers);
      if ("error" in info) {
        if (c.opts.validateOutbound) throw new Error(`invalid response headers: ${info.error}`);
      } else if (info.status < 200) {
        if (endStream) throw new Error("a 1xx response cannot end the stream");
        finalHeaders = false;
      }
    }
    const next = nextStreamState(stream.state, "sendHeaders");
    if (typeof next !== "string") {
      throw new Error(`${next.error} (cannot send HEADERS on stream ${streamId})`);
    }
    c.setState(stream, next);
    if (finalHeaders) stream.sentFinalHeaders = true;
    const block = c.encoder.encode(headers, options.neverIndex);
    for (
      const f of headerBlockFrames(streamId, block, c.remote.maxFrameSize, {
        endStream,
        priority: options.priority,
        padLength: options.padLength,
      })
    ) {
      c.queue(f);
    }
    if (endStream) this.#sentEndStream(stream);
  }

  /** Sends DATA, split to the peer's frame size; throws past the flow-control window. */
  sendData(streamId: number, data: Uint8Array, options: SendDataOptions = {}): void {
    const c = this.#mustBeOpen();
    const stream = c.streams.get(streamId);
    if (!stream) {
      throw new Error(
        `cannot send DATA on stream ${streamId} in state ${this.streamState(streamId)}`,
      );
    }
    const next = nextStreamState(stream.state, "sendData");
    if (typeof next !== "string") throw new Error(`${next.error} (stream ${streamId})`);
    if (!stream.sentFinalHeaders) throw new Error(`send headers on stream ${streamId} before DATA`);
    const pad = options.padLength;
    const length = data.length + (pad === undefined ? 0 : pad + 1);
    const window = Math.min(stream.sendWindow, c.connSendWindow);
    if (length > window) {
      throw new Error(
        `DATA of ${length} octets on stream ${streamId} exceeds the flow-control window of ` +
          `${Math.max(0, window)}; wait for WindowUpdated`,
      );
    }
    const endStream = options.endStream ?? false;
    const max = c.remote.maxFrameSize;
    if (pad !== undefined) {
      if (length > max) throw new Error(`padded DATA must fit in one frame of ${max} octets`);
      c.queue({ type: "DATA", streamId, endStream, data, padLength: pad });
    } else if (data.length <= max) {
      c.out.push(dataFrameHeader(streamId, data.length, endStream), data);
    } else {
      for (let at = 0; at < data.length; at += max) {
        const chunk = data.subarray(at, at + max);
        const last = at + max >= data.length;
        c.out.push(dataFrameHeader(streamId, chunk.length, endStream && last), chunk);
      }
    }
    stream.sendWindow -= length;
    c.connSendWindow -= length;
    if (endStream) this.#sentEndStream(stream);
  }

  /** Ends our side of the stream with an empty DATA frame. */
  endStream(streamId: number): void {
    this.sendData(streamId, EMPTY, { endStream: true });
  }

  /** Resets a stream (default CANCEL); a no-op on a stream that is already closed. */
  resetStream(streamId: number, errorCode: number = ErrorCode.CANCEL): void {
    const c = this.#mustBeOpen();
    const stream = c.streams.get(streamId);
    if (!stream) {
      if (c.isIdle(streamId)) throw new Error(`cannot reset idle stream ${streamId}`);
      return;
    }
    c.queue({ type: "RST_STREAM", streamId, errorCode });
    c.setState(stream, "closed", ClosedHow.RESET_SENT);
  }

  /** Server push: reserves `promisedStreamId` with a PUSH_PROMISE on `parentStreamId`. */
  pushStream(
    parentStreamId: number,
    promisedStreamId: number,
    requestHeaders: HeaderList,
    options: { neverIndex?: ReadonlySet<string> } = {},
  ): void {
    const c = this.#mustBeOpen();
    if (c.role !== "server") throw new Error("only servers push streams");
    if (!c.remote.enablePush) throw new Error("the client disabled server push");
    const parent = c.streams.get(parentStreamId);
    if (!parent || (parent.state !== "open" && parent.state !== "half_closed_remote")) {
      throw new Error(
        `cannot push on stream ${parentStreamId} in state ` +
          this.streamState(parentStreamId),
      );
    }
    if (promisedStreamId !== this.getNextAvailableStreamId()) {
      throw new Error(`promised stream must be ${this.getNextAvailableStreamId()}`);
    }
    const info = validateRequest(requestHeaders, false);
    if ("error" in info) throw new Error(`invalid pushed request headers: ${info.error}`);
    if (info.method !== "GET" && info.method !== "HEAD") {
      throw new Error(`pushed requests must be GET or HEAD, not ${info.method}`);
    }
    const stream = new H2Stream(
      promisedStreamId,
      true,
      c.remote.initialWindowSize,
      c.local.effective.initialWindowSize,
    );
    stream.method = info.method;
    c.streams.set(promisedStreamId, stream);
    c.highestLocal = promisedStreamId;
    c.setState(stream, "reserved_local");
    const block = c.encoder.encode(requestHeaders, options.neverIndex);
    for (
      const f of pushPromiseFrames(parentStreamId, promisedStreamId, block, c.remote.maxFrameSize)
    ) {
      c.queue(f);
    }
  }

  /** Sends a PING with 8 octets of opaque data. */
  ping(data: Uint8Array = new Uint8Array(8)): void {
    const c = this.#mustBeOpen();
    if (data.length !== 8) throw new RangeError("PING data must be exactly 8 octets");
    c.queue({ type: "PING", ack: false, data });
  }

  /** Announces new settings; they apply once the peer acknowledges (SettingsAcknowledged). */
  updateSettings(settings: Partial<Settings>): void {
    const c = this.#mustBeOpen();
    if (c.role === "server" && settings.enablePush !== undefined) {
      throw new Error("servers must not send SETTINGS_ENABLE_PUSH");
    }
    const before = c.local.effective;
    c.queue({ type: "SETTINGS", ack: false, settings: c.local.send(settings) });
    c.applyLocal(before);
  }

  /**
   * Tells the codec the application consumed `n` octets of DATA (a DataReceived's
   * flowControlledLength); WINDOW_UPDATE frames go out once half a window is consumed.
   */
  acknowledgeReceivedData(streamId: number, n: number): void {
    const c = this.#mustBeInitiated();
    if (!(n >= 0)) throw new RangeError(`cannot acknowledge ${n} octets`);
    if (c.dead) return;
    c.creditConnection(n);
    const s = c.streams.get(streamId);
    if (!s || (s.state !== "open" && s.state !== "half_closed_local")) return;
    s.recvUnacked += n;
    if (s.recvUnacked >= c.local.effective.initialWindowSize / 2) {
      c.queue({ type: "WINDOW_UPDATE", streamId, increment: s.recvUnacked });
      s.recvWindow += s.recvUnacked;
      s.recvUnacked = 0;
    }
  }

  /** Grants the peer `increment` more octets on a stream, or on the connection (0). */
  incrementFlowControlWindow(increment: number, streamId = 0): void {
    const c = this.#mustBeOpen();
    if (!(increment >= 1 && increment <= MAX_WINDOW_SIZE)) {
      throw new RangeError(`window increment must be 1..2^31-1, got ${increment}`);
    }
    if (streamId === 0) {
      if (c.connRecvWindow + increment > MAX_WINDOW_SIZE) {
        throw new RangeError("connection window would exceed 2^31-1");
      }
      c.connRecvWindow += increment;
    } else {
      const s = c.streams.get(streamId);
      if (!s) throw new Error(`stream ${streamId} is not open`);
      if (s.recvWindow + increment > MAX_WINDOW_SIZE) {
        throw new RangeError(`stream ${streamId} window would exceed 2^31-1`);
      }
      s.recvWindow += increment;
    }
    c.queue({ type: "WINDOW_UPDATE", streamId, increment });
  }

  /**
   * Sends GOAWAY. With NO_ERROR the streams up to `lastStreamId` (default: the highest the
   * peer opened) go on; any other code ends the connection.
   */
  closeConnection(errorCode: number = ErrorCode.NO_ERROR, options: CloseOptions = {}): void {
    const c = this.#mustBeInitiated();
    if (c.dead) return;
    const lastStreamId = options.lastStreamId ?? c.highestPeer;
    c.queue({
      type: "GOAWAY",
      lastStreamId,
      errorCode,
      debugData: options.debugData ?? EMPTY,
    });
    c.goawaySent = c.goawaySent < 0 ? lastStreamId : Math.min(c.goawaySent, lastStreamId);
    if (errorCode !== ErrorCode.NO_ERROR) c.dead = true;
  }

  /** Starts a new flood-protection window (call it from a timer to make windows timed). */
  resetFloodWindow(): void {
    this.#c.flood.resetWindow();
  }

  #sentEndStream(stream: H2Stream): void {
    const next = nextStreamState(stream.state, "sendEndStream");
    if (typeof next !== "string") throw new Error(`${next.error} (stream ${stream.id})`);
    this.#c.setState(stream, next);
  }

  #mustBeInitiated(): ConnectionCore {
    if (!this.#initiated) throw new Error("call initiateConnection() first");
    return this.#c;
  }

  #mustBeOpen(): ConnectionCore {
    const c = this.#mustBeInitiated();
    if (c.dead) throw new Error("the connection is closed (check isClosed before sending)");
    return c;
  }
}
