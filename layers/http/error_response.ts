/** Responses the proxy makes itself when something goes wrong. */
import { REASON_PHRASES } from "../../codecs/http1/status_reasons.ts";
import { Headers } from "../../core/flow/headers.ts";
import { Response } from "../../core/flow/http.ts";
import { utf8Encode } from "../../codecs/bytes.ts";

/** A small text/plain error response whose body names the cause. */
export function makeErrorResponse(status: number, message: string, now: number): Response {
  const reason = REASON_PHRASES[status] ?? "Unknown";
  const body = utf8Encode(`${status} ${reason}\n\n${message}\n`);
  const headers = new Headers([
    ["Server", "mitmdeno"],
    ["Content-Type", "text/plain; charset=utf-8"],
    ["Content-Length", String(body.length)],
  ]);
  return new Response({
    http_version: "HTTP/1.1",
    status_code: status,
    reason,
    headers,
    content: body,
    trailers: null,
    timestamp_start: now,
    timestamp_end: now,
  });
}

/** The answer to a successful CONNECT. */
export function makeConnectResponse(now: number): Response {
  return new Response({
    http_version: "HTTP/1.1",
    status_code: 200,
    reason: "Connection established",
    headers: new Headers(),
    content: new Uint8Array(0),
    trailers: null,
    timestamp_start: now,
    timestamp_end: now,
  });
}
