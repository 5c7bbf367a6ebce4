/** Request-target parsing (RFC 9112 §3.2): origin, absolute, authority and asterisk form. */

import { asciiLower, quote } from "./chars.ts";
import type { ParseError, TargetForm } from "./types.ts";

export interface ParsedTarget {
  form: TargetForm;
  scheme: string;
  authority: string;
  host: string;
  port: number;
  path: string;
}

/** reg-name chars (RFC 3986): unreserved, sub-delims and "%" of pct-encoded. */
const REG_NAME: Uint8Array = charSet("-._~!$&'()*+,;=%");
/** Chars of an IPv6 literal, including a zone id after "%25". */
const IPV6_CHARS: Uint8Array = charSet(":.%-_~");

function charSet(extra: string): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (let i = 0; i < extra.length; i++) t[extra.charCodeAt(i)] = 1;
  return t;
}

/** Classifies and splits a request-target. The target's characters are already validated. */
export function parseRequestTarget(method: string, target: string): ParsedTarget | ParseError {
  if (method === "CONNECT") {
    const a = parseAuthority(target, true);
    if ("error" in a) return bad(`Bad CONNECT target (${a.error}): ${quote(target)}`);
    return {
      form: "authority",
      scheme: "",
      authority: target,
      host: a.host,
      port: a.port,
      path: "",
    };
  }
  const first = target.charCodeAt(0);
  if (first === 0x2f) {
    return { form: "origin", scheme: "", authority: "", host: "", port: 0, path: target };
  }
  if (target === "*") {
    if (method !== "OPTIONS") return bad(`Asterisk-form target is only allowed for OPTIONS`);
    return { form: "asterisk", scheme: "", authority: "", host: "", port: 0, path: "*" };
  }
  const sep = target.indexOf("://");
  if (sep <= 0) {
    return bad(`Bad request target (not origin-, absolute- or asterisk-form): ${quote(target)}`);
  }
  const scheme = asciiLower(target.slice(0, sep));
  const defaultPort = scheme === "http" ? 80 : scheme === "https" ? 443 : 0;
  if (defaultPort === 0) {
    return bad(`Unsupported scheme in request target: ${quote(target)}`);
  }
  const start = sep + 3;
  let end = start;
  while (end < target.length) {
    const c = target.charCodeAt(end);
    if (c === 0x2f || c === 0x3f) break;
    end++;
  }
  const authority = target.slice(start, end);
  const a = parseAuthority(authority, false);
  if ("error" in a) return bad(`Bad request target (${a.error}): ${quote(target)}`);
  let path = target.slice(end);
  if (path === "") path = "/";
  else if (path.charCodeAt(0) === 0x3f) path = "/" + path;
  const port = a.port === 0 ? defaultPort : a.port;
  return { form: "absolute", scheme, authority, host: a.host, port, path };
}

/** Splits `host[:port]` / `[v6][:port]`. Port 0 in the result means "not given". */
function parseAuthority(
  authority: string,
  requirePort: boolean,
): { host: string; port: number } | { error: string } {
  let host: string;
  let rest: string;
  if (authority.charCodeAt(0) === 0x5b) {
    const close = authority.indexOf("]");
    if (close < 0) return { error: "unterminated IPv6 literal" };
    host = authority.slice(1, close);
    if (host.indexOf(":") < 0 || !allIn(host, IPV6_CHARS)) return { error: "bad IPv6 literal" };
    rest = authority.slice(close + 1);
    if (rest !== "" && rest.charCodeAt(0) !== 0x3a) return { error: "junk after IPv6 literal" };
  } else {
    const colon = authority.indexOf(":");
    host = colon < 0 ? authority : authority.slice(0, colon);
    rest = colon < 0 ? "" : authority.slice(colon);
    if (host === "") return { error: "empty host" };
    if (authority.indexOf("@") >= 0) return { error: "userinfo is not allowed" };
    if (!allIn(host, REG_NAME)) return { error: "bad host" };
  }
  if (rest === "" || rest === ":") {
    if (requirePort) return { error: "missing port" };
    return { host, port: 0 };
  }
  const digits = rest.slice(1);
  if (digits.length > 5 || !allDigits(digits)) return { error: "bad port" };
  const port = Number(digits);
  if (port < 1 || port > 65535) return { error: "bad port" };
  return { host, port };
}

function allIn(s: string, set: Uint8Array): boolean {
  for (let i = 0; i < s.length; i++) {
    if (set[s.charCodeAt(i)] !== 1) return false;
  }
  return true;
}

function allDigits(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

function bad(error: string): ParseError {
  return { error, status: 400 };
}
