/**
 * One request/response exchange as an `HttpFlow`: runs the HTTP hooks, buffers or streams
 * bodies, connects upstream and answers errors. Speaks only HTTP events, so it works the
 * same over HTTP/1 and (later) HTTP/2.
 *
 * States (`#state`, a handler per state):
 *   requestHeaders → requestBody (buffered) | requestStream (streamed) → responseHeaders
 *   responseHeaders → responseBody (buffered) | responseStream (streamed) → done
 *   any state → done on a protocol error or a killed flow
 */
import { concatBytes } from "../../codecs/bytes.ts";
import { Server } from "../../core/flow/connection.ts";
import { FlowError, KILLED_MESSAGE } from "../../core/flow/flow.ts";
import { HttpFlow, type Response } from "../../core/flow/http.ts";
import { CancelWakeup, CloseConnection, RequestWakeup } from "../commands.ts";
import { type Event, Wakeup } from "../events.ts";
import { type CommandGenerator, Layer, log } from "../layer.ts";
import type { Context } from "../context.ts";
import {
  RequestData,
  RequestEndOfMessage,
  RequestHeaders,
  RequestProtocolError,
  ResponseData,
  ResponseEndOfMessage,
  ResponseHeaders,
  ResponseProtocolError,
  type StreamId,
} from "./http_events.ts";
import {
  GetHttpConnection,
  type GetHttpConnectionReply,
  SendHttp,
  StreamDone,
  SwitchToTunnel,
} from "./http_commands.ts";
import { makeConnectResponse } from "./error_response.ts";
import { KILL_STATUS } from "./http1_server.ts";
import { fixContentLength } from "./content_length.ts";
import { type HttpMode, pointAtModeServer, validateRequestForm } from "./http_mode.ts";
import { websocketUpgrade } from "./websocket_upgrade.ts";

type Handler = (event: Event) => CommandGenerator;

export class HttpStream extends Layer {
  flow: HttpFlow | null = null;
  #state: Handler;
  #server: Server | null = null;
  #requestBody: Uint8Array[] = [];
  #requestBodySize = 0;
  #responseBody: Uint8Array[] = [];
  #responseBodySize = 0;
  #responseSent = false;
  #requestComplete = false;
  #requestStreamed = false;
  #finished = false;
  #responseTimer: RequestWakeup | null = null;
  /** Keep a copy of a streamed response body (server-sent events). */
  #recordStreamed = false;

  constructor(context: Context, readonly streamId: StreamId, readonly mode: HttpMode) {
    super(context);
    this.#state = this.#onRequestHeaders;
  }

  override describe(): string {
    return `HttpStream(${this.streamId})`;
  }

  protected *handle(event: Event): CommandGenerator {
    if (this.#finished) return;
    if (event instanceof RequestProtocolError) {
      yield* this.#protocolError(event.message, event.status, true);
      return;
    }
    if (event instanceof ResponseProtocolError) {
      yield* this.#protocolError(event.message, event.status, false);
      return;
    }
    yield* this.#state.call(this, event);
  }

  *#onRequestHeaders(event: Event): CommandGenerator {
    if (!(event instanceof RequestHeaders)) return;
    const request = event.request;
    const server = new Server({ address: null });
    const flow = new HttpFlow(this.context.client, server, this.context.clock.now(), request, true);
    this.flow = flow;
    const formError = validateRequestForm(this.mode, request);
    if (formError !== null) {
      yield* this.#protocolError(formError, 400, true);
      return;
    }
    pointAtModeServer(
      this.mode,
      request,
      this.context.client.tls,
      this.context.options.keep_host_header,
    );
    server.address = [request.host, request.port];
    if (request.method === "CONNECT") {
      yield* this.#handleConnect(flow, server);
      return;
    }
    yield* this.hook("requestheaders", flow);
    if (yield* this.#killed()) return;
    if (flow.response !== null) {
      yield* this.#replyFromAddon(flow);
      return;
    }
    const limit = this.context.options.stream_large_bodies;
    const declared = Number(request.headers.get("content-length") ?? "NaN");
    if (
      !event.endStream &&
      (request.stream || (limit !== null && Number.isFinite(declared) && declared > limit))
    ) {
      this.#requestStreamed = true;
      request.stream = true;
      if (!(yield* this.#connect(flow))) return;
      yield new SendHttp(new RequestHeaders(this.streamId, request, false), this.#server!);
      this.#state = this.#onRequestStream;
      return;
    }
    this.#state = this.#onRequestBody;
  }

  *#onRequestBody(event: Event): CommandGenerator {
    if (event instanceof RequestData) {
      this.#requestBody.push(event.data);
      this.#requestBodySize += event.data.length;
      const limit = this.context.options.body_size_limit;
      if (limit !== null && this.#requestBodySize > limit) {
        yield* this.#protocolError(
          `Request body exceeds body_size_limit (${limit} bytes).`,
          413,
          true,
        );
        return;
      }
      const streamLimit = this.context.options.stream_large_bodies;
      if (streamLimit !== null && this.#requestBodySize > streamLimit) {
        // The body turned out larger than the threshold: flush what we have and stream on.
        const request = this.flow!.request;
        this.#requestStreamed = true;
        request.stream = true;
        if (!(yield* this.#connect(this.flow!))) return;
        yield new SendHttp(new RequestHeaders(this.streamId, request, false), this.#server!);
        yield new SendHttp(
          new RequestData(this.streamId, concatBytes(this.#requestBody)),
          this.#server!,
        );
        this.#requestBody = [];
        this.#state = this.#onRequestStream;
      }
    } else if (event instanceof RequestEndOfMessage) {
      const flow = this.flow!;
      const request = flow.request;
      request.raw_content = concatBytes(this.#requestBody);
      this.#requestBody = [];
      request.trailers = event.trailers;
      this.#requestComplete = true;
      yield* this.hook("request", flow);
      if (yield* this.#killed()) return;
      if (flow.response !== null) {
        yield* this.#replyFromAddon(flow);
        return;
      }
      if (!(yield* this.#connect(flow))) return;
      fixContentLength(request, false);
      const hasBody = (request.raw_content?.length ?? 0) > 0 || request.trailers !== null;
      yield new SendHttp(new RequestHeaders(this.streamId, request, !hasBody), this.#server!);
      if (hasBody) {
        if (request.raw_content!.length > 0) {
          yield new SendHttp(new RequestData(this.streamId, request.raw_content!), this.#server!);
        }
        yield new SendHttp(new RequestEndOfMessage(this.streamId, request.trailers), this.#server!);
      }
      this.#state = this.#onResponseHeaders;
      yield* this.#startResponseTimer();
    }
  }

  *#onRequestStream(event: Event): CommandGenerator {
    if (event instanceof RequestData) {
      yield new SendHttp(event, this.#server!);
    } else if (event instanceof RequestEndOfMessage) {
      this.#requestComplete = true;
      this.flow!.request.trailers = event.trailers;
      yield* this.hook("request", this.flow!);
      if (yield* this.#killed()) return;
      yield new SendHttp(new RequestEndOfMessage(this.streamId, event.trailers), this.#server!);
      this.#state = this.#onResponseHeaders;
      yield* this.#startResponseTimer();
    } else if (event instanceof ResponseHeaders) {
      // Servers may answer before the request body is complete (e.g. 413).
      yield* this.#onResponseHeaders(event);
    }
  }

  #recordChunk(data: Uint8Array): void {
    const limit = this.context.options.body_size_limit;
    if (limit !== null && this.#responseBodySize + data.length > limit) {
      this.#recordStreamed = false; // stop recording, keep streaming
      this.#responseBody = [];
      return;
    }
    this.#responseBody.push(data);
    this.#responseBodySize += data.length;
    this.flow!.response!.raw_content = null;
  }

  *#stopResponseTimer(): CommandGenerator {
    if (this.#responseTimer === null) return;
    yield new CancelWakeup(this.#responseTimer);
    this.#responseTimer = null;
  }

  *#startResponseTimer(): CommandGenerator {
    const timeout = this.context.options.response_timeout;
    if (timeout > 0) {
      this.#responseTimer = new RequestWakeup(timeout);
      yield this.#responseTimer;
    }
  }

  *#onResponseHeaders(event: Event): CommandGenerator {
    if (event instanceof Wakeup) {
      if (event.command !== this.#responseTimer) return;
      this.#responseTimer = null;
      const timeout = this.context.options.response_timeout;
      if (this.#server !== null) {
        // Tell the server connection the exchange is abandoned: it closes and is not reused.
        const message = "no response in time";
        yield new SendHttp(new RequestProtocolError(this.streamId, message, 504), this.#server);
      }
      yield* this.#protocolError(
        `The server did not send a response within ${timeout} seconds (response_timeout).`,
        504,
        false,
      );
      return;
    }
    if (!(event instanceof ResponseHeaders)) return;
    yield* this.#stopResponseTimer();
    const flow = this.flow!;
    const response = event.response;
    flow.response = response;
    yield* this.hook("responseheaders", flow);
    if (yield* this.#killed()) return;
    if (event.endStream) {
      response.raw_content = new Uint8Array(0);
      response.timestamp_end = this.context.clock.now();
      yield* this.hook("response", flow);
      if (yield* this.#killed()) return;
      yield* this.#sendResponse(flow.response ?? response);
      return;
    }
    const limit = this.context.options.stream_large_bodies;
    const declared = Number(response.headers.get("content-length") ?? "NaN");
    // Server-sent events never end by design: stream them at once, but keep a copy so the
    // flow still shows the events (up to body_size_limit, if set).
    const eventStream = /^\s*text\/event-stream/i.test(response.headers.get("content-type") ?? "");
    if (
      response.stream || eventStream ||
      (limit !== null && Number.isFinite(declared) && declared > limit)
    ) {
      response.stream = true;
      this.#recordStreamed = eventStream;
      this.#responseSent = true;
      yield new SendHttp(new ResponseHeaders(this.streamId, response, false), this.context.client);
      this.#state = this.#onResponseStream;
      return;
    }
    this.#state = this.#onResponseBody;
  }

  *#onResponseBody(event: Event): CommandGenerator {
    const flow = this.flow!;
    if (event instanceof ResponseData) {
      this.#responseBody.push(event.data);
      this.#responseBodySize += event.data.length;
      const limit = this.context.options.body_size_limit;
      if (limit !== null && this.#responseBodySize > limit) {
        yield* this.#protocolError(
          `Response body exceeds body_size_limit (${limit} bytes).`,
          502,
          false,
        );
        return;
      }
      const streamLimit = this.context.options.stream_large_bodies;
      if (streamLimit !== null && this.#responseBodySize > streamLimit) {
        const response = flow.response!;
        response.stream = true;
        this.#responseSent = true;
        yield new SendHttp(
          new ResponseHeaders(this.streamId, response, false),
          this.context.client,
        );
        yield new SendHttp(
          new ResponseData(this.streamId, concatBytes(this.#responseBody)),
          this.context.client,
        );
        this.#responseBody = [];
        this.#state = this.#onResponseStream;
      }
    } else if (event instanceof ResponseEndOfMessage) {
      const response = flow.response!;
      response.raw_content = concatBytes(this.#responseBody);
      this.#responseBody = [];
      response.trailers = event.trailers;
      response.timestamp_end = this.context.clock.now();
      yield* this.hook("response", flow);
      if (yield* this.#killed()) return;
      yield* this.#sendResponse(flow.response ?? response);
    }
  }

  *#onResponseStream(event: Event): CommandGenerator {
    if (event instanceof ResponseData) {
      if (this.#recordStreamed) this.#recordChunk(event.data);
      yield new SendHttp(event, this.context.client);
    } else if (event instanceof ResponseEndOfMessage) {
      const flow = this.flow!;
      if (this.#recordStreamed) flow.response!.raw_content = concatBytes(this.#responseBody);
      this.#responseBody = [];
      flow.response!.trailers = event.trailers;
      flow.response!.timestamp_end = this.context.clock.now();
      yield* this.hook("response", flow);
      yield new SendHttp(
        new ResponseEndOfMessage(this.streamId, event.trailers),
        this.context.client,
      );
      yield* this.#finish();
    }
  }

  /**
   * An addon answered the request itself: the response hooks still run (as in mitmproxy),
   * so printers and other addons see the reply, then it goes to the client.
   */
  *#replyFromAddon(flow: HttpFlow): CommandGenerator {
    flow.response!.timestamp_start = this.context.clock.now();
    yield* this.hook("responseheaders", flow);
    if (yield* this.#killed()) return;
    flow.response!.timestamp_end ??= this.context.clock.now();
    yield* this.hook("response", flow);
    if (yield* this.#killed()) return;
    yield* this.#sendResponse(flow.response!);
  }

  /** Sends a complete, buffered response to the client. */
  *#sendResponse(response: Response): CommandGenerator {
    const flow = this.flow!;
    fixContentLength(response, flow.request.method === "HEAD");
    const body = response.raw_content ?? new Uint8Array(0);
    const hasBody = body.length > 0 || response.trailers !== null;
    this.#responseSent = true;
    yield new SendHttp(new ResponseHeaders(this.streamId, response, !hasBody), this.context.client);
    if (hasBody) {
      if (body.length > 0) {
        yield new SendHttp(new ResponseData(this.streamId, body), this.context.client);
      }
      yield new SendHttp(
        new ResponseEndOfMessage(this.streamId, response.trailers),
        this.context.client,
      );
    }
    // A reply sent before the whole request was read makes the HTTP/1 connection close
    // (Http1Server knows the request is unfinished), so nothing more to do here for it.
    if (response.status_code === 101 && this.#server !== null) {
      const upgrade = websocketUpgrade(flow, this.context.options.websocket);
      if (typeof upgrade === "string") {
        yield log(`WebSocket passed through undecoded: ${upgrade}`, "info");
      }
      yield new SwitchToTunnel(
        this.#server,
        "upgrade",
        typeof upgrade === "string" ? null : upgrade,
      );
    }
    yield* this.#finish();
  }

  *#handleConnect(flow: HttpFlow, server: Server): CommandGenerator {
    yield* this.hook("http_connect", flow);
    if (yield* this.#killed()) return;
    if (
      flow.response !== null &&
      (flow.response.status_code < 200 || flow.response.status_code >= 300)
    ) {
      yield* this.#sendResponse(flow.response);
      return;
    }
    if (this.context.options.connection_strategy === "eager") {
      if (!(yield* this.#connect(flow))) return;
      server = this.#server!;
    }
    const now = this.context.clock.now();
    const response = flow.response ?? makeConnectResponse(now);
    flow.response = response;
    this.#responseSent = true;
    yield new SendHttp(new ResponseHeaders(this.streamId, response, true), this.context.client);
    yield new SwitchToTunnel(this.#server ?? server, "connect");
    yield* this.#finish();
  }

  /** Gets a server connection for the flow; on failure answers 502 and returns false. */
  *#connect(flow: HttpFlow): CommandGenerator<boolean> {
    const request = flow.request;
    const command = new GetHttpConnection([request.host, request.port], request.scheme === "https");
    const [server, error] = (yield command) as GetHttpConnectionReply;
    this.#server = server;
    flow.server_conn = server;
    if (error !== null) {
      yield* this.#protocolError(
        `Could not connect to ${request.host}:${request.port}: ${error}`,
        502,
        false,
      );
      return false;
    }
    return true;
  }

  /** Ends the flow with an error: error hook, a readable error response if possible. */
  *#protocolError(message: string, status: number, fromClient: boolean): CommandGenerator {
    const flow = this.flow;
    const now = this.context.clock.now();
    if (flow !== null) {
      flow.error = new FlowError(message, now);
      yield* this.hook("error", flow);
    } else {
      yield log(`${fromClient ? "client" : "server"} protocol error: ${message}`);
    }
    if (fromClient) {
      yield new SendHttp(
        new RequestProtocolError(this.streamId, message, status),
        this.context.client,
      );
      if (this.#server !== null) {
        yield new SendHttp(new RequestProtocolError(this.streamId, message, status), this.#server);
      }
    }
    if (!this.#responseSent) {
      this.#responseSent = true;
      yield new SendHttp(
        new ResponseProtocolError(this.streamId, message, status),
        this.context.client,
      );
    } else {
      yield new CloseConnection(this.context.client);
    }
    yield* this.#finish();
  }

  /** After a hook: a killed flow closes the connection and ends the stream. */
  *#killed(): CommandGenerator<boolean> {
    const flow = this.flow!;
    if (flow.error?.msg !== KILLED_MESSAGE) return false;
    yield* this.hook("error", flow);
    // 444 = end without an answer: HTTP/1 closes the connection, HTTP/2 resets the stream only.
    yield new SendHttp(
      new ResponseProtocolError(this.streamId, KILLED_MESSAGE, KILL_STATUS),
      this.context.client,
    );
    if (this.#server !== null) {
      yield new SendHttp(
        new RequestProtocolError(this.streamId, KILLED_MESSAGE, KILL_STATUS),
        this.#server,
      );
    }
    yield* this.#finish();
    return true;
  }

  *#finish(): CommandGenerator {
    if (this.#finished) return;
    this.#finished = true;
    yield* this.#stopResponseTimer();
    if (this.flow !== null) this.flow.live = false;
    yield new StreamDone(this.streamId);
  }
}
