/**
 * Reads HAR files into HTTP flows (mitmproxy's `io/har.py`), from Chrome, Firefox, Safari,
 * Charles, Insomnia, Fiddler, Slack and our own `save.har`.
 *
 * Rules, written once:
 * - Input is UTF-8 JSON, with or without a BOM. A file that is not JSON, or has no
 *   `log.entries` list, is an error for the whole file (`{ error }`).
 * - Each entry becomes one `HttpFlow`. An entry that cannot (a required field missing or of
 *   the wrong type, an unparseable URL or date) is skipped with a warning naming its index
 *   in `log.entries` (0-based) and the field: `HAR entry 3: missing request.url`. The entries
 *   around it are kept.
 * - Required: `startedDateTime`, `request.method`, `request.url`, `response.status`.
 *   Optional with defaults: `time` (0), `headers` ([]), `httpVersion` (HTTP/1.1),
 *   `postData`, `response.content` ({}), `serverIPAddress`.
 * - Headers are `{name, value}` objects (most tools) or `[name, value]` pairs (Slack).
 *   Text is stored as UTF-8 bytes (bytes-as-latin1 strings, like every header here).
 * - Request: `Request.make(method, url, postData.text, headers)`, so Content-Length is set;
 *   without `text`, urlencoded `params` are the body. `postData.encoding: "base64"` (our own
 *   extension for binary bodies) is decoded.
 * - Response body: `content.text`, base64-decoded if `encoding` is `"base64"`, else encoded
 *   with the charset the Content-Type implies (UTF-8 if it cannot), then encoded with the
 *   response's Content-Encoding; finally both messages are `decode()`d. Net effect: plain
 *   bodies, Content-Encoding dropped, Content-Length set for non-empty bodies.
 * - `http/2.0` and `HTTP/2` become `HTTP/2`, `HTTP/3` stays, anything else is `HTTP/1.1`
 *   (mitmproxy's table, kept so imports compare equal to mitmproxy's).
 * - Timestamps: `startedDateTime` (ISO 8601; no zone means UTC) starts both messages and
 *   the client connection; `+ time` ms ends them.
 * - Reason phrase from the status table (`statusText` when the table has none).
 * - Server address: `[serverIPAddress, 80 for http:// URLs else 443]`; client
 *   `127.0.0.1:0`. WebSocket messages are not imported.
 */
import { Buffer } from "node:buffer";
import { latin1Decode } from "../../codecs/bytes.ts";
import { ContentEncodingError, encodeContent } from "../encoding/content_encoding.ts";
import {
  CharsetError,
  encodeCharset,
  inferContentEncoding,
  utf8EncodeSurrogateEscape,
} from "../flow/charset.ts";
import { Client, Server } from "../flow/connection.ts";
import { Headers } from "../flow/headers.ts";
import { HttpFlow, Request, Response } from "../flow/http.ts";
import { reasonPhrase } from "../flow/status_codes.ts";
import { urlEncodeForm, UrlError } from "../flow/url.ts";

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

export interface HarImport {
  flows: HttpFlow[];
  /** One per skipped entry: `HAR entry 3: missing request.url`. */
  warnings: string[];
}

export type HarImportResult = HarImport | { error: string };

/** What made an entry unreadable; caught per entry and turned into a warning. */
class EntryProblem extends Error {}

function kind(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function field(o: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}

function fail(where: string, want: string, v: unknown): never {
  if (v === undefined) throw new EntryProblem(`missing ${where}`);
  throw new EntryProblem(`${where}: expected ${want}, got ${kind(v)}`);
}

function obj(v: Json | undefined, where: string): JsonObject {
  return isObject(v) ? v : fail(where, "an object", v);
}

function str(v: Json | undefined, where: string): string {
  return typeof v === "string" ? v : fail(where, "a string", v);
}

function num(v: Json | undefined, where: string): number {
  return typeof v === "number" && Number.isFinite(v) ? v : fail(where, "a number", v);
}

function optional<T>(
  o: JsonObject,
  key: string,
  where: string,
  read: (v: Json, where: string) => T,
): T | undefined {
  const v = field(o, key);
  return v === undefined || v === null ? undefined : read(v, where ? `${where}.${key}` : key);
}

/** JS text -> bytes-as-latin1 (UTF-8; lone surrogates from surrogateescape map back). */
function toLatin1(s: string): string {
  // deno-lint-ignore no-control-regex
  return /^[\x00-\x7f]*$/.test(s) ? s : latin1Decode(utf8EncodeSurrogateEscape(s));
}

function scalarText(v: Json | undefined, where: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return fail(where, "a string", v);
}

function readHeaders(v: Json | undefined, where: string): Headers {
  const h = new Headers();
  if (v === undefined || v === null) return h;
  if (!Array.isArray(v)) fail(where, "a list", v);
  v.forEach((item, i) => {
    const w = `${where}[${i}]`;
    let name: string, value: string;
    if (isObject(item)) {
      name = scalarText(field(item, "name"), `${w}.name`);
      value = scalarText(field(item, "value"), `${w}.value`);
    } else if (Array.isArray(item) && item.length >= 2) {
      name = scalarText(item[0], `${w}[0]`);
      value = scalarText(item[1], `${w}[1]`);
    } else {
      throw new EntryProblem(`${w}: expected {name, value} or [name, value], got ${kind(item)}`);
    }
    h.add(toLatin1(name), toLatin1(value));
  });
  return h;
}

const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Seconds since the epoch for an ISO 8601 date, to the microsecond (as Python's
 * `datetime.fromisoformat(...).timestamp()`); no zone means UTC. Null if unparseable.
 */
export function parseHarTimestamp(s: string): number | null {
  const m = ISO_DATE.exec(s.trim());
  if (m === null) {
    const ms = Date.parse(s);
    return Number.isNaN(ms) ? null : ms / 1000;
  }
  const [y, mo, d, h, mi, sec] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? "0"));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return null;
  let seconds = Date.UTC(y, mo - 1, d, h, mi, sec) / 1000;
  const zone = m[8];
  if (zone && zone.toUpperCase() !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 3600 + Number(digits.slice(2) || "0") * 60;
    seconds -= sign * offset;
  }
  const micros = Number((m[7] ?? "").slice(0, 6).padEnd(6, "0"));
  // Integer microseconds over 1e6, exactly as Python's timedelta.total_seconds().
  return (seconds * 1e6 + micros) / 1e6;
}

function harHttpVersion(v: string | undefined): string {
  switch (v) {
    case "http/2.0":
    case "HTTP/2":
      return "HTTP/2";
    case "HTTP/3":
      return "HTTP/3";
    default:
      return "HTTP/1.1";
  }
}

function base64Decode(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "base64"));
}

/** Text -> bytes in `charset`, falling back to UTF-8 (mitmproxy's `set_text` rule). */
function encodeText(text: string, charset: string): Uint8Array {
  try {
    return encodeCharset(text, charset);
  } catch (e) {
    if (!(e instanceof CharsetError)) throw e;
    return utf8EncodeSurrogateEscape(text);
  }
}

function readRequest(entry: JsonObject, start: number, end: number): [Request, string] {
  const r = obj(field(entry, "request"), "request");
  const method = str(field(r, "method"), "request.method");
  const url = str(field(r, "url"), "request.url");
  const headers = readHeaders(field(r, "headers"), "request.headers");
  const version = optional(r, "httpVersion", "request", str);
  let body: string | Uint8Array = "";
  const post = optional(r, "postData", "request", obj);
  if (post !== undefined) {
    const text = optional(post, "text", "request.postData", str);
    const encoding = optional(post, "encoding", "request.postData", str);
    if (text !== undefined) body = encoding === "base64" ? base64Decode(text) : text;
    else {
      const params = readHeaders(field(post, "params"), "request.postData.params");
      body = urlEncodeForm(params.fields);
    }
  }
  let req: Request;
  try {
    req = Request.make(method, url, body, headers, start);
  } catch (e) {
    if (!(e instanceof UrlError)) throw e;
    throw new EntryProblem(`invalid request.url ${JSON.stringify(url)}: ${e.message}`);
  }
  req.http_version = harHttpVersion(version);
  req.timestamp_start = start;
  req.timestamp_end = end;
  req.decode(false);
  return [req, url];
}

function readResponse(entry: JsonObject, start: number, end: number): Response {
  const r = obj(field(entry, "response"), "response");
  const status = num(field(r, "status"), "response.status");
  if (!Number.isInteger(status)) {
    throw new EntryProblem(`response.status: expected an integer, got ${status}`);
  }
  const headers = readHeaders(field(r, "headers"), "response.headers");
  const version = optional(r, "httpVersion", "response", str);
  const statusText = field(r, "statusText");
  const content = optional(r, "content", "response", obj) ?? {};
  const text = field(content, "text");
  const encoding = field(content, "encoding");
  let body: Uint8Array;
  if (encoding === "base64") body = base64Decode(typeof text === "string" ? text : "");
  else {
    const charset = typeof encoding === "string" && encoding
      ? encoding
      : inferContentEncoding(headers.get("content-type") ?? "");
    body = encodeText(typeof text === "string" ? text : "", charset);
  }
  let raw = body;
  try {
    raw = encodeContent(body, headers.get("content-encoding") || "identity");
  } catch (e) {
    // An unknown coding: keep the bytes; decode(false) below drops the header.
    if (!(e instanceof ContentEncodingError)) throw e;
  }
  const resp = new Response({
    http_version: harHttpVersion(version),
    status_code: status,
    reason: reasonPhrase(status) || (typeof statusText === "string" ? toLatin1(statusText) : ""),
    headers,
    content: raw,
    trailers: null,
    timestamp_start: start,
    timestamp_end: end,
  });
  resp.decode(false);
  return resp;
}

function readEntry(entry: JsonObject): HttpFlow {
  const started = str(field(entry, "startedDateTime"), "startedDateTime");
  const start = parseHarTimestamp(started);
  if (start === null) {
    throw new EntryProblem(`startedDateTime: cannot read ${JSON.stringify(started)} as a date`);
  }
  const time = optional(entry, "time", "", num) ?? 0;
  const end = start + time / 1000.0;
  const [request, url] = readRequest(entry, start, end);
  const response = readResponse(entry, start, end);
  const ip = field(entry, "serverIPAddress");
  const port = url.startsWith("http://") ? 80 : 443;
  const host = typeof ip === "string" ? ip.replace(/^\[(.*)\]$/, "$1") : "";
  const client = new Client({
    peername: ["127.0.0.1", 0],
    sockname: ["127.0.0.1", 0],
    timestamp_start: start,
    timestamp_end: end,
  });
  const server = new Server({ address: host ? [host, port] : null });
  const flow = new HttpFlow(client, server, start, request);
  flow.response = response;
  return flow;
}

/** One `log.entries` item as a flow, or an error naming the entry and the field. */
export function harEntryToFlow(entry: unknown, index: number): { flow: HttpFlow } | {
  error: string;
} {
  try {
    if (!isObject(entry)) throw new EntryProblem(`expected an object, got ${kind(entry)}`);
    return { flow: readEntry(entry) };
  } catch (e) {
    if (e instanceof EntryProblem) return { error: `HAR entry ${index}: ${e.message}` };
    throw e;
  }
}

/** The flows of a parsed HAR document (see the rules at the top of this file). */
export function harToFlows(doc: unknown): HarImportResult {
  if (!isObject(doc)) return { error: `not a HAR file: expected a JSON object, got ${kind(doc)}` };
  const log = field(doc, "log");
  if (!isObject(log)) {
    return {
      error: log === undefined
        ? "not a HAR file: missing log"
        : `not a HAR file: log: expected an object, got ${kind(log)}`,
    };
  }
  const entries = field(log, "entries");
  if (!Array.isArray(entries)) {
    return {
      error: entries === undefined
        ? "not a HAR file: missing log.entries"
        : `not a HAR file: log.entries: expected a list, got ${kind(entries)}`,
    };
  }
  const flows: HttpFlow[] = [];
  const warnings: string[] = [];
  entries.forEach((entry, i) => {
    const r = harEntryToFlow(entry, i);
    if ("error" in r) warnings.push(`${r.error} (entry skipped)`);
    else flows.push(r.flow);
  });
  return { flows, warnings };
}

const UTF8_FATAL = new TextDecoder("utf-8", { fatal: true });

/** The flows of a HAR file's bytes or text (a leading BOM is ignored). */
export function importHar(data: Uint8Array | string): HarImportResult {
  let text: string;
  if (typeof data === "string") text = data;
  else {
    try {
      text = UTF8_FATAL.decode(data);
    } catch {
      return { error: "not a HAR file: not valid UTF-8" };
    }
  }
  if (text.startsWith("\ufeff")) text = text.slice(1);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    return { error: `not a HAR file: invalid JSON (${(e as Error).message})` };
  }
  return harToFlows(doc);
}
