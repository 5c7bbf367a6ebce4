/**
 * The HTTP/1 connection to a server: request events from a stream → bytes out; bytes in →
 * response events for that stream. One request at a time; the HTTP layer only reuses the
 * connection once it is idle again.
 *
 * States: idle → request (response not complete) → idle | closed.
 */
import { HeadReader } from "../../codecs/http1/head_reader.ts";
import { parseResponseHead } from "../../codecs/http1/parse_head.ts";
import { connectionTokens, responseBodyFraming } from "../../codecs/http1/body_framing.ts";
import { type BodyReader, createBodyReader } from "../../codecs/http1/body_reader.ts";
import { assembleRequestHead, encodeChunk, encodeLastChunk } from "../../codecs/http1/assemble.ts";
import { Headers } from "../../core/flow/headers.ts";
import { type Request, Response } from "../../core/flow/http.ts";
import type { Server } from "../../core/flow/connection.ts";
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

type State = "idle" | "request" | "tunnel" | "closed";

export class Http1Client {
  #state: State = "idle";
  #head: HeadReader;
  #body: BodyReader | null = null;
  #streamId = -1;
  #request: Request | null = null;
  #requestChunked = false;
  #gotHead = false;
  #keepAlive = true;
  #responseDone = false;
  #tunnelBuffered: Uint8Array[] = [];
  /** Target form for the request line: origin-form to servers, absolute-form to proxies. */
  absoluteForm = false;

  constructor(readonly context: Context, readonly conn: Server) {
    this.#head = new HeadReader({
      maxHeadSize: context.options.max_head_size,
      maxHeaderCount: context.options.max_header_count,
    });
  }

  /** Nothing to send before the first request (HTTP/2 would send its SETTINGS here). */
  start(): Command[] {
    return [];
  }

  get idle(): boolean {
    return this.#state === "idle";
  }

  get closed(): boolean {
    return this.#state === "closed";
  }

  get streamId(): number {
    return this.#streamId;
  }

  /** Bytes the server sent after a 101 response: they belong to the tunnel that follows. */
  takeBuffered(): Uint8Array[] {
    const rest = this.#tunnelBuffered;
    this.#tunnelBuffered = [];
    return rest;
  }

  handleEvent(event: Event | HttpEvent): Command[] {
    const out: Command[] = [];
    this.#handle(out, event);
    return out;
  }

  #handle(out: Command[], event: Event | HttpEvent): void {
    if (event instanceof RequestHeaders) {
      this.#sendRequestHeaders(out, event);
    } else if (event instanceof RequestData) {
      if (event.data.length === 0) return;
      out.push(
        new SendData(this.conn, this.#requestChunked ? encodeChunk(event.data) : event.data),
      );
    } else if (event instanceof RequestEndOfMessage) {
      if (this.#requestChunked) {
        out.push(new SendData(this.conn, encodeLastChunk(event.trailers?.fields ?? [])));
      }
    } else if (event instanceof RequestProtocolError) {
      // The client side broke mid-request: this connection is unusable.
      this.#close(out);
    } else if (event instanceof DataReceived) {
      this.#receive(out, event.data);
    } else if (event instanceof ConnectionClosed) {
      this.#serverClosed(out);
    }
  }

  #sendRequestHeaders(out: Command[], event: RequestHeaders): void {
    const request = event.request;
    this.#state = "request";
    this.#streamId = event.streamId;
    this.#request = request;
    this.#gotHead = false;
    this.#responseDone = false;
    this.#head.reset();
    const headers = request.headers;
    const te = headers.get("transfer-encoding");
    this.#requestChunked = te !== undefined && /chunked\s*$/i.test(te);
    this.#keepAlive = !connectionTokens(headers.fields).has("close");
    const target = request.method === "CONNECT"
      ? request.authority
      : this.absoluteForm
      ? `${request.scheme}://${request.authority || hostPort(request)}${request.path}`
      : request.path || "/";
    const version = request.http_version.startsWith("HTTP/2") ? "HTTP/1.1" : request.http_version;
    let fields = headers.fields;
    if (version === "HTTP/1.1" && !headers.has("host") && request.method !== "CONNECT") {
      // HTTP/1.1 requires Host; absolute-form requests may arrive without one.
      fields = [["Host", request.authority || hostPort(request)], ...fields];
    }
    out.push(new SendData(this.conn, assembleRequestHead(request.method, target, version, fields)));
    // A chunked request without body still needs its last chunk to be complete.
    if (event.endStream && this.#requestChunked) {
      out.push(new SendData(this.conn, encodeLastChunk([])));
    }
  }

  #receive(out: Command[], data: Uint8Array): void {
    if (this.#state !== "request") {
      if (this.#state === "idle" && data.length > 0) {
        out.push(
          new Log(
            `server ${describeAddress(this.conn)} sent ${data.length} unexpected bytes; closing`,
            "info",
          ),
        );
        this.#close(out);
      }
      return;
    }
    let chunk: Uint8Array = data;
    while (chunk.length > 0 && this.#state === "request" && !this.#responseDone) {
      if (!this.#gotHead) {
        const result = this.#head.feed(chunk);
        if (result === null) return;
        if ("error" in result) {
          this.#fail(out, `invalid response from server: ${result.error}`);
          return;
        }
        chunk = result.rest;
        const head = parseResponseHead(result.head, {
          maxHeadSize: this.context.options.max_head_size,
          maxHeaderCount: this.context.options.max_header_count,
        });
        if ("error" in head) {
          this.#fail(out, `invalid response from server: ${head.error}`);
          return;
        }
        if (head.statusCode >= 100 && head.statusCode < 200 && head.statusCode !== 101) {
          // Interim responses (100 Continue, 103 Early Hints) are not forwarded: we answered
          // Expect ourselves, and HTTP/1.0 clients must not see them.
          this.#head.reset();
          continue;
        }
        const framing = responseBodyFraming(this.#request!.method, head);
        if ("error" in framing) {
          this.#fail(out, `invalid response from server: ${framing.error}`);
          return;
        }
        const now = this.context.clock.now();
        const response = new Response({
          http_version: head.httpVersion,
          status_code: head.statusCode,
          reason: head.reason,
          headers: new Headers(head.headers),
          content: null,
          trailers: null,
          timestamp_start: now,
          timestamp_end: null,
        });
        this.#gotHead = true;
        if (connectionTokens(head.headers).has("close") || head.httpVersion === "HTTP/1.0") {
          this.#keepAlive = this.#keepAlive && head.httpVersion === "HTTP/1.1" &&
            !connectionTokens(head.headers).has("close");
        }
        if (head.statusCode === 101) {
          // The connection now belongs to whatever protocol was upgraded to.
          this.#state = "tunnel";
          if (chunk.length > 0) this.#tunnelBuffered.push(chunk);
          out.push(new ReceiveHttp(new ResponseHeaders(this.#streamId, response, true)));
          out.push(new ReceiveHttp(new ResponseEndOfMessage(this.#streamId, null)));
          return;
        }
        if (framing.kind === "none" || (framing.kind === "length" && framing.length === 0)) {
          out.push(new ReceiveHttp(new ResponseHeaders(this.#streamId, response, true)));
          this.#finishResponse(out, null);
          return;
        }
        if (framing.kind === "close") this.#keepAlive = false;
        this.#body = createBodyReader(framing, {
          maxHeadSize: this.context.options.max_head_size,
          maxHeaderCount: this.context.options.max_header_count,
        });
        out.push(new ReceiveHttp(new ResponseHeaders(this.#streamId, response, false)));
      } else {
        const result = this.#body!.feed(chunk);
        if ("error" in result) {
          this.#fail(out, `invalid response body from server: ${result.error}`);
          return;
        }
        for (const part of result.data) {
          if (part.length > 0) out.push(new ReceiveHttp(new ResponseData(this.#streamId, part)));
        }
        if (!result.done) return;
        if (result.rest.length > 0) this.#keepAlive = false; // data beyond the response
        this.#finishResponse(out, result.trailers ?? null);
        return;
      }
    }
  }

  #finishResponse(out: Command[], trailers: [string, string][] | null): void {
    this.#body = null;
    this.#responseDone = true;
    const streamId = this.#streamId;
    if (this.#keepAlive) {
      this.#state = "idle";
    } else {
      this.#close(out);
    }
    out.push(
      new ReceiveHttp(
        new ResponseEndOfMessage(streamId, trailers ? new Headers(trailers) : null),
      ),
    );
  }

  #serverClosed(out: Command[]): void {
    if (this.#state === "request" && !this.#responseDone) {
      if (this.#gotHead) {
        const end = this.#body!.eof();
        if (!("error" in end)) {
          this.#keepAlive = false;
          this.#finishResponse(out, end.trailers ?? null);
          return;
        }
        this.#fail(out, `server closed the connection mid-response: ${end.error}`);
        return;
      }
      this.#fail(out, "server closed the connection without sending a response");
      return;
    }
    this.#close(out);
  }

  #fail(out: Command[], message: string): void {
    const streamId = this.#streamId;
    // The socket error, if any, says why (e.g. "connection reset by peer").
    if (this.conn.error !== null && !message.includes(this.conn.error)) {
      message = `${message} (${this.conn.error})`;
    }
    this.#close(out);
    out.push(new ReceiveHttp(new ResponseProtocolError(streamId, message, 502)));
  }

  #close(out: Command[]): void {
    if (this.#state === "closed") return;
    this.#state = "closed";
    out.push(new CloseConnection(this.conn));
  }
}

function hostPort(request: Request): string {
  const host = request.host.includes(":") ? `[${request.host}]` : request.host;
  const defaultPort = request.scheme === "https" ? 443 : 80;
  return request.port === defaultPort ? host : `${host}:${request.port}`;
}

function describeAddress(server: Server): string {
  const a = server.address;
  return a ? `${a[0]}:${a[1]}` : "<unknown>";
}
