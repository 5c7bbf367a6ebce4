/**
 * HTTP events: what a connection layer (HTTP/1 now, HTTP/2 later) tells a stream, and what a
 * stream asks a connection to send. The same events flow in both directions, so a stream never
 * knows which HTTP version carries it.
 */
import type { Request, Response } from "../../core/flow/http.ts";
import type { Headers } from "../../core/flow/headers.ts";
import { Event } from "../events.ts";

export type StreamId = number;

export class RequestHeaders extends Event {
  readonly kind = "RequestHeaders";
  constructor(
    readonly streamId: StreamId,
    readonly request: Request,
    readonly endStream: boolean,
  ) {
    super();
  }
}

export class RequestData extends Event {
  readonly kind = "RequestData";
  constructor(readonly streamId: StreamId, readonly data: Uint8Array) {
    super();
  }
}

export class RequestEndOfMessage extends Event {
  readonly kind = "RequestEndOfMessage";
  constructor(readonly streamId: StreamId, readonly trailers: Headers | null = null) {
    super();
  }
}

export class ResponseHeaders extends Event {
  readonly kind = "ResponseHeaders";
  constructor(
    readonly streamId: StreamId,
    readonly response: Response,
    readonly endStream: boolean,
  ) {
    super();
  }
}

export class ResponseData extends Event {
  readonly kind = "ResponseData";
  constructor(readonly streamId: StreamId, readonly data: Uint8Array) {
    super();
  }
}

export class ResponseEndOfMessage extends Event {
  readonly kind = "ResponseEndOfMessage";
  constructor(readonly streamId: StreamId, readonly trailers: Headers | null = null) {
    super();
  }
}

/** The peer broke the protocol or went away mid-message; `status` is what to answer with. */
export class RequestProtocolError extends Event {
  readonly kind = "RequestProtocolError";
  constructor(readonly streamId: StreamId, readonly message: string, readonly status = 400) {
    super();
  }
}

export class ResponseProtocolError extends Event {
  readonly kind = "ResponseProtocolError";
  constructor(readonly streamId: StreamId, readonly message: string, readonly status = 502) {
    super();
  }
}

export type HttpEvent =
  | RequestHeaders
  | RequestData
  | RequestEndOfMessage
  | RequestProtocolError
  | ResponseHeaders
  | ResponseData
  | ResponseEndOfMessage
  | ResponseProtocolError;
