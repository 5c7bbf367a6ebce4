/** Shared types of the sans-io HTTP/1.x codec. Header names and values are latin1 strings. */

/** Header fields in wire order, keeping case and duplicates. */
export type HeaderFields = [string, string][];

export type TargetForm = "origin" | "absolute" | "authority" | "asterisk";

export interface RequestHead {
  /** As sent, e.g. "GET". */
  method: string;
  /** Raw request-target. */
  target: string;
  form: TargetForm;
  /** "http"/"https" (lowercased) from absolute-form, "" otherwise. */
  scheme: string;
  /** Authority as sent in absolute/authority form ("host[:port]"), "" for origin/asterisk form. */
  authority: string;
  /** Host from absolute/authority form (IPv6 without brackets), "" otherwise. */
  host: string;
  /** Port from absolute/authority form (80/443 by scheme when absent), 0 otherwise. */
  port: number;
  /** Path and query: "/" if absolute-form had none, "" for authority form, "*" for asterisk. */
  path: string;
  /** "HTTP/1.1" or "HTTP/1.0". */
  httpVersion: string;
  headers: HeaderFields;
}

export interface ResponseHead {
  httpVersion: string;
  statusCode: number;
  reason: string;
  headers: HeaderFields;
}

export interface Http1Limits {
  /** Maximum size of a head (request/status line, header lines, blank line) in bytes. */
  maxHeadSize: number;
  /** Maximum number of header lines in a head or trailer section. */
  maxHeaderCount: number;
}

export const DEFAULT_LIMITS: Readonly<Http1Limits> = Object.freeze({
  maxHeadSize: 64 * 1024,
  maxHeaderCount: 200,
});

/** A peer's protocol error. `status` is the HTTP status a server should answer with:
 * 400, 431 (head too large / too many headers), 501 (unsupported transfer-coding),
 * 505 (unsupported HTTP version). */
export type ParseError = { error: string; status: number };

export function isParseError(value: unknown): value is ParseError {
  return typeof value === "object" && value !== null && "error" in value;
}

/** How the length of a message body is determined (RFC 9112 §6.3). */
export type BodyFraming =
  | { kind: "none" }
  | { kind: "length"; length: number }
  | { kind: "chunked" }
  | { kind: "close" };

/** Result of feeding bytes to a body reader. `data` are body bytes (views into the fed chunk),
 * `rest` the bytes after the end of the body (only non-empty once `done`). */
export type BodyChunkResult =
  | { data: Uint8Array[]; done: boolean; rest: Uint8Array; trailers?: HeaderFields }
  | ParseError;

/** Result of asking a body reader whether the connection may end here. */
export type BodyEofResult = { done: true; trailers?: HeaderFields } | ParseError;

/** An incremental body decoder. */
export interface BodyReader {
  /** Consumes a chunk. After `done`, further bytes are returned in `rest` untouched. */
  feed(chunk: Uint8Array): BodyChunkResult;
  /** The peer closed the connection: is ending the body here legal? Marks it done if so. */
  eof(): BodyEofResult;
  /** Whether the end of the body has been reached. */
  readonly done: boolean;
}

export { EMPTY_BYTES } from "../bytes.ts";
