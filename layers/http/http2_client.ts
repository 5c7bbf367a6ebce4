/**
 * The HTTP/2 connection to a server (we are the client): request events from streams → frames
 * out; frames in → response events for those streams (`Http2Connection` holds the codec and
 * the I/O rules). Many streams share the connection; our stream ids (the HTTP layer's, from
 * the client side) map to HTTP/2 stream ids allocated here.
 *
 * Per stream: waiting (over the server's concurrency limit; its events are held) → open →
 * freed once both sides ended or it was reset; a response that completes while the request is
 * unfinished cancels the rest (nobody will send it). Until the server's SETTINGS arrive at
 * most 10 streams are opened (like mitmproxy), and one the server refuses meanwhile
 * (REFUSED_STREAM) is sent again. Connection: open → draining (GOAWAY without error: no new
 * streams, close when idle) → closed (connection error, GOAWAY with error, or TCP close).
 *
 * `pingKeepalive` (seconds, mitmproxy's `http2_ping_keepalive`) sends a PING after that much
 * silence so servers do not drop idle connections; it needs `Wakeup` events routed back here.
 */
import { ErrorCode, errorCodeName } from "../../codecs/http2/error_codes.ts";
import type {
  ConnectionTerminated,
  H2Event,
  ResponseReceived,
  StreamReset,
} from "../../codecs/http2/events.ts";
import type { HeaderList } from "../../codecs/http2/header_validation.ts";
import { latin1Decode } from "../../codecs/bytes.ts";
import type { Server } from "../../core/flow/connection.ts";
import { CancelWakeup, CloseConnection, type Command, RequestWakeup } from "../commands.ts";
import { ConnectionClosed, DataReceived, type Event, Wakeup } from "../events.ts";
import type { Context } from "../context.ts";
import {
  type HttpEvent,
  RequestData,
  RequestEndOfMessage,
  RequestHeaders,
  RequestProtocolError,
  ResponseData,
  ResponseEndOfMessage,
  ResponseHeaders,
  ResponseProtocolError,
} from "./http_events.ts";
import { ReceiveHttp } from "./http_commands.ts";
import { Http2Connection, type Steps } from "./http2_connection.ts";
import {
  h2HeadersFromRequest,
  h2Trailers,
  responseFromH2Headers,
  trailersFromH2,
} from "./http2_translate.ts";

export interface Http2ClientOptions {
  /** Seconds of silence before a PING; 0 or absent turns it off. */
  pingKeepalive?: number;
}

interface ClientStream {
  /** The HTTP layer's stream id. */
  readonly ours: number;
  readonly h2: number;
  /** The stream handed us the end of the request (it may still wait for window). */
  requestEnded: boolean;
  /** Our END_STREAM went out. */
  endSent: boolean;
  responseStarted: boolean;
  responseDone: boolean;
  trailers: HeaderList | null;
  /**
   * A stream opened before the server's SETTINGS keeps its events until the response starts:
   * if the server refuses it (REFUSED_STREAM: not processed), it is sent again.
   */
  replay: { events: RequestEvent[]; size: number } | null;
}

type RequestEvent = RequestHeaders | RequestData | RequestEndOfMessage | RequestProtocolError;

const PROVISIONAL_MAX_STREAMS = 10;
/** Request body octets kept for a retry; a larger body is not retried. */
const MAX_REPLAY_SIZE = 64 * 1024;
const MAX_STREAM_ID = 0x7fffffff;

export class Http2Client extends Http2Connection<Server> {
  readonly #byOurs = new Map<number, ClientStream>();
  readonly #byH2 = new Map<number, ClientStream>();
  /** Streams over the concurrency limit, with their later events in order. */
  readonly #waiting = new Map<number, { headers: RequestHeaders; rest: RequestEvent[] }>();
  readonly #keepalive: number;
  #timer: RequestWakeup | null = null;
  #lastActivity = 0;
  #gotSettings = false;
  #goaway = false;

  constructor(context: Context, conn: Server, options: Http2ClientOptions = {}) {
    super(context, conn, "client");
    this.#keepalive = options.pingKeepalive ?? 0;
  }

  /** No stream open or waiting. */
  get idle(): boolean {
    return !this.done && this.#byOurs.size === 0 && this.#waiting.size === 0;
  }

  /** Whether another stream may start now: open, no GOAWAY, below the concurrency limit. */
  get canTakeStream(): boolean {
    return !this.done && !this.#goaway && !this.h2.isClosed &&
      this.h2.getNextAvailableStreamId() + 2 * this.#waiting.size <= MAX_STREAM_ID &&
      this.h2.openOutboundStreams + this.#waiting.size < this.#limit();
  }

  /** Streams this layer still tracks (open or waiting): zero when idle. */
  get streamCount(): number {
    return this.#byOurs.size + this.#waiting.size;
  }

  get retained(): { streams: number; waiting: number; queued: number; codecStreams: number } {
    return {
      streams: this.#byOurs.size,
      waiting: this.#waiting.size,
      queued: this.queue.size,
      codecStreams: this.h2.trackedStreams,
    };
  }

  *handleEvent(event: Event | HttpEvent): Steps {
    if (event instanceof Wakeup) {
      yield* this.#wakeup(event);
      return;
    }
    if (this.done) {
      if (event instanceof RequestHeaders) {
        const message = "the HTTP/2 connection to the server is closed";
        yield new ReceiveHttp(new ResponseProtocolError(event.streamId, message, 502));
      }
      return;
    }
    yield* this.ensureStarted();
    if (event instanceof DataReceived) {
      this.#lastActivity = this.context.clock.now();
      yield* this.receive(event.data);
    } else if (event instanceof ConnectionClosed) {
      yield* this.#serverClosed();
      return;
    } else if (
      event instanceof RequestHeaders || event instanceof RequestData ||
      event instanceof RequestEndOfMessage || event instanceof RequestProtocolError
    ) {
      yield* this.#fromStream(event);
    }
    if (this.done) return;
    yield* this.#openWaiting();
    yield* this.flush();
    if (this.#goaway && this.idle) yield* this.#close();
  }

  protected override onStart(): Command | null {
    this.#lastActivity = this.context.clock.now();
    if (this.#keepalive <= 0) return null;
    this.#timer = new RequestWakeup(this.#keepalive);
    return this.#timer;
  }

  #limit(): number {
    const max = this.h2.remoteSettings.maxConcurrentStreams;
    return this.#gotSettings ? max : Math.min(max, PROVISIONAL_MAX_STREAMS);
  }

  #hasFreeSlot(): boolean {
    return this.h2.openOutboundStreams < this.#limit() &&
      this.h2.getNextAvailableStreamId() <= MAX_STREAM_ID;
  }

  *#fromStream(event: RequestEvent): Steps {
    const ours = event.streamId;
    const held = this.#waiting.get(ours);
    if (held !== undefined) {
      if (event instanceof RequestProtocolError) this.#waiting.delete(ours);
      else held.rest.push(event);
      return;
    }
    if (event instanceof RequestHeaders) {
      if (this.#byOurs.has(ours)) return;
      if (this.#goaway || this.h2.isClosed) {
        const message = "the server is closing the HTTP/2 connection (GOAWAY)";
        yield* this.toStream(new ResponseProtocolError(ours, message, 502));
      } else if (this.#waiting.size > 0 || !this.#hasFreeSlot()) {
        this.#waiting.set(ours, { headers: event, rest: [] });
      } else {
        yield* this.#open(event);
      }
      return;
    }
    const s = this.#byOurs.get(ours);
    if (!s) return;
    if (s.replay !== null && !(event instanceof RequestProtocolError)) {
      s.replay.events.push(event);
      if (event instanceof RequestData) s.replay.size += event.data.length;
      if (s.replay.size > MAX_REPLAY_SIZE) s.replay = null;
    }
    if (event instanceof RequestData) {
      if (!s.requestEnded) this.queue.data(s.h2, event.data);
    } else if (event instanceof RequestEndOfMessage) {
      if (s.requestEnded) return;
      s.requestEnded = true;
      let trailers: HeaderList | null = null;
      if (event.trailers !== null) {
        const result = h2Trailers(event.trailers);
        if ("error" in result) yield* this.log(`stream ${ours}: ${result.error}; dropped`, "warn");
        else trailers = result.headers;
      }
      if (this.queue.end(s.h2, trailers)) this.#endSent(s.h2);
    } else {
      // The client side broke mid-request: the server must not wait for the rest.
      this.#reset(s, ErrorCode.CANCEL);
    }
  }

  *#open(event: RequestHeaders): Steps {
    const result = h2HeadersFromRequest(event.request, this.conn.tls ? "https" : "http");
    if ("error" in result) {
      yield* this.toStream(new ResponseProtocolError(event.streamId, result.error, 502));
      return;
    }
    const id = this.h2.getNextAvailableStreamId();
    this.h2.sendHeaders(id, result.headers, { endStream: event.endStream });
    const s: ClientStream = {
      ours: event.streamId,
      h2: id,
      requestEnded: event.endStream,
      endSent: event.endStream,
      responseStarted: false,
      responseDone: false,
      trailers: null,
      replay: this.#gotSettings ? null : { events: [event], size: 0 },
    };
    this.#byOurs.set(s.ours, s);
    this.#byH2.set(id, s);
  }

  /** Opens held streams, in order, while the server's limit allows. */
  *#openWaiting(): Steps {
    for (const [ours, held] of this.#waiting) {
      if (this.done || this.#goaway || !this.#hasFreeSlot()) return;
      this.#waiting.delete(ours);
      yield* this.#open(held.headers);
      for (const e of held.rest) yield* this.#fromStream(e);
    }
  }

  protected *onH2Event(e: H2Event): Steps {
    switch (e.type) {
      case "ResponseReceived":
        yield* this.#responseReceived(e);
        break;
      case "DataReceived": {
        this.h2.acknowledgeReceivedData(e.streamId, e.flowControlledLength);
        const s = this.#byH2.get(e.streamId);
        if (s?.responseStarted) yield* this.toStream(new ResponseData(s.ours, e.data));
        break;
      }
      case "TrailersReceived": {
        const s = this.#byH2.get(e.streamId);
        if (s) s.trailers = e.headers;
        break;
      }
      case "StreamEnded": {
        const s = this.#byH2.get(e.streamId);
        if (!s?.responseStarted) break;
        s.responseDone = true;
        const trailers = s.trailers === null ? null : trailersFromH2(s.trailers);
        yield* this.toStream(new ResponseEndOfMessage(s.ours, trailers));
        this.#settle(s);
        break;
      }
      case "StreamReset":
        yield* this.#streamReset(e);
        break;
      case "RemoteSettingsChanged":
        this.#gotSettings = true;
        for (const id of this.queue.flush()) this.#endSent(id);
        break;
      case "WindowUpdated":
        for (const id of this.queue.flush()) this.#endSent(id);
        break;
      case "ConnectionTerminated":
        yield* this.#terminated(e);
        break;
        // 1xx responses are not forwarded (as over HTTP/1); pushes are disabled in SETTINGS.
    }
  }

  *#responseReceived(e: ResponseReceived): Steps {
    const s = this.#byH2.get(e.streamId);
    if (!s) return;
    const result = responseFromH2Headers(e.headers, this.context.clock.now());
    if ("error" in result) {
      this.#reset(s, ErrorCode.PROTOCOL_ERROR);
      const message = `invalid HTTP/2 response from server: ${result.error}`;
      yield* this.toStream(new ResponseProtocolError(s.ours, message, 502));
      return;
    }
    s.responseStarted = true;
    s.replay = null;
    yield* this.toStream(new ResponseHeaders(s.ours, result.response, e.endStream));
  }

  *#streamReset(e: StreamReset): Steps {
    const s = this.#byH2.get(e.streamId);
    if (!s) return;
    this.#forget(s);
    if (s.responseDone) return; // e.g. NO_ERROR after a complete response (RFC 9113 §8.1)
    if (
      s.replay !== null && e.remote && e.errorCode === ErrorCode.REFUSED_STREAM && !this.#goaway
    ) {
      // Refused before the server's limit was known to us: not processed, so send it again.
      const [headers, ...rest] = s.replay.events;
      this.#waiting.set(s.ours, { headers: headers as RequestHeaders, rest });
      return;
    }
    let message: string;
    if (!e.remote) message = `HTTP/2 protocol error from server: ${e.reason}`;
    else {
      message = `stream reset by server: ${errorCodeName(e.errorCode)}`;
      if (this.#goaway && e.errorCode === ErrorCode.REFUSED_STREAM) {
        message += " (not processed before GOAWAY; safe to retry)";
      }
    }
    yield* this.toStream(new ResponseProtocolError(s.ours, message, 502));
  }

  *#terminated(e: ConnectionTerminated): Steps {
    const code = errorCodeName(e.errorCode);
    const debug = e.additionalData.length > 0 ? `: ${latin1Decode(e.additionalData)}` : "";
    if (e.remote) {
      // Streams above last-stream-id are reset by the codec next; held ones fail now.
      this.#goaway = true;
      const held = [...this.#waiting.keys()];
      this.#waiting.clear();
      const message = `the server is closing the HTTP/2 connection (GOAWAY ${code})`;
      for (const ours of held) yield* this.toStream(new ResponseProtocolError(ours, message, 502));
      if (e.errorCode === ErrorCode.NO_ERROR) {
        yield* this.log(`server ${this.#address()} sent HTTP/2 GOAWAY${debug}`, "debug");
        return;
      }
    }
    const why = e.remote ? `server sent GOAWAY with ${code}${debug}` : e.reason;
    yield* this.log(`HTTP/2 connection to ${this.#address()} failed: ${why}`, "info");
    yield* this.#close();
    yield* this.#failAll(
      e.remote ? `HTTP/2 connection closed: ${why}` : `HTTP/2 protocol error from server: ${why}`,
    );
  }

  *#serverClosed(): Steps {
    this.h2.dataToSend(); // nobody left to read it
    let message = "server closed the HTTP/2 connection";
    if (this.conn.error !== null) message = `${message} (${this.conn.error})`;
    yield* this.#close();
    yield* this.#failAll(message);
  }

  /** Fails every stream not yet answered in full; the maps are emptied first. */
  *#failAll(message: string): Steps {
    const open = [...this.#byOurs.values()].filter((s) => !s.responseDone).map((s) => s.ours);
    const held = [...this.#waiting.keys()];
    this.#byOurs.clear();
    this.#byH2.clear();
    this.#waiting.clear();
    this.queue.clear();
    for (const ours of [...open, ...held]) {
      yield new ReceiveHttp(new ResponseProtocolError(ours, message, 502));
    }
  }

  *#close(): Steps {
    if (this.done) return;
    yield* this.flush();
    this.done = true;
    if (this.#timer !== null) {
      yield new CancelWakeup(this.#timer);
      this.#timer = null;
    }
    yield new CloseConnection(this.conn);
  }

  *#wakeup(event: Wakeup): Steps {
    if (event.command !== this.#timer) return;
    this.#timer = null;
    if (this.done) return;
    const now = this.context.clock.now();
    let quiet = now - this.#lastActivity;
    if (quiet >= this.#keepalive) {
      this.h2.ping();
      this.#lastActivity = now;
      quiet = 0;
      yield* this.flush();
    }
    this.#timer = new RequestWakeup(this.#keepalive - quiet);
    yield this.#timer;
  }

  #endSent(h2Id: number): void {
    const s = this.#byH2.get(h2Id);
    if (!s) return;
    s.endSent = true;
    this.#settle(s);
  }

  /**
   * Frees a stream once both sides ended (our flags decide: the codec's state may be ahead of
   * the events still being handled). A complete response cancels a request nobody will finish.
   */
  #settle(s: ClientStream): void {
    if (!s.responseDone) return;
    if (s.endSent) this.#forget(s);
    else if (!s.requestEnded) this.#reset(s, ErrorCode.CANCEL);
  }

  #reset(s: ClientStream, code: number): void {
    if (!this.h2.isClosed) this.h2.resetStream(s.h2, code);
    this.#forget(s);
  }

  #forget(s: ClientStream): void {
    this.#byOurs.delete(s.ours);
    this.#byH2.delete(s.h2);
    this.queue.drop(s.h2);
  }

  #address(): string {
    const a = this.conn.address;
    return a ? `${a[0]}:${a[1]}` : "<unknown>";
  }
}
