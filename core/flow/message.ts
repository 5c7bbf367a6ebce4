/** Base of HTTP requests and responses (mitmproxy `http.Message`): headers, the raw body and
 * its transparently decoded `content`/`text` views. */

import { latin1Decode, latin1Encode, utf8Decode } from "../../codecs/bytes.ts";
import {
  ContentEncodingError,
  decodeContent,
  encodeContent,
} from "../encoding/content_encoding.ts";
import {
  assembleContentType,
  CharsetError,
  decodeCharset,
  encodeCharset,
  inferContentEncoding,
  parseContentType,
  utf8DecodeSurrogateEscape,
  utf8EncodeSurrogateEscape,
} from "./charset.ts";
import { Headers } from "./headers.ts";
import { asBytes, asNum, orNull, type StateDict } from "./state.ts";

export type HeadersInit = Headers | Iterable<readonly [string, string]>;

export interface MessageInit {
  /** e.g. "HTTP/1.1", "HTTP/2.0", "HTTP/3". */
  http_version: string;
  headers?: HeadersInit;
  /** Raw (still content-encoded) body; null if missing (e.g. streamed). */
  content: Uint8Array | null;
  trailers?: HeadersInit | null;
  timestamp_start: number;
  timestamp_end: number | null;
}

function toHeaders(h: HeadersInit): Headers {
  return h instanceof Headers ? h : new Headers(h);
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export abstract class Message {
  http_version: string;
  headers: Headers;
  /** The body as on the wire (content-encoded). Assign a new array to change it. */
  raw_content: Uint8Array | null;
  trailers: Headers | null;
  timestamp_start: number;
  timestamp_end: number | null;
  /** Runtime only: forward the body as it arrives instead of buffering it. Set it in the
   * `requestheaders`/`responseheaders` hooks. */
  stream = false;

  #decoded: { raw: Uint8Array; enc: string; decoded: Uint8Array } | null = null;
  #text: { content: Uint8Array; ct: string; text: string } | null = null;

  constructor(init: MessageInit) {
    this.http_version = init.http_version;
    this.headers = toHeaders(init.headers ?? []);
    this.raw_content = init.content;
    this.trailers = init.trailers == null ? null : toHeaders(init.trailers);
    this.timestamp_start = init.timestamp_start;
    this.timestamp_end = init.timestamp_end;
  }

  get rawContent(): Uint8Array | null {
    return this.raw_content;
  }

  set rawContent(v: Uint8Array | null) {
    this.raw_content = v;
  }

  get is_http10(): boolean {
    return this.http_version === "HTTP/1.0";
  }

  get is_http11(): boolean {
    return this.http_version === "HTTP/1.1";
  }

  get is_http2(): boolean {
    return this.http_version === "HTTP/2.0";
  }

  get is_http3(): boolean {
    return this.http_version === "HTTP/3";
  }

  /** The body with Content-Encoding undone. Throws `ContentEncodingError` if it can't be.
   * Treat the array as read-only; assign a new one to change the body. */
  get content(): Uint8Array | null {
    return this.getContent(true);
  }

  /** Sets the body, re-encoding it with the current Content-Encoding. */
  set content(value: Uint8Array | null) {
    this.setContent(value);
  }

  /** The body as text, decoded per the inferred charset. */
  get text(): string | null {
    return this.getText(true);
  }

  set text(value: string | null) {
    this.setText(value);
  }

  /** Like `content`; with `strict` false a body that fails to decode comes back raw. */
  getContent(strict = true): Uint8Array | null {
    const raw = this.raw_content;
    if (raw === null) return null;
    const ce = this.headers.get("content-encoding");
    if (!ce) return raw;
    const c = this.#decoded;
    if (c && c.raw === raw && c.enc === ce) return c.decoded;
    try {
      const decoded = decodeContent(raw, ce);
      this.#decoded = { raw, enc: ce, decoded };
      return decoded;
    } catch (e) {
      if (strict || !(e instanceof ContentEncodingError)) throw e;
      return raw;
    }
  }

  /** mitmproxy `set_content`: encodes with the current Content-Encoding (an invalid one is
   * removed), then sets Content-Length unless Transfer-Encoding is present. */
  setContent(value: Uint8Array | null): void {
    if (value === null) {
      this.raw_content = null;
      return;
    }
    const ce = this.headers.get("content-encoding");
    let raw = value;
    if (ce) {
      const c = this.#decoded;
      // Unchanged bytes keep the original wire form instead of being recompressed.
      if (c && c.enc === ce && c.decoded !== value && bytesEqual(c.decoded, value)) {
        raw = c.raw;
      } else {
        try {
          raw = encodeContent(value, ce);
          this.#decoded = { raw, enc: ce, decoded: value };
        } catch (e) {
          if (!(e instanceof ContentEncodingError)) throw e;
          this.headers.delete("content-encoding");
        }
      }
    }
    this.raw_content = raw;
    if (!this.headers.has("transfer-encoding")) {
      this.headers.set("content-length", String(raw.length));
    }
  }

  /** Like `text`; with `strict` false, undecodable bodies come back as UTF-8 with
   * surrogateescape instead of throwing. */
  getText(strict = true): string | null {
    const content = this.getContent(strict);
    if (content === null) return null;
    const ct = this.headers.get("content-type") ?? "";
    const t = this.#text;
    if (t && t.content === content && t.ct === ct) return t.text;
    const enc = inferContentEncoding(ct, content);
    let text: string;
    try {
      text = decodeCharset(content, enc);
    } catch (e) {
      if (strict || !(e instanceof CharsetError)) throw e;
      return utf8DecodeSurrogateEscape(content);
    }
    this.#text = { content, ct, text };
    return text;
  }

  /** Encodes with the inferred charset; if it can't, uses UTF-8 and says so in
   * Content-Type (`text/plain; charset=utf-8` when there was none). */
  setText(text: string | null): void {
    if (text === null) {
      this.setContent(null);
      return;
    }
    const ct = this.headers.get("content-type") ?? "";
    let bytes: Uint8Array;
    try {
      bytes = encodeCharset(text, inferContentEncoding(ct));
    } catch (e) {
      if (!(e instanceof CharsetError)) throw e;
      const [type, subtype, params] = parseContentType(ct) ?? ["text", "plain", {}];
      params["charset"] = "utf-8";
      this.headers.set("content-type", assembleContentType(type, subtype, params));
      bytes = utf8EncodeSurrogateEscape(text);
    }
    this.setContent(bytes);
  }

  /** Undoes Content-Encoding and removes the header. No-op for a missing or empty body. */
  decode(strict = true): void {
    if (!this.raw_content || this.raw_content.length === 0) return;
    const decoded = this.getContent(strict);
    this.headers.delete("content-encoding");
    this.setContent(decoded);
  }

  /** Encodes the raw body with `encoding` (not decoding it first) and sets the header.
   * Throws `ContentEncodingError` for an unknown encoding (the header is then removed). */
  encode(encoding: string): void {
    this.headers.set("content-encoding", encoding);
    this.setContent(this.raw_content);
    if (!this.headers.has("content-encoding")) {
      throw new ContentEncodingError(`Invalid content encoding ${JSON.stringify(encoding)}`);
    }
  }

  /** The body parsed as JSON. Throws TypeError if the body is missing. */
  json<T = unknown>(): T {
    const content = this.getContent(false);
    if (content === null) throw new TypeError("Message content is not available.");
    return JSON.parse(utf8Decode(content)) as T;
  }

  /** The MessageData keys, in mitmproxy's order. */
  protected messageState(): StateDict {
    return {
      http_version: latin1Encode(this.http_version),
      headers: this.headers.toState(),
      content: this.raw_content,
      trailers: this.trailers ? this.trailers.toState() : null,
      timestamp_start: this.timestamp_start,
      timestamp_end: this.timestamp_end,
    };
  }

  abstract getState(): StateDict;
}

/** The MessageData part of a request/response state dict. */
export function messageInitFromState(s: StateDict, where: string): MessageInit {
  return {
    http_version: latin1Decode(asBytes(s.http_version, `${where}.http_version`)),
    headers: Headers.fromState(s.headers, `${where}.headers`),
    content: orNull(s.content, `${where}.content`, asBytes),
    trailers: s.trailers == null ? null : Headers.fromState(s.trailers, `${where}.trailers`),
    timestamp_start: asNum(s.timestamp_start, `${where}.timestamp_start`),
    timestamp_end: orNull(s.timestamp_end, `${where}.timestamp_end`, asNum),
  };
}
