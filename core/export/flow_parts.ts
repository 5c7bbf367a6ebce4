/**
 * What every exporter starts from (mitmproxy `export.py`'s `cleanup_request`,
 * `cleanup_response` and `pop_headers`): a decoded copy of the request or response, never
 * the flow's own message, and errors that say which flow could not be exported as what.
 */

import { CommandError } from "../command.ts";
import type { Flow } from "../flow/flow.ts";
import { HttpFlow, Request, Response } from "../flow/http.ts";

/** Why a flow cannot be exported in a format. A CommandError, so commands report it as is. */
export class ExportError extends CommandError {
  override name = "ExportError";
}

/** Settings that change an export; the `export` addon fills them from options. */
export interface ExportOptions {
  /** `export_preserve_original_ip`: make curl connect to the IP the flow went to. */
  readonly preserve_original_ip?: boolean;
}

/** One export format: a pure function of the flow. Throws ExportError. */
export type ExportFn = (flow: Flow, options?: ExportOptions) => string | Uint8Array;

/** The flow as an HttpFlow, or an ExportError naming the flow type and the format. */
export function httpFlowFor(flow: Flow, format: string): HttpFlow {
  if (flow instanceof HttpFlow) return flow;
  throw new ExportError(
    `Can't export a ${flow.type.toUpperCase()} flow as ${format}: only HTTP flows can be exported.`,
  );
}

/** A copy of the request with Content-Encoding undone (a body that fails to decode stays
 * as it is), like mitmproxy's `cleanup_request`. */
export function cleanupRequest(flow: Flow, format: string): Request {
  const request = Request.fromState(httpFlowFor(flow, format).request.getState());
  request.decode(false);
  return request;
}

/** Like `cleanupRequest`, for the response; "Can't export flow with no response." if none. */
export function cleanupResponse(flow: Flow, format: string): Response {
  const response = httpFlowFor(flow, format).response;
  if (response === null) throw new ExportError("Can't export flow with no response.");
  const copy = Response.fromState(response.getState());
  copy.decode(false);
  return copy;
}

/** mitmproxy's `pop_headers`: drops what the client computes itself for curl/httpie:
 * Content-Length, and Host / `:authority` when they equal the request's host. */
export function popHeaders(request: Request): void {
  request.headers.delete("content-length");
  if ((request.headers.get("host") ?? "") === request.host) request.headers.delete("host");
  if ((request.headers.get(":authority") ?? "") === request.host) {
    request.headers.delete(":authority");
  }
}

/** Headers for the library snippets (fetch, requests): one entry per name, duplicates
 * folded (`; ` for Cookie, `, ` otherwise), minus what the library frames itself
 * (Content-Length, Transfer-Encoding), Host (the URL carries it: `pretty_url` is built
 * from it; call `popHeaders` first, as curl does, so a Host equal to the host does not
 * hide the port) and HTTP/2 pseudo-headers. */
export function libraryHeaders(request: Request): [string, string][] {
  const skip = new Set(["content-length", "transfer-encoding", "host"]);
  const out: [string, string][] = [];
  for (const name of request.headers.keys()) {
    const lower = name.toLowerCase();
    if (skip.has(lower) || name.startsWith(":")) continue;
    const values = request.headers.getAll(name);
    out.push([name, values.join(lower === "cookie" ? "; " : ", ")]);
  }
  return out;
}
