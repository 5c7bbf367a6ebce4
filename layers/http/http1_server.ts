/**
 * The HTTP/1 connection to the client: bytes in → request events for streams; response
 * events from streams → bytes out. One request at a time: pipelined requests wait in the
 * buffer until the previous response is complete.
 *
 * States (`#state`):
 *   head      waiting for a request head          → body | done(request) | error
 *   body      reading the request body            → done(request) | error
 *   response  request read, waiting for response  → head (keep-alive) | closed
 *   tunnel    handed over to a tunnel layer       (final)
 *   closed    connection closed or broken         (final)
 */
import { HeadReader } from "../../codecs/http1/head_reader.ts";
import { parseRequestHead } from "../../codecs/http1/parse_head.ts";
import {
  connectionTokens,
  expectsContinue,
  requestBodyFraming,
} from "../../codecs/http1/body_framing.ts";
import { type BodyReader, createBodyReader } from "../../codecs/http1/body_reader.ts";
import { assembleResponseHead, encodeChunk, encodeLastChunk } from "../../codecs/http1/assemble.ts";
import type { RequestHead } from "../../codecs/http1/types.ts";
import { latin1Encode } from "../../codecs/bytes.ts";
import { REASON_PHRASES } from "../../codecs/http1/status_reasons.ts";
import { Headers } from "../../core/flow/headers.ts";
import { Request, type Response } from "../../core/flow/http.ts";
import type { Client } from "../../core/flow/connection.ts";
import { CloseConnection, type Command, Log, SendData } from "../commands.ts";
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
import { ReceiveHttp } from "./http_commands.ts";
import { makeErrorResponse } from "./error_response.ts";

type State = "head" | "body" | "response" | "tunnel" | "closed";

/** nginx's and mitmproxy's "close without answering" status (a killed flow). */
export const KILL_STATUS = 444;

export class Http1Server {
  #state: State = "head";
  #head: HeadReader;
  #body: BodyReader | null = null;
  #buffer: Uint8Array[] = [];
  #streamId = -1;
  #nextStreamId = 1;
  #request: Request | null = null;
  #requestDone = false;
  #responseChunked = false;
  #responseCloseDelimited = false;
  #responseStarted = false;
  #clientClosed = false;
  #keepAlive = true;
  /** The response ends HTTP on this connection (CONNECT 2xx or 101): a tunnel follows. */
  #switching = false;

  constructor(readonly context: Context, readonly conn: Client) {
    this.#head = new HeadReader({
      maxHeadSize: context.options.max_head_size,
      maxHeaderCount: context.options.max_header_count,
    });
  }

  /** Nothing to send before the first request (HTTP/2 would send its SETTINGS here). */
  start(): Command[] {
    return [];
  }

  get streamId(): number {
    return this.#streamId;
  }

  /** Bytes received after the last request that belong to a tunnel, if one takes over. */
  takeBuffered(): Uint8Array[] {
    const rest = this.#buffer;
    this.#buffer = [];
    this.#state = "tunnel";
    return rest;
  }

  handleEvent(event: Event | HttpEvent): Command[] {
    const out: Command[] = [];
    this.#handle(out, event);
    return out;
  }

  #handle(out: Command[], event: Event | HttpEvent): void {
    if (event instanceof DataReceived) {
      if (this.#state === "closed" || this.#state === "tunnel") return;
      this.#buffer.push(event.data);
      this.#readBuffered(out);
    } else if (event instanceof ConnectionClosed) {
      this.#clientClosedEvent(out);
    } else if (event instanceof ResponseHeaders) {
      this.#sendResponseHeaders(out, event.response, event.endStream);
    } else if (event instanceof ResponseData) {
      if (event.data.length === 0 || this.#state === "closed") return;
      out.push(
        new SendData(this.conn, this.#responseChunked ? encodeChunk(event.data) : event.data),
      );
    } else if (event instanceof ResponseEndOfMessage) {
      this.#endResponse(out, event.trailers?.fields);
    } else if (event instanceof ResponseProtocolError) {
      this.#responseFailed(out, event);
    } else if (event instanceof RequestProtocolError) {
      // A stream gave up on the request (e.g. body too large): it answers, then we close.
      this.#keepAlive = false;
    }
  }

  #readBuffered(out: Command[]): void {
    while (this.#buffer.length > 0 && (this.#state === "head" || this.#state === "body")) {
      const chunk = this.#buffer.shift()!;
      if (this.#state === "head") {
        const result = this.#head.feed(chunk);
        if (result === null) continue;
        if ("error" in result) {
          this.#badRequest(out, result.error, result.status);
          return;
        }
        if (result.rest.length > 0) this.#buffer.unshift(result.rest);
        const head = parseRequestHead(result.head, {
          maxHeadSize: this.context.options.max_head_size,
          maxHeaderCount: this.context.options.max_header_count,
        });
        if ("error" in head) {
          this.#badRequest(out, head.error, head.status);
          return;
        }
        this.#startRequest(out, head);
      } else {
        const result = this.#body!.feed(chunk);
        if ("error" in result) {
          this.#requestFailed(out, result.error, result.status);
          return;
        }
        for (const data of result.data) {
          if (data.length > 0) out.push(new ReceiveHttp(new RequestData(this.#streamId, data)));
        }
        if (result.done) {
          if (result.rest.length > 0) this.#buffer.unshift(result.rest);
          this.#finishRequest(out, result.trailers ?? null);
        }
      }
    }
  }

  #startRequest(out: Command[], head: RequestHead): void {
    const framing = requestBodyFraming(head);
    if ("error" in framing) {
      this.#badRequest(out, framing.error, framing.status);
      return;
    }
    if (
      this.context.options.validate_inbound_headers && framing.kind === "chunked" &&
      head.headers.some(([name]) => name.toLowerCase() === "content-length")
    ) {
      // Both framings at once is the classic request-smuggling trick (RFC 9112 §6.3).
      this.#badRequest(
        out,
        "Received both a Transfer-Encoding and a Content-Length header, refusing as per RFC 9112 section 6.3.",
        400,
      );
      return;
    }
    const now = this.context.clock.now();
    const headers = new Headers(head.headers);
    const request = new Request({
      host: head.host,
      port: head.port,
      method: head.method,
      scheme: head.scheme,
      authority: head.authority,
      path: head.path,
      http_version: head.httpVersion,
      headers,
      content: null,
      trailers: null,
      timestamp_start: now,
      timestamp_end: null,
    });
    this.#request = request;
    this.#streamId = this.#nextStreamId;
    this.#nextStreamId += 2;
    this.#requestDone = false;
    this.#responseStarted = false;
    const tokens = connectionTokens(head.headers);
    this.#keepAlive = head.httpVersion === "HTTP/1.1"
      ? !tokens.has("close")
      : tokens.has("keep-alive");
    if (framing.kind === "none" || (framing.kind === "length" && framing.length === 0)) {
      out.push(new ReceiveHttp(new RequestHeaders(this.#streamId, request, true)));
      this.#finishRequest(out, null);
      return;
    }
    if (expectsContinue(head)) {
      // We answer 100-continue ourselves so the body arrives while hooks run; the server
      // then gets the whole request and needs no Expect handshake.
      headers.delete("expect");
      out.push(new SendData(this.conn, latin1Encode("HTTP/1.1 100 Continue\r\n\r\n")));
    }
    this.#body = createBodyReader(framing, {
      maxHeadSize: this.context.options.max_head_size,
      maxHeaderCount: this.context.options.max_header_count,
    });
    this.#state = "body";
    out.push(new ReceiveHttp(new RequestHeaders(this.#streamId, request, false)));
  }

  #finishRequest(out: Command[], trailers: [string, string][] | null): void {
    this.#body = null;
    this.#requestDone = true;
    this.#state = "response";
    if (this.#request !== null) this.#request.timestamp_end = this.context.clock.now();
    out.push(
      new ReceiveHttp(
        new RequestEndOfMessage(this.#streamId, trailers ? new Headers(trailers) : null),
      ),
    );
  }

  #badRequest(out: Command[], message: string, status: number): void {
    // No stream exists yet: answer ourselves, then close.
    out.push(new Log(`HTTP/1 protocol error from client: ${message}`, "info"));
    const response = makeErrorResponse(status, message, this.context.clock.now());
    this.#responseChunked = false;
    out.push(
      new SendData(
        this.conn,
        assembleResponseHead("HTTP/1.1", response.status_code, response.reason, [
          ...response.headers.fields,
          ["Connection", "close"],
        ]),
      ),
    );
    if (response.raw_content) out.push(new SendData(this.conn, response.raw_content));
    this.#state = "closed";
    out.push(new CloseConnection(this.conn));
  }

  #requestFailed(out: Command[], message: string, status: number): void {
    this.#state = "response";
    this.#keepAlive = false;
    this.#buffer = [];
    out.push(new ReceiveHttp(new RequestProtocolError(this.#streamId, message, status)));
  }

  #clientClosedEvent(out: Command[]): void {
    this.#clientClosed = true;
    if (this.#state === "body") {
      const end = this.#body!.eof();
      if ("error" in end) {
        this.#requestFailed(out, `client disconnected: ${end.error}`, 400);
        return;
      }
      this.#finishRequest(out, end.trailers ?? null);
      return;
    }
    if (this.#state === "head") {
      this.#state = "closed";
      out.push(new CloseConnection(this.conn));
      return;
    }
    if (this.#state === "response" && !this.#responseStarted) {
      // The client gave up waiting: end the exchange (mitmproxy's "Client disconnected.").
      this.#keepAlive = false;
      out.push(
        new ReceiveHttp(new RequestProtocolError(this.#streamId, "Client disconnected.", 499)),
      );
    }
  }

  #sendResponseHeaders(out: Command[], response: Response, endStream: boolean): void {
    if (this.#state === "closed") return;
    this.#responseStarted = true;
    const request = this.#request;
    this.#switching = response.status_code === 101 ||
      (request?.method === "CONNECT" && response.status_code >= 200 && response.status_code < 300);
    const headers = response.headers;
    const noBody = request?.method === "HEAD" || response.status_code < 200 ||
      response.status_code === 204 || response.status_code === 304;
    const te = headers.get("transfer-encoding");
    this.#responseChunked = !noBody && te !== undefined && /chunked\s*$/i.test(te);
    this.#responseCloseDelimited = !noBody && !this.#responseChunked &&
      !headers.has("content-length") && !endStream;
    if (this.#responseCloseDelimited) this.#keepAlive = false;
    if (connectionTokens(headers.fields).has("close")) this.#keepAlive = false;
    out.push(
      new SendData(
        this.conn,
        assembleResponseHead(
          response.http_version.startsWith("HTTP/2") ? "HTTP/1.1" : response.http_version,
          response.status_code,
          // HTTP/2 responses carry no reason phrase; HTTP/1 clients expect one.
          response.reason || (REASON_PHRASES[response.status_code] ?? ""),
          headers.fields,
        ),
      ),
    );
    if (endStream) this.#endResponse(out, null);
  }

  #endResponse(out: Command[], trailers: [string, string][] | null | undefined): void {
    if (this.#state === "closed") return;
    if (this.#responseChunked) out.push(new SendData(this.conn, encodeLastChunk(trailers ?? [])));
    this.#responseStarted = false;
    if (this.#switching) {
      this.#state = "tunnel";
      return;
    }
    const mustClose = !this.#keepAlive || this.#clientClosed || !this.#requestDone;
    if (mustClose) {
      this.#state = "closed";
      out.push(new CloseConnection(this.conn));
      return;
    }
    this.#state = "head";
    this.#head.reset();
    this.#request = null;
    this.#readBuffered(out);
  }

  #responseFailed(out: Command[], event: ResponseProtocolError): void {
    if (this.#state === "closed") return;
    if (!this.#responseStarted && event.status !== KILL_STATUS) {
      // Nothing sent yet: answer with a readable error instead of a silent close.
      const response = makeErrorResponse(event.status, event.message, this.context.clock.now());
      response.headers.set("Connection", "close");
      this.#keepAlive = false;
      this.#sendResponseHeaders(out, response, false);
      if (response.raw_content) out.push(new SendData(this.conn, response.raw_content));
      this.#endResponse(out, null);
      return;
    }
    this.#state = "closed";
    out.push(new CloseConnection(this.conn));
  }
}
