/** URL helpers (mitmproxy `net/http/url.py` plus the bits of Python's `urllib.parse` it
 * relies on). Paths and query strings are latin1 "bytes as text", like header values. */

import { isIP } from "node:net";
import { domainToASCII } from "node:url";
import { latin1Decode } from "../../codecs/bytes.ts";
import { utf8DecodeSurrogateEscape, utf8EncodeSurrogateEscape } from "./charset.ts";

export class UrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UrlError";
  }
}

export function defaultPort(scheme: string): number | null {
  return scheme === "http" ? 80 : scheme === "https" ? 443 : null;
}

/** `host` or `host:port` when the port is not the scheme's default. IPv6 hosts get brackets. */
export function hostport(scheme: string, host: string, port: number): string {
  const h = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  return defaultPort(scheme) === port ? h : `${h}:${port}`;
}

export function unparseUrl(scheme: string, host: string, port: number, path = ""): string {
  return `${scheme}://${hostport(scheme, host, port)}${path === "*" ? "" : path}`;
}

const LABEL = /^[a-z\d\-_]{1,63}$/i;

export function isValidHost(host: string): boolean {
  let h = host;
  if (/[\u0080-\uffff]/.test(h)) {
    h = domainToASCII(h);
    if (!h) return false;
  }
  if (h.length > 255) return false;
  const name = h.endsWith(".") ? h.slice(0, -1) : h;
  if (name.split(".").every((l) => LABEL.test(l))) return true;
  return isIP(h) !== 0;
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}

/** If `s` holds chars above U+00FF it is real text: store it as UTF-8 bytes-as-latin1. */
export function toLatin1Loose(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0xff) return latin1Decode(utf8EncodeSurrogateEscape(s));
  }
  return s;
}

export interface PathParts {
  path: string;
  params: string;
  query: string;
  fragment: string;
}

/** Splits a request path like Python's `urlparse` splits the part after the authority. */
export function splitPath(full: string): PathParts {
  let rest = full;
  let fragment = "";
  let query = "";
  let params = "";
  const hash = rest.indexOf("#");
  if (hash >= 0) [rest, fragment] = [rest.slice(0, hash), rest.slice(hash + 1)];
  const q = rest.indexOf("?");
  if (q >= 0) [rest, query] = [rest.slice(0, q), rest.slice(q + 1)];
  const semi = rest.indexOf(";", Math.max(0, rest.lastIndexOf("/")));
  if (semi >= 0) [rest, params] = [rest.slice(0, semi), rest.slice(semi + 1)];
  return { path: rest, params, query, fragment };
}

/** Inverse of `splitPath` (Python `urlunparse` with empty scheme and netloc). */
export function joinPath(p: PathParts): string {
  let out = p.path;
  if (p.params) out += `;${p.params}`;
  if (p.query) out += `?${p.query}`;
  if (p.fragment) out += `#${p.fragment}`;
  return out;
}

export interface ParsedUrl {
  scheme: string;
  host: string;
  port: number;
  path: string;
}

const SCHEME_CHARS = /^[a-z][a-z0-9+\-.]*$/i;

/** mitmproxy `url.parse`: scheme, lowercased (IDNA) host, port (default by scheme), and
 * path+query+fragment starting with "/". Non-ASCII path chars are percent-encoded as UTF-8.
 * Throws `UrlError`. */
export function parseUrl(url: string): ParsedUrl {
  let lead = 0;
  while (lead < url.length && url.charCodeAt(lead) <= 0x20) lead++;
  let rest = url.slice(lead).replace(/[\t\r\n]/g, "");
  let scheme = "";
  const colon = rest.indexOf(":");
  if (colon > 0 && SCHEME_CHARS.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  let netloc = "";
  if (rest.startsWith("//")) {
    const m = /[/?#]/.exec(rest.slice(2));
    const end = m ? m.index + 2 : rest.length;
    netloc = rest.slice(2, end);
    rest = rest.slice(end);
  }
  if (netloc.includes("[") !== netloc.includes("]")) throw new UrlError("Invalid IPv6 URL");
  const hostinfo = netloc.slice(netloc.lastIndexOf("@") + 1);
  let hostname: string;
  let portStr: string;
  const br = hostinfo.indexOf("[");
  if (br >= 0) {
    const close = hostinfo.indexOf("]", br);
    hostname = hostinfo.slice(br + 1, close);
    const after = hostinfo.slice(close + 1);
    const c = after.indexOf(":");
    portStr = c >= 0 ? after.slice(c + 1) : "";
    if (isIP(hostname) !== 6) throw new UrlError(`Invalid IPv6 address: ${hostname}`);
  } else {
    const c = hostinfo.indexOf(":");
    hostname = c >= 0 ? hostinfo.slice(0, c) : hostinfo;
    portStr = c >= 0 ? hostinfo.slice(c + 1) : "";
  }
  hostname = hostname.toLowerCase();
  if (!hostname) throw new UrlError("No hostname given");
  if (/[\u0080-\uffff]/.test(hostname)) {
    const ascii = domainToASCII(hostname);
    if (!ascii) throw new UrlError(`Invalid Host: ${hostname}`);
    hostname = ascii;
  }
  let port = 0;
  if (portStr) {
    if (!/^[0-9]+$/.test(portStr)) {
      throw new UrlError(`Port could not be cast to integer value as ${JSON.stringify(portStr)}`);
    }
    port = parseInt(portStr, 10);
    if (!isValidPort(port)) throw new UrlError("Port out of range 0-65535");
  }
  if (!port) port = scheme === "https" ? 443 : 80;
  if (!isValidHost(hostname)) throw new UrlError(`Invalid Host: ${hostname}`);
  let path = joinPath(splitPath(rest));
  if (!path.startsWith("/")) path = `/${path}`;
  path = path.replace(/[\u0080-\uffff]+/g, (s) => quote(s, ""));
  return { scheme, host: hostname, port, path };
}

const AUTHORITY = /^([^:]+|\[.+\])(?::(\d+))?$/;

/** Host and port of a Host header or authority. With `check`, malformed input throws;
 * without, it comes back whole as the host with a null port. */
export function parseAuthority(authority: string, check: boolean): [string, number | null] {
  const m = AUTHORITY.exec(authority);
  if (m) {
    let host = m[1];
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
    const port = m[2] === undefined ? null : parseInt(m[2], 10);
    if (isValidHost(host) && (port === null || isValidPort(port))) return [host, port];
  }
  if (check) throw new UrlError(`Invalid authority: ${authority}`);
  return [authority, null];
}

/** Bytes of a latin1-or-text string: chars up to U+00FF are bytes, the rest UTF-8. */
function looseBytes(s: string): Uint8Array {
  const out: number[] = [];
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c <= 0xff) out.push(c);
    else out.push(...utf8EncodeSurrogateEscape(ch));
  }
  return Uint8Array.from(out);
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/** Python `unquote`: %XX escapes decoded, result read as UTF-8 with surrogateescape. */
export function unquote(s: string): string {
  if (!s.includes("%") && !/[\u0080-\uffff]/.test(s)) return s;
  const b = looseBytes(s);
  const out = new Uint8Array(b.length);
  let o = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 37 && i + 2 < b.length) {
      const h = hexVal(b[i + 1]), l = hexVal(b[i + 2]);
      if (h >= 0 && l >= 0) {
        out[o++] = h * 16 + l;
        i += 2;
        continue;
      }
    }
    out[o++] = b[i];
  }
  return utf8DecodeSurrogateEscape(out.subarray(0, o));
}

const ALWAYS_SAFE = /[A-Za-z0-9_.\-~]/;

/** Python `quote`: everything but letters, digits, `_.-~` and `safe` becomes %XX of UTF-8. */
export function quote(s: string, safe = "/"): string {
  let out = "";
  for (const ch of s) {
    if (ch.length === 1 && ch.charCodeAt(0) < 0x80 && (ALWAYS_SAFE.test(ch) || safe.includes(ch))) {
      out += ch;
      continue;
    }
    for (const b of utf8EncodeSurrogateEscape(ch)) {
      out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
    }
  }
  return out;
}

function quotePlus(s: string): string {
  return quote(s, " ").replace(/ /g, "+");
}

/** Python `parse_qsl(s, keep_blank_values=True)` with surrogateescape. */
export function urlDecodeForm(s: string): [string, string][] {
  const out: [string, string][] = [];
  for (const piece of s.split("&")) {
    if (!piece) continue;
    const eq = piece.indexOf("=");
    const k = eq >= 0 ? piece.slice(0, eq) : piece;
    const v = eq >= 0 ? piece.slice(eq + 1) : "";
    out.push([unquote(k.replace(/\+/g, " ")), unquote(v.replace(/\+/g, " "))]);
  }
  return out;
}

/** mitmproxy `url.encode`: `k=v&...`; if `similarTo` has a bare key, trailing "=" go too. */
export function urlEncodeForm(pairs: Iterable<readonly [string, string]>, similarTo?: string) {
  let encoded = [...pairs].map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join("&");
  const dropEq = similarTo ? similarTo.split("&").some((p) => !p.includes("=")) : false;
  if (encoded && dropEq) {
    encoded = encoded.replaceAll("=&", "&");
    if (encoded.endsWith("=")) encoded = encoded.slice(0, -1);
  }
  return encoded;
}
