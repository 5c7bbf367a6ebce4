/** Message body framing (RFC 9112 §6.3, as mitmproxy's `expected_http_body_size`) and helpers
 * for connection-level header semantics. */

import { asciiLower, isToken, nameIs, quote, trimOws } from "./chars.ts";
import type { BodyFraming, HeaderFields, ParseError, RequestHead, ResponseHead } from "./types.ts";

export type { BodyFraming } from "./types.ts";

const NONE: BodyFraming = Object.freeze({ kind: "none" });
const CHUNKED: BodyFraming = Object.freeze({ kind: "chunked" });
const CLOSE: BodyFraming = Object.freeze({ kind: "close" });

/** Transfer codings a request may use (RFC 9112 §7; x-* aliases per §7.2). */
const KNOWN_CODINGS = new Set([
  "chunked",
  "gzip",
  "x-gzip",
  "deflate",
  "compress",
  "x-compress",
  "identity",
]);

/** Framing of a request body: Transfer-Encoding wins over Content-Length; neither means none. */
export function requestBodyFraming(head: RequestHead): BodyFraming | ParseError {
  return framing(head.headers, true);
}

/** Framing of a response body to a request with `requestMethod`. */
export function responseBodyFraming(
  requestMethod: string,
  head: ResponseHead,
): BodyFraming | ParseError {
  const code = head.statusCode;
  if (requestMethod === "HEAD" || (code >= 100 && code < 200) || code === 204 || code === 304) {
    return NONE;
  }
  // A 2xx to CONNECT turns the connection into a tunnel; CL/TE must be ignored.
  if (requestMethod === "CONNECT" && code >= 200 && code < 300) return NONE;
  return framing(head.headers, false);
}

function framing(headers: HeaderFields, isRequest: boolean): BodyFraming | ParseError {
  let te: string[] | null = null;
  let cl: string[] | null = null;
  for (let i = 0; i < headers.length; i++) {
    const name = headers[i][0];
    if (name.length === 17 && nameIs(name, "transfer-encoding")) (te ??= []).push(headers[i][1]);
    else if (name.length === 14 && nameIs(name, "content-length")) {
      (cl ??= []).push(headers[i][1]);
    }
  }
  if (te !== null) return transferEncodingFraming(te, isRequest);
  if (cl !== null) return contentLengthFraming(cl);
  return isRequest ? NONE : CLOSE;
}

function transferEncodingFraming(values: string[], isRequest: boolean): BodyFraming | ParseError {
  const codings: string[] = [];
  for (const value of values) {
    for (const element of value.split(",")) {
      const semi = element.indexOf(";");
      const coding = trimOws(semi < 0 ? element : element.slice(0, semi));
      if (coding === "") continue;
      if (!isToken(coding)) {
        return { error: `Invalid Transfer-Encoding: ${quote(values.join(", "))}`, status: 400 };
      }
      codings.push(asciiLower(coding));
    }
  }
  if (codings.length === 0) return { error: "Empty Transfer-Encoding header", status: 400 };
  for (let i = 0; i < codings.length; i++) {
    // Unknown codings in a response are opaque: we only need to know whether chunked is last.
    if (isRequest && !KNOWN_CODINGS.has(codings[i])) {
      return {
        error: `Unsupported transfer coding ${quote(codings[i])} in Transfer-Encoding: ` +
          quote(values.join(", ")),
        status: 501,
      };
    }
    if (codings[i] === "chunked" && i !== codings.length - 1) {
      if (codings.indexOf("chunked", i + 1) >= 0 || isRequest) {
        return {
          error: `Transfer-Encoding with chunked not last: ${quote(values.join(", "))}`,
          status: 400,
        };
      }
    }
  }
  if (codings[codings.length - 1] === "chunked") return CHUNKED;
  if (isRequest) {
    return {
      error: `Request Transfer-Encoding does not end in chunked, so the body length cannot be ` +
        `determined: ${quote(values.join(", "))}`,
      status: 400,
    };
  }
  return CLOSE;
}

function contentLengthFraming(values: string[]): BodyFraming | ParseError {
  let length = -1;
  for (const value of values) {
    // "5, 5" is a list of identical values (RFC 9110 §8.6); each element must agree.
    for (const element of value.split(",")) {
      const digits = trimOws(element);
      const n = parseLength(digits);
      if (n < 0) return { error: `Invalid Content-Length: ${quote(value)}`, status: 400 };
      if (length >= 0 && n !== length) {
        return {
          error: `Conflicting Content-Length values: ${quote(values.join(", "))}`,
          status: 400,
        };
      }
      length = n;
    }
  }
  return { kind: "length", length };
}

/** Decimal digits only, at most 2^53 - 1; -1 if invalid. */
function parseLength(s: string): number {
  if (s.length === 0 || s.length > 16) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= Number.MAX_SAFE_INTEGER ? n : -1;
}

const NO_TOKENS: ReadonlySet<string> = new Set<string>();

/** Lowercased tokens of all Connection header fields. */
export function connectionTokens(headers: HeaderFields): ReadonlySet<string> {
  let tokens: Set<string> | null = null;
  for (let i = 0; i < headers.length; i++) {
    if (!nameIs(headers[i][0], "connection")) continue;
    tokens ??= new Set<string>();
    for (const element of headers[i][1].split(",")) {
      const token = trimOws(element);
      if (token !== "") tokens.add(asciiLower(token));
    }
  }
  return tokens ?? NO_TOKENS;
}

/** Whether the connection closes after this message: "Connection: close", or HTTP/1.0
 * without "Connection: keep-alive". */
export function connectionClose(httpVersion: string, headers: HeaderFields): boolean {
  const tokens = connectionTokens(headers);
  if (tokens.has("close")) return true;
  return httpVersion === "HTTP/1.0" && !tokens.has("keep-alive");
}

/** "Expect: 100-continue" on an HTTP/1.1 request (HTTP/1.0 servers must ignore it). */
export function expectsContinue(head: Pick<RequestHead, "httpVersion" | "headers">): boolean {
  if (head.httpVersion === "HTTP/1.0") return false;
  const headers = head.headers;
  for (let i = 0; i < headers.length; i++) {
    if (nameIs(headers[i][0], "expect") && nameIs(trimOws(headers[i][1]), "100-continue")) {
      return true;
    }
  }
  return false;
}

/** A protocol upgrade request/response: "Connection: upgrade" plus an Upgrade header. */
export function isUpgrade(headers: HeaderFields): boolean {
  let upgrade = false;
  for (let i = 0; i < headers.length; i++) {
    if (nameIs(headers[i][0], "upgrade") && trimOws(headers[i][1]) !== "") upgrade = true;
  }
  return upgrade && connectionTokens(headers).has("upgrade");
}
