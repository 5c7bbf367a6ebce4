/**
 * Raw HTTP/1 exports (mitmproxy's `raw_request`, `raw_response` and `raw`): the message as
 * HTTP/1 bytes, from a decoded copy (Content-Encoding undone and the header removed,
 * Content-Length updated), headers in their order, case and duplicates.
 *
 * - The request line is mitmproxy's: `CONNECT authority`, `scheme://authority/path` when
 *   the request has an authority (absolute form, HTTP/2), else the path; the method as sent.
 * - With `Transfer-Encoding: chunked` the body is one chunk plus the last chunk and any
 *   trailers; trailers without chunked framing cannot be written in HTTP/1 (mitmproxy fails
 *   there too), so that is an ExportError.
 * - `raw` is request, `\r\n\r\n`, response, and for a WebSocket flow `\r\n\r\n` and the
 *   messages as `[OUTGOING] ...` / `[INCOMING] ...` lines; with only one of request and
 *   response body stored, just that one.
 */

import { concatBytes, latin1Decode, latin1Encode } from "../../codecs/bytes.ts";
import {
  assembleRequestHead,
  assembleResponseHead,
  encodeChunk,
  encodeLastChunk,
} from "../../codecs/http1/assemble.ts";
import type { Flow } from "../flow/flow.ts";
import type { Headers } from "../flow/headers.ts";
import type { Request, Response } from "../flow/http.ts";
import { cleanupRequest, cleanupResponse, ExportError, httpFlowFor } from "./flow_parts.ts";

function assembleBody(
  what: string,
  headers: Headers,
  content: Uint8Array,
  trailers: Headers | null,
): Uint8Array {
  if ((headers.get("transfer-encoding") ?? "").toLowerCase().includes("chunked")) {
    return concatBytes([encodeChunk(content), encodeLastChunk(trailers?.fields)]);
  }
  if (trailers !== null && trailers.fields.length > 0) {
    throw new ExportError(
      `Can't export the ${what} as HTTP/1: it has trailers but no "Transfer-Encoding: chunked".`,
    );
  }
  return content;
}

function requestTarget(request: Request, method: string): string {
  if (method.toUpperCase() === "CONNECT") return request.authority;
  if (request.authority) return `${request.scheme}://${request.authority}${request.path}`;
  return request.path;
}

function assembleRequest(request: Request): Uint8Array {
  if (request.raw_content === null) {
    throw new ExportError("Request content missing: the body was streamed, not stored.");
  }
  // The method as sent; the `method` getter upper-cases it.
  const method = latin1Decode(request.getState().method as Uint8Array);
  const head = assembleRequestHead(
    method,
    requestTarget(request, method),
    request.http_version,
    request.headers.fields,
  );
  const body = assembleBody("request", request.headers, request.raw_content, request.trailers);
  return concatBytes([head, body]);
}

function assembleResponse(response: Response): Uint8Array {
  if (response.raw_content === null) {
    throw new ExportError("Response content missing: the body was streamed, not stored.");
  }
  const head = assembleResponseHead(
    response.http_version,
    response.status_code,
    response.reason,
    response.headers.fields,
  );
  const body = assembleBody("response", response.headers, response.raw_content, response.trailers);
  return concatBytes([head, body]);
}

export function rawRequest(flow: Flow): Uint8Array {
  return assembleRequest(cleanupRequest(flow, "raw_request"));
}

export function rawResponse(flow: Flow): Uint8Array {
  return assembleResponse(cleanupResponse(flow, "raw_response"));
}

const SEPARATOR = latin1Encode("\r\n\r\n");
const NEWLINE = latin1Encode("\n");
const OUTGOING = latin1Encode("[OUTGOING] ");
const INCOMING = latin1Encode("[INCOMING] ");

/** Request and response (and WebSocket messages), or whichever of the two has a body. */
export function raw(flow: Flow): Uint8Array {
  const f = httpFlowFor(flow, "raw");
  const requestPresent = f.request.raw_content !== null;
  const responsePresent = f.response !== null && f.response.raw_content !== null;
  if (requestPresent && responsePresent) {
    const parts = [
      assembleRequest(cleanupRequest(f, "raw")),
      SEPARATOR,
      assembleResponse(cleanupResponse(f, "raw")),
    ];
    if (f.websocket !== null) {
      parts.push(SEPARATOR);
      f.websocket.messages.forEach((m, i) => {
        if (i > 0) parts.push(NEWLINE);
        parts.push(m.from_client ? OUTGOING : INCOMING, m.content);
      });
    }
    return concatBytes(parts);
  }
  if (requestPresent) return assembleRequest(cleanupRequest(f, "raw"));
  if (responsePresent) return assembleResponse(cleanupResponse(f, "raw"));
  throw new ExportError("Can't export flow with no request or response.");
}
