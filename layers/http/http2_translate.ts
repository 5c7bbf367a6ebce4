/**
 * HTTP/2 header lists ⇄ flow `Request`/`Response` (RFC 9113 §8.2-8.3). Pseudo-header fields
 * become the request line or status; `:authority` and `Host` stand in for each other;
 * connection-specific fields (and any the `Connection` header names) are dropped on the way
 * out, names are lowercased, and the result is checked with the codec's own validation, so
 * the codec never sees a list it would reject. Problems are returned as `{ error }` values.
 */
import { CONNECTION_SPECIFIC, type HeaderList } from "../../codecs/http2/header_validation.ts";
import {
  validateRequest,
  validateResponse,
  validateTrailers,
} from "../../codecs/http2/header_validation.ts";
import { Headers } from "../../core/flow/headers.ts";
import { Request, Response } from "../../core/flow/http.ts";
import { defaultPort, hostport, parseAuthority, UrlError } from "../../core/flow/url.ts";

export type { HeaderList };

export type Translated<T> = T | { error: string };

/** Fields never sent in HTTP/2 besides CONNECTION_SPECIFIC: h2c's upgrade field. */
const ALSO_DROPPED: ReadonlySet<string> = new Set(["http2-settings"]);

const REQUEST_PSEUDO = [":method", ":scheme", ":authority", ":path", ":protocol"];

/** Splits leading (or, leniently, any) pseudo-header fields from the regular ones. */
function splitPseudo(
  headers: HeaderList,
  allowed: readonly string[],
): { pseudo: Map<string, string>; fields: [string, string][] } | { error: string } {
  const pseudo = new Map<string, string>();
  const fields: [string, string][] = [];
  for (const [name, value] of headers) {
    if (name.charCodeAt(0) !== 0x3a) {
      fields.push([name, value]);
      continue;
    }
    if (!allowed.includes(name)) return { error: `unexpected pseudo-header field ${name}` };
    if (pseudo.has(name)) return { error: `duplicate pseudo-header field ${name}` };
    pseudo.set(name, value);
  }
  return { pseudo, fields };
}

/** Host and port of an authority; `requirePort` for CONNECT targets. */
function authorityAddress(
  authority: string,
  fallbackPort: number | null,
): Translated<{ host: string; port: number }> {
  let parsed: [string, number | null];
  try {
    parsed = parseAuthority(authority, true);
  } catch (e) {
    if (e instanceof UrlError) return { error: `invalid authority ${JSON.stringify(authority)}` };
    throw e;
  }
  const port = parsed[1] ?? fallbackPort;
  if (port === null) return { error: `authority ${JSON.stringify(authority)} has no port` };
  return { host: parsed[0], port };
}

/**
 * RFC 9113 §8.2.3: cookie fields may be split in HTTP/2; join them with "; " into one field
 * (at the first one's position) so the request reads like HTTP/1 and forwards correctly.
 */
function joinCookies(fields: [string, string][]): [string, string][] {
  let first = -1;
  let count = 0;
  for (let i = 0; i < fields.length; i++) {
    if (fields[i][0] === "cookie") {
      if (first < 0) first = i;
      count++;
    }
  }
  if (count < 2) return fields;
  const values = fields.filter(([n]) => n === "cookie").map(([, v]) => v);
  const out: [string, string][] = [];
  for (let i = 0; i < fields.length; i++) {
    if (i === first) out.push(["cookie", values.join("; ")]);
    else if (fields[i][0] !== "cookie") out.push(fields[i]);
  }
  return out;
}

/** A received request header list as a `Request` (http_version "HTTP/2.0", no Host added). */
export function requestFromH2Headers(
  headers: HeaderList,
  now: number,
): Translated<{ request: Request }> {
  const split = splitPseudo(headers, REQUEST_PSEUDO);
  if ("error" in split) return split;
  const { pseudo, fields } = split;
  const method = pseudo.get(":method");
  if (!method) return { error: "request without :method" };
  if (pseudo.has(":protocol")) return { error: "extended CONNECT (:protocol) is not supported" };
  const authority = pseudo.get(":authority") ?? "";
  let scheme = "";
  let path = "";
  let address: Translated<{ host: string; port: number }>;
  if (method === "CONNECT") {
    if (!authority) return { error: "CONNECT request without :authority" };
    if (pseudo.has(":scheme") || pseudo.has(":path")) {
      return { error: "CONNECT request with :scheme or :path" };
    }
    address = authorityAddress(authority, null);
  } else {
    scheme = pseudo.get(":scheme") ?? "";
    path = pseudo.get(":path") ?? "";
    if (!scheme) return { error: "request without :scheme" };
    if (!path) return { error: "request without :path (or with an empty one)" };
    // Without :authority the Host field names the target (RFC 9113 §8.3.1).
    const target = authority || fields.find(([n]) => n === "host")?.[1] || "";
    address = target
      ? authorityAddress(target, defaultPort(scheme) ?? 443)
      : { host: "", port: defaultPort(scheme) ?? 443 };
  }
  if ("error" in address) return address;
  const request = new Request({
    host: address.host,
    port: address.port,
    method,
    scheme,
    authority,
    path,
    http_version: "HTTP/2.0",
    headers: new Headers(joinCookies(fields)),
    content: null,
    trailers: null,
    timestamp_start: now,
    timestamp_end: null,
  });
  return { request };
}

/** A received final response header list as a `Response` (reason ""). */
export function responseFromH2Headers(
  headers: HeaderList,
  now: number,
): Translated<{ response: Response }> {
  const split = splitPseudo(headers, [":status"]);
  if ("error" in split) return split;
  const status = split.pseudo.get(":status");
  if (status === undefined) return { error: "response without :status" };
  if (!/^[1-5][0-9][0-9]$/.test(status)) return { error: `invalid :status ${status}` };
  const response = new Response({
    http_version: "HTTP/2.0",
    status_code: Number(status),
    reason: "",
    headers: new Headers(split.fields),
    content: null,
    trailers: null,
    timestamp_start: now,
    timestamp_end: null,
  });
  return { response };
}

/** Received trailers as flow headers. */
export function trailersFromH2(headers: HeaderList): Headers {
  return new Headers(headers);
}

/** Lowercased, trimmed regular fields without connection-specific ones (and `host` if asked). */
function regularFields(
  fields: readonly (readonly [string, string])[],
  dropHost: boolean,
): [string, string][] {
  // Fields the Connection header names are hop-by-hop too (RFC 9110 §7.6.1).
  const nominated = new Set<string>();
  for (const [name, value] of fields) {
    if (name.toLowerCase() !== "connection") continue;
    for (const token of value.split(",")) {
      const t = token.trim().toLowerCase();
      if (t) nominated.add(t);
    }
  }
  const out: [string, string][] = [];
  for (const [name, value] of fields) {
    const lower = name.toLowerCase();
    if (CONNECTION_SPECIFIC.has(lower) || ALSO_DROPPED.has(lower) || nominated.has(lower)) {
      continue;
    }
    if (dropHost && lower === "host") continue;
    const v = value.replace(/^[ \t]+|[ \t]+$/g, "");
    if (lower === "te") {
      // Only "te: trailers" is allowed in HTTP/2 (§8.2.2).
      if (v.split(",").some((t) => t.trim().toLowerCase().split(";")[0] === "trailers")) {
        out.push(["te", "trailers"]);
      }
      continue;
    }
    out.push([lower, v]);
  }
  return out;
}

function authorityOf(request: Request): string {
  if (request.authority) return request.authority;
  const host = request.headers.get("host");
  if (host) return host;
  if (!request.host) return "";
  if (request.method === "CONNECT") {
    const h = request.host.includes(":") ? `[${request.host}]` : request.host;
    return `${h}:${request.port}`;
  }
  return hostport(request.scheme, request.host, request.port);
}

/**
 * A request as an HTTP/2 header list: pseudo-headers, then the regular fields minus
 * connection-specific ones and `Host` (moved into `:authority`). `scheme` fills in an empty
 * `request.scheme` (e.g. "https" on a TLS connection). CONNECT has only :method and :authority
 * (RFC 9113 §8.5).
 */
export function h2HeadersFromRequest(
  request: Request,
  scheme = "https",
): Translated<{ headers: HeaderList }> {
  const method = request.method;
  const authority = authorityOf(request);
  const headers: HeaderList = [[":method", method]];
  if (method === "CONNECT") {
    if (!authority) return { error: "CONNECT request without a target" };
    headers.push([":authority", authority]);
  } else {
    if (!authority) return { error: "request without authority, Host header or host" };
    headers.push(
      [":scheme", request.scheme || scheme],
      [":authority", authority],
      [":path", request.path || "/"],
    );
  }
  headers.push(...regularFields(request.headers.fields, true));
  const check = validateRequest(headers, false);
  if ("error" in check) return { error: `cannot send request over HTTP/2: ${check.error}` };
  return { headers };
}

/** A response as an HTTP/2 header list: `:status` and the regular fields. */
export function h2HeadersFromResponse(response: Response): Translated<{ headers: HeaderList }> {
  const code = response.status_code;
  if (!Number.isInteger(code) || code < 100 || code > 599) {
    return { error: `status code ${code} cannot be sent over HTTP/2` };
  }
  const headers: HeaderList = [
    [":status", String(code)],
    ...regularFields(
      response.headers.fields,
      false,
    ),
  ];
  const check = validateResponse(headers);
  if ("error" in check) return { error: `cannot send response over HTTP/2: ${check.error}` };
  return { headers };
}

/** Trailers as an HTTP/2 header list. */
export function h2Trailers(trailers: Headers): Translated<{ headers: HeaderList }> {
  const headers = regularFields(trailers.fields, false);
  const bad = validateTrailers(headers);
  if (bad) return { error: `cannot send trailers over HTTP/2: ${bad.error}` };
  return { headers };
}
