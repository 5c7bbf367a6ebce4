/**
 * Writes HTTP flows as HAR 1.2 (mitmproxy's `addons/savehar.py`), for the `save.har`
 * command and the `hardump` option.
 *
 * Rules, written once:
 * - Only HTTP flows become entries; other flows are skipped (callers count them).
 * - Times: `startedDateTime` is the request start in UTC with microseconds. Timings are in
 *   ms: `connect` (TCP setup) and `ssl` (TLS setup) only on the first entry that uses a
 *   server connection (by connection id), else -1; `send` = request end - start, `wait` =
 *   response start - request end, `receive` = response end - start, 0 when unknown and
 *   never negative (HAR forbids it). `time` is the sum of the non-negative timings.
 * - Text (header values, cookies, URL) is UTF-8 decoded with surrogateescape, as in
 *   mitmproxy's str views.
 * - Bodies: `text` is the decoded (Content-Encoding undone) body as text when it is text
 *   that reads back to the same bytes; otherwise base64 with `encoding: "base64"`.
 *   `postData` (always for POST, PUT and PATCH; for other methods when there is a body) gets
 *   the same treatment; its `encoding` is our extension.
 * - `content.size` is the decoded length, `bodySize` the length on the wire,
 *   `compression` their difference; `headersSize` is the length of the HTTP/1 header block.
 * - No response: status 0, empty strings and lists, `content {size 0, mimeType
 *   "x-unknown"}` (Chrome's form; HAR requires both), sizes -1, `_transferSize` 0 and
 *   `_error` = the flow's error message or null.
 * - `serverIPAddress`: the server's peer IP, else its address when that is an IP literal.
 * - WebSocket flows: `_resourceType: "websocket"` and Chrome's `_webSocketMessages`
 *   (`send`/`receive`, time in seconds, opcode, text or base64 data).
 */
import { Buffer } from "node:buffer";
import { isIP } from "node:net";
import * as zlib from "node:zlib";
import { latin1Encode, utf8Encode } from "../../codecs/bytes.ts";
import {
  CharsetError,
  decodeCharset,
  encodeCharset,
  inferContentEncoding,
  utf8DecodeSurrogateEscape,
} from "../flow/charset.ts";
import type { Flow } from "../flow/flow.ts";
import type { Headers } from "../flow/headers.ts";
import type { HttpFlow, Message } from "../flow/http.ts";
import { hostport } from "../flow/url.ts";
import { VERSION } from "../version.ts";
import type {
  HarCookie,
  HarEntry,
  HarLog,
  HarNameValue,
  HarPostData,
  HarRequest,
  HarResponse,
  HarTimings,
  HarWebSocketMessage,
} from "./har_types.ts";

const EMPTY = new Uint8Array(0);
/** Methods that always get `postData`, even with an empty body (mitmproxy's list). */
const POST_METHODS: ReadonlySet<string> = new Set(["POST", "PUT", "PATCH"]);

/** Bytes-as-latin1 -> text (UTF-8 with surrogateescape). */
function text(latin1: string): string {
  // deno-lint-ignore no-control-regex
  return /^[\x00-\x7f]*$/.test(latin1) ? latin1 : utf8DecodeSurrogateEscape(latin1Encode(latin1));
}

function nameValues(pairs: Iterable<readonly [string, string]>, raw = true): HarNameValue[] {
  const out: HarNameValue[] = [];
  for (const [name, value] of pairs) {
    out.push(raw ? { name: text(name), value: text(value) } : { name, value });
  }
  return out;
}

function base64(data: Uint8Array): string {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString("base64");
}

/** mitmproxy's `strutils.is_mostly_bin`: over 30% of the first 100 bytes are not text. */
export function isMostlyBinary(data: Uint8Array): boolean {
  const n = Math.min(data.length, 100);
  if (n === 0) return false;
  let bin = 0;
  for (let i = 0; i < n; i++) {
    const b = data[i];
    if (b < 9 || (b > 13 && b < 32) || b > 126) bin++;
  }
  return bin / n > 0.3;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A body as HAR text, or base64 when it is binary or its text would not read back (the
 * importer encodes text with the charset the Content-Type alone implies). */
export function harBodyText(
  content: Uint8Array,
  contentType: string,
): { text: string; encoding?: "base64" } {
  if (content.length === 0) return { text: "" };
  if (!isMostlyBinary(content)) {
    try {
      const t = decodeCharset(content, inferContentEncoding(contentType, content));
      if (bytesEqual(encodeCharset(t, inferContentEncoding(contentType)), content)) {
        return { text: t };
      }
    } catch (e) {
      if (!(e instanceof CharsetError)) throw e;
    }
  }
  return { text: base64(content), encoding: "base64" };
}

/** `2023-03-30T00:00:54.253000Z`: UTC, microseconds. */
export function harTimestamp(seconds: number): string {
  const micros = Math.round(seconds * 1e6);
  const whole = Math.floor(micros / 1e6);
  const frac = micros - whole * 1e6;
  const base = new Date(whole * 1000).toISOString().slice(0, 19);
  return `${base}.${String(frac).padStart(6, "0")}Z`;
}

function headersSize(h: Headers): number {
  return h.toString().length;
}

function ms(later: number, earlier: number): number {
  return Math.max(0, (later - earlier) * 1000);
}

function timings(flow: HttpFlow, serversSeen: Set<string>): HarTimings {
  const server = flow.server_conn;
  let connect = -1;
  let ssl = -1;
  if (!serversSeen.has(server.id) && server.timestamp_tcp_setup !== null) {
    serversSeen.add(server.id);
    if (server.timestamp_start !== null) {
      connect = ms(server.timestamp_tcp_setup, server.timestamp_start);
    }
    if (server.timestamp_tls_setup !== null) {
      ssl = ms(server.timestamp_tls_setup, server.timestamp_tcp_setup);
    }
  }
  const req = flow.request;
  const resp = flow.response;
  const send = req.timestamp_end !== null ? ms(req.timestamp_end, req.timestamp_start) : 0;
  const wait = resp && req.timestamp_end !== null ? ms(resp.timestamp_start, req.timestamp_end) : 0;
  const receive = resp?.timestamp_end != null ? ms(resp.timestamp_end, resp.timestamp_start) : 0;
  return { connect, ssl, send, wait, receive };
}

function contentType(m: Message): string {
  return text(m.headers.get("content-type") ?? "");
}

function harRequest(flow: HttpFlow): HarRequest {
  const req = flow.request;
  const url = req.method === "CONNECT"
    ? `https://${req.authority || hostport(req.scheme, req.host, req.port)}/`
    : req.pretty_url;
  const out: HarRequest = {
    method: text(req.method),
    url: text(url),
    httpVersion: req.http_version,
    cookies: nameValues(req.cookies.items(true)),
    headers: nameValues(req.headers.fields),
    queryString: nameValues(req.query.items(true), false),
    headersSize: headersSize(req.headers),
    bodySize: req.raw_content?.length ?? 0,
  };
  const content = req.getContent(false) ?? EMPTY;
  if (content.length > 0 || POST_METHODS.has(req.method)) {
    const body = harBodyText(content, req.headers.get("content-type") ?? "");
    const postData: HarPostData = {
      mimeType: contentType(req),
      text: body.text,
      params: nameValues(req.urlencoded_form.items(true), false),
    };
    if (body.encoding) postData.encoding = body.encoding;
    out.postData = postData;
  }
  return out;
}

function harCookies(flow: HttpFlow): HarCookie[] {
  const out: HarCookie[] = [];
  for (const [name, [value, attrs]] of flow.response!.cookies.items(true)) {
    const cookie: HarCookie = {
      name: text(name),
      value: text(value ?? ""),
      path: text(attrs.get("path") ?? "/"),
      domain: text(attrs.get("domain") ?? ""),
      httpOnly: attrs.has("httponly"),
      secure: attrs.has("secure"),
    };
    const expires = Date.parse(attrs.get("expires") ?? "");
    if (!Number.isNaN(expires)) cookie.expires = new Date(expires).toISOString();
    if (attrs.has("samesite")) cookie.sameSite = text(attrs.get("samesite") ?? "");
    out.push(cookie);
  }
  return out;
}

function harResponse(flow: HttpFlow): HarResponse {
  const resp = flow.response;
  if (resp === null) {
    return {
      status: 0,
      statusText: "",
      httpVersion: "",
      cookies: [],
      headers: [],
      content: { size: 0, mimeType: "x-unknown" },
      redirectURL: "",
      headersSize: -1,
      bodySize: -1,
      _transferSize: 0,
      _error: flow.error ? flow.error.msg : null,
    };
  }
  const raw = resp.raw_content ?? EMPTY;
  const decoded = resp.getContent(false) ?? EMPTY;
  const body = harBodyText(decoded, resp.headers.get("content-type") ?? "");
  return {
    status: resp.status_code,
    statusText: text(resp.reason),
    httpVersion: resp.http_version,
    cookies: harCookies(flow),
    headers: nameValues(resp.headers.fields),
    content: {
      size: decoded.length,
      compression: decoded.length - raw.length,
      mimeType: contentType(resp),
      ...body,
    },
    redirectURL: text(resp.headers.get("location") ?? ""),
    headersSize: headersSize(resp.headers),
    bodySize: raw.length,
  };
}

function serverIp(flow: HttpFlow): string | null {
  const s = flow.server_conn;
  if (s.peername && s.peername[0]) return s.peername[0];
  if (s.address && isIP(s.address[0]) !== 0) return s.address[0];
  return null;
}

/** One entry; `serversSeen` (connection ids) decides which entry pays the connect time. */
export function flowToHarEntry(flow: HttpFlow, serversSeen: Set<string> = new Set()): HarEntry {
  const t = timings(flow, serversSeen);
  const entry: HarEntry = {
    startedDateTime: harTimestamp(flow.request.timestamp_start),
    time: Object.values(t).reduce((sum: number, v: number) => (v >= 0 ? sum + v : sum), 0),
    request: harRequest(flow),
    response: harResponse(flow),
    cache: {},
    timings: t,
  };
  const ip = serverIp(flow);
  if (ip !== null) entry.serverIPAddress = ip;
  if (flow.websocket) {
    entry._resourceType = "websocket";
    entry._webSocketMessages = flow.websocket.messages.map((m): HarWebSocketMessage => ({
      type: m.from_client ? "send" : "receive",
      time: m.timestamp,
      opcode: m.type,
      data: m.is_text ? utf8DecodeSurrogateEscape(m.content) : base64(m.content),
    }));
  }
  return entry;
}

/** A HAR document of the HTTP flows among `flows`, in order. */
export function flowsToHar(flows: Iterable<Flow>): HarLog {
  const serversSeen = new Set<string>();
  const entries: HarEntry[] = [];
  for (const f of flows) {
    if (f.type === "http") entries.push(flowToHarEntry(f as HttpFlow, serversSeen));
  }
  return {
    log: {
      version: "1.2",
      creator: { name: "mitmdeno", version: VERSION, comment: "" },
      pages: [],
      entries,
    },
  };
}

/** The file bytes: indented JSON, zlib-compressed (level 9) for `.zhar`. */
export function harToBytes(har: HarLog, compress = false): Uint8Array {
  const json = utf8Encode(JSON.stringify(har, null, 2) + "\n");
  return compress ? new Uint8Array(zlib.deflateSync(json, { level: 9 })) : json;
}
