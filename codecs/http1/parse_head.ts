/** Parsing of complete request/response heads (as found by `HeadReader`) into structured form. */

import { CR, isToken, quote, SP } from "./chars.ts";
import { parseHeaderFields } from "./header_fields.ts";
import { decodeHead } from "./head_text.ts";
import { parseRequestTarget } from "./request_target.ts";
import {
  DEFAULT_LIMITS,
  type Http1Limits,
  type ParseError,
  type RequestHead,
  type ResponseHead,
} from "./types.ts";

/** Parses `METHOD SP target SP HTTP/1.x` plus header lines. `head` may include its
 * terminating blank line; leading blank lines must already be stripped. */
export function parseRequestHead(
  head: Uint8Array,
  limits: Http1Limits = DEFAULT_LIMITS,
): RequestHead | ParseError {
  const tooBig = checkSize(head, limits);
  if (tooBig) return tooBig;
  const { text, clean } = decodeHead(head);
  const [lineEnd, next] = firstLine(text);
  const line = text.slice(0, lineEnd);
  const sp1 = line.indexOf(" ");
  const sp2 = sp1 < 0 ? -1 : line.indexOf(" ", sp1 + 1);
  if (sp2 < 0) return badLine("request", "", line);
  const method = line.slice(0, sp1);
  if (!isToken(method)) return badLine("request", "invalid method", line);
  const target = line.slice(sp1 + 1, sp2);
  if (!isTarget(target)) return badLine("request", "invalid request target", line);
  const httpVersion = line.slice(sp2 + 1);
  const versionError = checkVersion(httpVersion, "request", line);
  if (versionError) return versionError;
  const t = parseRequestTarget(method, target);
  if ("error" in t) return t;
  const headers = parseHeaderFields(text, next, limits, "header", !clean);
  if ("error" in headers) return headers;
  return {
    method,
    target,
    form: t.form,
    scheme: t.scheme,
    authority: t.authority,
    host: t.host,
    port: t.port,
    path: t.path,
    httpVersion,
    headers,
  };
}

/** Parses `HTTP/1.x SP 3DIGIT [SP reason]` plus header lines. */
export function parseResponseHead(
  head: Uint8Array,
  limits: Http1Limits = DEFAULT_LIMITS,
): ResponseHead | ParseError {
  const tooBig = checkSize(head, limits);
  if (tooBig) return tooBig;
  const { text, clean } = decodeHead(head);
  const [lineEnd, next] = firstLine(text);
  const line = text.slice(0, lineEnd);
  const sp1 = line.indexOf(" ");
  if (sp1 < 0) return badLine("response", "", line);
  const httpVersion = line.slice(0, sp1);
  const versionError = checkVersion(httpVersion, "response", line);
  if (versionError) return versionError;
  // Status code: exactly three digits, then end of line or SP.
  const s = sp1 + 1;
  if (!(lineEnd === s + 3 || (lineEnd > s + 3 && line.charCodeAt(s + 3) === SP))) {
    return badLine("response", "invalid status code", line);
  }
  const d0 = digit(line, s);
  const d1 = digit(line, s + 1);
  const d2 = digit(line, s + 2);
  if (d0 < 1 || d1 < 0 || d2 < 0) return badLine("response", "invalid status code", line);
  const reason = lineEnd > s + 4 ? line.slice(s + 4) : "";
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
      return badLine("response", "invalid reason phrase", line);
    }
  }
  const headers = parseHeaderFields(text, next, limits, "header", !clean);
  if ("error" in headers) return headers;
  return { httpVersion, statusCode: d0 * 100 + d1 * 10 + d2, reason, headers };
}

function checkSize(head: Uint8Array, limits: Http1Limits): ParseError | null {
  if (head.length > limits.maxHeadSize) {
    return { error: `HTTP head too large (more than ${limits.maxHeadSize} bytes)`, status: 431 };
  }
  if (head.length === 0) return { error: "Empty HTTP head", status: 400 };
  return null;
}

/** End of the first line (without CR) and the start of the next one. */
function firstLine(text: string): [number, number] {
  const nl = text.indexOf("\n");
  if (nl < 0) return [text.length, text.length];
  return [nl > 0 && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl, nl + 1];
}

/** Target chars: visible ASCII and obs-text (some clients send raw UTF-8 in paths). */
function isTarget(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) return false;
  }
  return true;
}

const VERSION_RE = /^HTTP\/[0-9]\.[0-9]$/;

function checkVersion(version: string, kind: string, line: string): ParseError | null {
  if (version === "HTTP/1.1" || version === "HTTP/1.0") return null;
  if (VERSION_RE.test(version)) {
    return { error: `Unsupported HTTP version in ${kind} line: ${quote(line)}`, status: 505 };
  }
  return badLine(kind, "invalid HTTP version", line);
}

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - 0x30;
  return c >= 0 && c <= 9 ? c : -1;
}

function badLine(kind: string, problem: string, line: string): ParseError {
  const what = problem === "" ? "" : ` (${problem})`;
  return { error: `Bad HTTP ${kind} line${what}: ${quote(line)}`, status: 400 };
}
