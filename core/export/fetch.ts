/**
 * JavaScript `fetch()` export (not in mitmproxy; users asked for it):
 *
 * ```js ignore
 * const response = await fetch("http://example.com/path", {
 *   method: "POST",
 *   headers: {
 *     "content-type": "application/json",
 *   },
 *   body: "{\"a\": 1}",
 * });
 * ```
 *
 * - Header values are the latin1 strings fetch takes as ByteStrings, so the bytes on the
 *   wire are the recorded ones. Duplicate names are folded (fetch's Headers would fold them
 *   anyway); Host, Content-Length and Transfer-Encoding are left to fetch (`libraryHeaders`).
 * - A UTF-8 body is a string literal; without a Content-Type header it is wrapped in
 *   `new TextEncoder().encode(...)`, since fetch labels string bodies `text/plain`. Any
 *   other body is `Uint8Array.from(atob("<base64>"), (c) => c.charCodeAt(0))`.
 * - fetch() refuses CONNECT/TRACE/TRACK and bodies on GET/HEAD: those are ExportErrors.
 */

import { latin1Decode } from "../../codecs/bytes.ts";
import type { Flow } from "../flow/flow.ts";
import { cleanupRequest, ExportError, libraryHeaders, popHeaders } from "./flow_parts.ts";
import { asciiUrl, utf8OrNull } from "./text.ts";

const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/** A JavaScript string literal: JSON, plus escapes for C1 controls and U+2028/U+2029. */
export function jsString(s: string): string {
  return JSON.stringify(s).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

function jsBody(body: Uint8Array, hasContentType: boolean): string {
  const text = utf8OrNull(body);
  if (text === null) {
    return `Uint8Array.from(atob(${jsString(btoa(latin1Decode(body)))}), (c) => c.charCodeAt(0))`;
  }
  return hasContentType ? jsString(text) : `new TextEncoder().encode(${jsString(text)})`;
}

export function fetchSnippet(flow: Flow): string {
  const request = cleanupRequest(flow, "fetch");
  popHeaders(request); // before pretty_url, as for curl
  const method = request.method;
  if (FORBIDDEN_METHODS.has(method)) {
    throw new ExportError(`Can't export a ${method} request as fetch: fetch() refuses ${method}.`);
  }
  const body = request.raw_content ?? new Uint8Array(0);
  if (body.length > 0 && (method === "GET" || method === "HEAD")) {
    throw new ExportError(
      `Can't export a ${method} request with a body as fetch: fetch() allows no body on ${method}.`,
    );
  }
  const lines = [
    `const response = await fetch(${jsString(asciiUrl(request.pretty_url))}, {`,
    `  method: ${jsString(method)},`,
  ];
  const headers = libraryHeaders(request);
  if (headers.length > 0) {
    lines.push("  headers: {");
    for (const [name, value] of headers) lines.push(`    ${jsString(name)}: ${jsString(value)},`);
    lines.push("  },");
  }
  if (body.length > 0) {
    lines.push(`  body: ${jsBody(body, request.headers.has("content-type"))},`);
  }
  lines.push("});");
  return lines.join("\n");
}
