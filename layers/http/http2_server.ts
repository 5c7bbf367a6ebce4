/**
 * The HTTP/2 connection to the client (we are the server): bytes in → request events for
 * streams, one stream per HTTP/2 stream (same ids); response events from streams → frames
 * out (`Http2Connection` holds the codec and the I/O rules).
 *
 * Per stream (`#streams`; dropped as soon as both sides ended or it was reset):
 *   request   headers → data* → end | reset by the client (RequestProtocolError 499)
 *   response  not started → started → ended (END_STREAM or trailers, after waiting data)
 * A response that ends before the request resets the rest of the request with NO_ERROR
 * (RFC 9113 §8.1). A stream that gives up on the request (RequestProtocolError) answers next;
 * one that fails after its headers went out is reset. CONNECT is answered 501 (no tunnels over
 * HTTP/2 streams). Connection: open → closed on a connection error (GOAWAY sent), the client's
 * GOAWAY with an error, TCP close, or its graceful GOAWAY once no stream is left.
 */
import { ErrorCode, errorCodeName } from "../../codecs/http2/error_codes.ts";
import type {
  ConnectionTerminated,
  H2Event,
  RequestReceived,
  StreamReset,
} from "../../codecs/http2/events.ts";
import type { HeaderList } from "../../codecs/http2/header_validation.ts";
import { latin1Decode } from "../../codecs/bytes.ts";
import type { Client } from "../../core/flow/connection.ts";
import { CloseConnection } from "../commands.ts";
import { ConnectionClosed, DataReceived, type Event } from "../events.ts";
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
import { makeErrorResponse } from "./error_response.ts";
import { Http2Connection, type Steps } from "./http2_connection.ts";
import {
  h2HeadersFromResponse,
  h2Trailers,
  requestFromH2Headers,
  trailersFromH2,
} from "./http2_translate.ts";

interface ServerStream {
  readonly id: number;
  readonly method: string;
  /** The client's END_STREAM arrived. */
  requestDone: boolean;
  /** The stream gave up on the request: its further DATA is dropped. */
  requestAbandoned: boolean;
  trailers: HeaderList | null;
  /** Final response headers sent. */
  responseStarted: boolean;
  /** The end of the response was queued (it may still wait for window). */
  responseEnded: boolean;
  /** Our END_STREAM went out. */
  endSent: boolean;
}

/** ResponseProtocolError status meaning "kill the stream, answer nothing" (mitmproxy's). */
const NO_RESPONSE = 444;
const CLIENT_CLOSED_REQUEST = 499;

export class Http2Server extends Http2Connection<Client> {
  readonly #streams = new Map<number, ServerStream>();
  /** The client sent GOAWAY without error: close once its streams are done. */
  #goaway = false;

  constructor(context: Context, conn: Client) {
    super(context, conn, "server");
  }

  /** Streams this layer still tracks: zero between requests, or memory is leaking. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** Per-stream state held here and in the codec, for leak checks. */
  get retained(): { streams: number; waiting: number; codecStreams: number } {
    return {
      streams: this.#streams.size,
      waiting: this.queue.size,
      codecStreams: this.h2.trackedStreams,
    };
  }

  *handleEvent(event: Event | HttpEvent): Steps {
    if (this.done) return;
    yield* this.ensureStarted();
    if (event instanceof DataReceived) {
      yield* this.receive(event.data);
    } else if (event instanceof ConnectionClosed) {
      yield* this.#clientClosed();
      return;
    } else if (event instanceof ResponseHeaders) {
      yield* this.#sendResponseHeaders(event);
    } else if (event instanceof ResponseData) {
      const s = this.#streams.get(event.streamId);
      if (s?.responseStarted && !s.responseEnded) this.queue.data(s.id, event.data);
    } else if (event instanceof ResponseEndOfMessage) {
      yield* this.#endResponse(event);
    } else if (event instanceof ResponseProtocolError) {
      this.#responseFailed(event);
    } else if (event instanceof RequestProtocolError) {
      this.#requestAbandoned(event);
    }
    if (this.done) return;
    yield* this.flush();
    if (this.#goaway && this.#streams.size === 0) yield* this.#close();
  }

  protected *onH2Event(e: H2Event): Steps {
    switch (e.type) {
      case "RequestReceived":
        yield* this.#requestReceived(e);
        break;
      case "DataReceived": {
        // Consumed at once: the stream buffers or forwards it, so the window reopens.
        this.h2.acknowledgeReceivedData(e.streamId, e.flowControlledLength);
        const s = this.#streams.get(e.streamId);
        if (s && !s.requestAbandoned) yield* this.toStream(new RequestData(s.id, e.data));
        break;
      }
      case "TrailersReceived": {
        const s = this.#streams.get(e.streamId);
        if (s) s.trailers = e.headers;
        break;
      }
      case "StreamEnded": {
        const s = this.#streams.get(e.streamId);
        if (!s) break;
        s.requestDone = true;
        if (!s.requestAbandoned) {
          const trailers = s.trailers === null ? null : trailersFromH2(s.trailers);
          yield* this.toStream(new RequestEndOfMessage(s.id, trailers));
        }
        this.#settle(e.streamId);
        break;
      }
      case "StreamReset":
        yield* this.#streamReset(e);
        break;
      case "WindowUpdated":
      case "RemoteSettingsChanged":
        for (const id of this.queue.flush()) this.#endSent(id);
        break;
      case "ConnectionTerminated":
        yield* this.#terminated(e);
        break;
    }
  }

  *#requestReceived(e: RequestReceived): Steps {
    const id = e.streamId;
    const result = requestFromH2Headers(e.headers, this.context.clock.now());
    if ("error" in result) {
      // Only reached with validate_inbound_headers off: the codec rejects these itself.
      yield* this.log(`HTTP/2 protocol error from client: stream ${id}: ${result.error}`, "info");
      this.h2.resetStream(id, ErrorCode.PROTOCOL_ERROR);
      return;
    }
    const request = result.request;
    const s: ServerStream = {
      id,
      method: request.method,
      requestDone: false,
      requestAbandoned: false,
      trailers: null,
      responseStarted: false,
      responseEnded: false,
      endSent: false,
    };
    this.#streams.set(id, s);
    if (request.method === "CONNECT") {
      // A tunnel per stream is not supported; refuse it without touching other streams.
      s.requestAbandoned = true;
      yield* this.log(`HTTP/2 CONNECT to ${request.authority} refused (not supported)`, "info");
      this.#errorResponse(s, 501, "CONNECT over HTTP/2 is not supported by this proxy.");
      return;
    }
    yield* this.toStream(new RequestHeaders(id, request, e.endStream));
  }

  *#streamReset(e: StreamReset): Steps {
    const s = this.#streams.get(e.streamId);
    if (!s) return; // a malformed request (already reset by the codec) or a finished stream
    this.#forget(s.id);
    const message = e.remote
      ? `stream reset by client: ${errorCodeName(e.errorCode)}`
      : `HTTP/2 protocol error from client: ${e.reason}`;
    yield* this.toStream(
      new RequestProtocolError(s.id, message, e.remote ? CLIENT_CLOSED_REQUEST : 400),
    );
  }

  *#terminated(e: ConnectionTerminated): Steps {
    const code = errorCodeName(e.errorCode);
    if (e.remote && e.errorCode === ErrorCode.NO_ERROR) {
      // The client opens no more streams; the open ones finish first.
      this.#goaway = true;
      yield* this.log("client sent HTTP/2 GOAWAY", "debug");
      return;
    }
    const debug = e.additionalData.length > 0 ? `: ${latin1Decode(e.additionalData)}` : "";
    const why = e.remote ? `client sent GOAWAY with ${code}${debug}` : e.reason;
    yield* this.log(
      e.remote ? `HTTP/2 connection closed by client: ${why}` : `HTTP/2 protocol error: ${why}`,
      "info",
    );
    yield* this.#failAll(`HTTP/2 connection closed: ${why}`, e.remote ? 499 : 400);
    yield* this.#close();
  }

  *#clientClosed(): Steps {
    this.done = true;
    this.h2.dataToSend(); // nobody left to read it
    yield* this.#failAll("Client disconnected.", CLIENT_CLOSED_REQUEST);
    yield new CloseConnection(this.conn);
  }

  *#failAll(message: string, status: number): Steps {
    const ids = [...this.#streams.keys()];
    this.#streams.clear();
    this.queue.clear();
    for (const id of ids) yield* this.toStream(new RequestProtocolError(id, message, status));
  }

  *#close(): Steps {
    if (this.done) return;
    yield* this.flush();
    this.done = true;
    this.#streams.clear();
    this.queue.clear();
    yield new CloseConnection(this.conn);
  }

  *#sendResponseHeaders(event: ResponseHeaders): Steps {
    const s = this.#streams.get(event.streamId);
    if (!s || s.responseStarted || !this.#sendable(s.id)) return;
    const response = event.response;
    const result = h2HeadersFromResponse(response);
    if ("error" in result) {
      yield* this.log(`stream ${s.id}: ${result.error}`, "warn");
      this.#errorResponse(s, 502, result.error);
      return;
    }
    if (response.status_code < 200) {
      // An interim response: the final one follows on the same stream.
      if (!event.endStream) this.h2.sendHeaders(s.id, result.headers);
      return;
    }
    s.responseStarted = true;
    s.responseEnded = event.endStream;
    this.h2.sendHeaders(s.id, result.headers, { endStream: event.endStream });
    if (event.endStream) this.#endSent(s.id);
  }

  *#endResponse(event: ResponseEndOfMessage): Steps {
    const s = this.#streams.get(event.streamId);
    if (!s?.responseStarted || s.responseEnded) return;
    let trailers: HeaderList | null = null;
    if (event.trailers !== null) {
      const result = h2Trailers(event.trailers);
      if ("error" in result) yield* this.log(`stream ${s.id}: ${result.error}; dropped`, "warn");
      else trailers = result.headers;
    }
    s.responseEnded = true;
    if (this.queue.end(s.id, trailers)) this.#endSent(s.id);
  }

  #responseFailed(event: ResponseProtocolError): void {
    const s = this.#streams.get(event.streamId);
    if (!s) return;
    if (!s.responseStarted && event.status !== NO_RESPONSE && this.#sendable(s.id)) {
      this.#errorResponse(s, event.status, event.message);
    } else {
      this.#reset(s, event.status === CLIENT_CLOSED_REQUEST ? ErrorCode.CANCEL : undefined);
    }
  }

  /** The stream gave up on the request: it answers next, or, if it already did, resets. */
  #requestAbandoned(event: RequestProtocolError): void {
    const s = this.#streams.get(event.streamId);
    if (!s) return;
    s.requestAbandoned = true;
    if (s.responseStarted) {
      this.#reset(s, event.status === CLIENT_CLOSED_REQUEST ? ErrorCode.CANCEL : undefined);
    }
  }

  /** A readable error response of our own, ending the stream. */
  #errorResponse(s: ServerStream, status: number, message: string): void {
    const response = makeErrorResponse(status, message, this.context.clock.now());
    const result = h2HeadersFromResponse(response);
    if ("error" in result) throw new Error(`our own error response is invalid: ${result.error}`);
    const body = s.method === "HEAD" ? null : response.raw_content;
    s.responseStarted = true;
    s.responseEnded = true;
    this.h2.sendHeaders(s.id, result.headers, { endStream: body === null });
    if (body !== null) this.queue.data(s.id, body);
    if (body === null || this.queue.end(s.id, null)) this.#endSent(s.id);
  }

  #reset(s: ServerStream, code: number = ErrorCode.INTERNAL_ERROR): void {
    if (!this.h2.isClosed) this.h2.resetStream(s.id, code);
    this.#forget(s.id);
  }

  #sendable(id: number): boolean {
    if (this.h2.isClosed) return false;
    const state = this.h2.streamState(id);
    return state === "open" || state === "half_closed_remote";
  }

  #endSent(id: number): void {
    const s = this.#streams.get(id);
    if (!s) return;
    s.endSent = true;
    this.#settle(id);
  }

  /**
   * Frees a stream once both sides ended. Our own flags decide: the codec's state may be ahead
   * of the events still being handled (a frame is read whole before its events are).
   */
  #settle(id: number): void {
    const s = this.#streams.get(id);
    if (!s?.endSent) return;
    if (s.requestDone) {
      this.#forget(id);
    } else if (!this.h2.isClosed && this.h2.streamState(id) === "half_closed_local") {
      // Our response is complete but the client is still sending (RFC 9113 §8.1).
      this.#reset(s, ErrorCode.NO_ERROR);
    }
    // Otherwise the client's END_STREAM or RST_STREAM is among the events still to handle.
  }

  #forget(id: number): void {
    this.#streams.delete(id);
    this.queue.drop(id);
  }
}
