/** Body text charsets: mitmproxy's `infer_content_encoding`, strict charset codecs named the
 * way Python names them, and UTF-8 with Python's `surrogateescape` error handler (an
 * undecodable byte b becomes the lone surrogate U+DC00+b, and encodes back to b). */

import iconv from "iconv-lite";
import { latin1Decode, latin1Encode } from "../../codecs/bytes.ts";

/** A charset that is unknown, or text/bytes that it cannot represent. */
export class CharsetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CharsetError";
  }
}

export type ContentType = [type: string, subtype: string, params: Record<string, string>];

/** `text/html; charset=UTF-8` -> `["text", "html", {charset: "UTF-8"}]`, null if no `/`. */
export function parseContentType(c: string): ContentType | null {
  const semi = c.indexOf(";");
  const main = semi < 0 ? c : c.slice(0, semi);
  const slash = main.indexOf("/");
  if (slash < 0) return null;
  const params: Record<string, string> = {};
  if (semi >= 0) {
    for (const clause of c.slice(semi + 1).split(";")) {
      const eq = clause.indexOf("=");
      if (eq >= 0) params[clause.slice(0, eq).trim()] = clause.slice(eq + 1).trim();
    }
  }
  return [main.slice(0, slash).toLowerCase(), main.slice(slash + 1).toLowerCase(), params];
}

export function assembleContentType(
  type: string,
  subtype: string,
  params: Record<string, string>,
): string {
  const p = Object.entries(params).map(([k, v]) => `${k}=${v}`).join("; ");
  return p ? `${type}/${subtype}; ${p}` : `${type}/${subtype}`;
}

function startsWith(d: Uint8Array, prefix: number[]): boolean {
  if (d.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (d[i] !== prefix[i]) return false;
  return true;
}

const META_CHARSET = /<meta[^>]+charset=['"]?([^'">]+)/i;
const XML_ENCODING = /<\?xml[^?>]+encoding=['"]([^'"?>]+)/i;
const CSS_CHARSET = /^@charset "([^"]+)";/i;

function asciiOnly(s: string): string {
  return s.replace(/[\u0080-\uffff]/g, "");
}

/** Python codec name for a body: BOM, then the charset parameter, then per-type rules
 * (json, html meta, xml declaration, javascript, css @charset), else latin-1. */
export function inferContentEncoding(contentType: string, content?: Uint8Array): string {
  const data = content ?? new Uint8Array(0);
  let enc: string | undefined;
  if (startsWith(data, [0, 0, 0xfe, 0xff])) enc = "utf-32be";
  else if (startsWith(data, [0xff, 0xfe, 0, 0])) enc = "utf-32le";
  else if (startsWith(data, [0xfe, 0xff])) enc = "utf-16be";
  else if (startsWith(data, [0xff, 0xfe])) enc = "utf-16le";
  else if (startsWith(data, [0xef, 0xbb, 0xbf])) enc = "utf-8-sig";
  else enc = parseContentType(contentType)?.[2]["charset"];

  let text: string | undefined;
  const bodyText = () => (text ??= latin1Decode(data));
  if (!enc && contentType.includes("json")) enc = "utf8";
  if (!enc && contentType.includes("html")) {
    const m = META_CHARSET.exec(bodyText());
    enc = m ? asciiOnly(m[1]) : "utf8";
  }
  if (!enc && contentType.includes("xml")) {
    const m = XML_ENCODING.exec(bodyText());
    enc = m ? asciiOnly(m[1]) : "utf8";
  }
  if (!enc && (contentType.includes("javascript") || contentType.includes("ecmascript"))) {
    enc = "utf8";
  }
  if (!enc && contentType.includes("text/css")) {
    const m = CSS_CHARSET.exec(bodyText());
    enc = m ? asciiOnly(m[1]) : "utf8";
  }
  if (!enc) enc = "latin-1";
  // GB 18030 is a superset of both; Chinese sites often mislabel.
  if (enc.toLowerCase() === "gb2312" || enc.toLowerCase() === "gbk") enc = "gb18030";
  return enc;
}

// ---- UTF-8 with surrogateescape ----

const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const UTF8_ENC = new TextEncoder();

/** UTF-8 decode where each undecodable byte b becomes U+DC00+b (Python surrogateescape). */
export function utf8DecodeSurrogateEscape(bytes: Uint8Array): string {
  try {
    return UTF8_STRICT.decode(bytes);
  } catch {
    // fall through to the byte-by-byte decoder
  }
  const out: number[] = [];
  let s = "";
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    let cp = -1;
    let len = 1;
    if (b < 0x80) cp = b;
    else if (b >= 0xc2 && b <= 0xdf && i + 1 < n && (bytes[i + 1] & 0xc0) === 0x80) {
      cp = ((b & 0x1f) << 6) | (bytes[i + 1] & 0x3f);
      len = 2;
    } else if (b >= 0xe0 && b <= 0xef && i + 2 < n) {
      const c1 = bytes[i + 1], c2 = bytes[i + 2];
      const lo = b === 0xe0 ? 0xa0 : 0x80, hi = b === 0xed ? 0x9f : 0xbf;
      if (c1 >= lo && c1 <= hi && (c2 & 0xc0) === 0x80) {
        cp = ((b & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
        len = 3;
      }
    } else if (b >= 0xf0 && b <= 0xf4 && i + 3 < n) {
      const c1 = bytes[i + 1], c2 = bytes[i + 2], c3 = bytes[i + 3];
      const lo = b === 0xf0 ? 0x90 : 0x80, hi = b === 0xf4 ? 0x8f : 0xbf;
      if (c1 >= lo && c1 <= hi && (c2 & 0xc0) === 0x80 && (c3 & 0xc0) === 0x80) {
        cp = ((b & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
        len = 4;
      }
    }
    // A continuation byte never starts a sequence, so escaping one byte and resyncing gives
    // the same result as Python escaping the whole maximal invalid subpart.
    if (cp < 0) cp = 0xdc00 + b;
    if (cp > 0xffff) {
      cp -= 0x10000;
      out.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else out.push(cp);
    i += len;
    if (out.length >= 8192) {
      s += String.fromCharCode(...out);
      out.length = 0;
    }
  }
  return s + String.fromCharCode(...out);
}

/** Inverse of `utf8DecodeSurrogateEscape`: lone U+DC80..U+DCFF encode as the byte they
 * stand for; other lone surrogates become U+FFFD. */
export function utf8EncodeSurrogateEscape(text: string): Uint8Array {
  if (!/[\udc80-\udcff]/.test(text)) return UTF8_ENC.encode(text);
  const parts: Uint8Array[] = [];
  let size = 0;
  let start = 0;
  const push = (p: Uint8Array) => {
    parts.push(p);
    size += p.length;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && isHigh(text.charCodeAt(i - 1)))) {
      push(UTF8_ENC.encode(text.slice(start, i)));
      push(Uint8Array.of(c - 0xdc00));
      start = i + 1;
    }
  }
  push(UTF8_ENC.encode(text.slice(start)));
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function hasLoneSurrogate(text: string): boolean {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

// ---- strict charset codecs, named as in Python ----

function normName(enc: string): string {
  return enc.toLowerCase().replace(/[^a-z0-9]/g, "");
}

const UTF8_NAMES = new Set(["utf8", "utf", "u8", "cp65001"]);
const LATIN1_NAMES = new Set(["latin1", "latin", "l1", "iso88591", "88591", "cp819", "iso8859"]);
const ASCII_NAMES = new Set(["ascii", "usascii", "646", "ansix341968"]);

function utf32Decode(d: Uint8Array, le: boolean): string {
  if (d.length % 4 !== 0) throw new CharsetError("truncated UTF-32 data");
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const out: string[] = [];
  for (let i = 0; i < d.length; i += 4) {
    const cp = v.getUint32(i, le);
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      throw new CharsetError(`invalid UTF-32 code point 0x${cp.toString(16)}`);
    }
    out.push(String.fromCodePoint(cp));
  }
  return out.join("");
}

function utf32Encode(text: string, le: boolean, bom: boolean): Uint8Array {
  const cps = Array.from(text, (c) => c.codePointAt(0) as number);
  const out = new Uint8Array((cps.length + (bom ? 1 : 0)) * 4);
  const v = new DataView(out.buffer);
  let o = 0;
  if (bom) {
    v.setUint32(0, 0xfeff, le);
    o = 4;
  }
  for (const cp of cps) {
    v.setUint32(o, cp, le);
    o += 4;
  }
  return out;
}

function utf16Encode(text: string, le: boolean, bom: boolean): Uint8Array {
  const off = bom ? 2 : 0;
  const out = new Uint8Array(off + text.length * 2);
  const v = new DataView(out.buffer);
  if (bom) v.setUint16(0, 0xfeff, le);
  for (let i = 0; i < text.length; i++) v.setUint16(off + i * 2, text.charCodeAt(i), le);
  return out;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function strictDecoder(label: string, d: Uint8Array): string {
  try {
    return new TextDecoder(label, { fatal: true, ignoreBOM: true }).decode(d);
  } catch (e) {
    throw new CharsetError(`cannot decode as ${label}: ${(e as Error).message}`);
  }
}

/** Decodes `data` with a Python-named charset, strictly. Throws `CharsetError`. */
export function decodeCharset(data: Uint8Array, encoding: string): string {
  const n = normName(encoding);
  if (UTF8_NAMES.has(n)) return strictDecoder("utf-8", data);
  if (n === "utf8sig") {
    const body = startsWith(data, [0xef, 0xbb, 0xbf]) ? data.subarray(3) : data;
    return strictDecoder("utf-8", body);
  }
  if (LATIN1_NAMES.has(n)) return latin1Decode(data);
  if (ASCII_NAMES.has(n)) {
    const bad = data.findIndex((b) => b > 0x7f);
    if (bad >= 0) throw new CharsetError(`byte 0x${data[bad].toString(16)} is not ascii`);
    return latin1Decode(data);
  }
  if (n === "utf16le") return strictDecoder("utf-16le", data);
  if (n === "utf16be") return strictDecoder("utf-16be", data);
  if (n === "utf16" || n === "u16") {
    if (startsWith(data, [0xfe, 0xff])) return strictDecoder("utf-16be", data.subarray(2));
    const body = startsWith(data, [0xff, 0xfe]) ? data.subarray(2) : data;
    return strictDecoder("utf-16le", body);
  }
  if (n === "utf32le") return utf32Decode(data, true);
  if (n === "utf32be") return utf32Decode(data, false);
  if (n === "utf32" || n === "u32") {
    if (startsWith(data, [0, 0, 0xfe, 0xff])) return utf32Decode(data.subarray(4), false);
    const body = startsWith(data, [0xff, 0xfe, 0, 0]) ? data.subarray(4) : data;
    return utf32Decode(body, true);
  }
  if (!iconv.encodingExists(encoding)) throw new CharsetError(`unknown encoding: ${encoding}`);
  const text = iconv.decode(data, encoding, { stripBOM: false });
  // iconv-lite substitutes instead of failing; a lossy decode does not round-trip.
  if (!bytesEqual(iconv.encode(text, encoding, { addBOM: false }), data)) {
    throw new CharsetError(`cannot decode as ${encoding}`);
  }
  return text;
}

/** Encodes `text` with a Python-named charset, strictly. Throws `CharsetError`. */
export function encodeCharset(text: string, encoding: string): Uint8Array {
  const n = normName(encoding);
  const isUtf = n.startsWith("utf") || n === "u8" || n === "u16" || n === "u32" ||
    n === "cp65001";
  if (isUtf && hasLoneSurrogate(text)) {
    throw new CharsetError(`surrogates not allowed in ${encoding}`);
  }
  if (UTF8_NAMES.has(n)) return UTF8_ENC.encode(text);
  if (n === "utf8sig") {
    const body = UTF8_ENC.encode(text);
    const out = new Uint8Array(body.length + 3);
    out.set([0xef, 0xbb, 0xbf]);
    out.set(body, 3);
    return out;
  }
  const limit = LATIN1_NAMES.has(n) ? 0xff : ASCII_NAMES.has(n) ? 0x7f : -1;
  if (limit >= 0) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) > limit) {
        throw new CharsetError(`character at ${i} cannot be encoded as ${encoding}`);
      }
    }
    return latin1Encode(text);
  }
  if (n === "utf16le" || n === "utf16be") return utf16Encode(text, n === "utf16le", false);
  if (n === "utf16" || n === "u16") return utf16Encode(text, true, true);
  if (n === "utf32le" || n === "utf32be") return utf32Encode(text, n === "utf32le", false);
  if (n === "utf32" || n === "u32") return utf32Encode(text, true, true);
  if (!iconv.encodingExists(encoding)) throw new CharsetError(`unknown encoding: ${encoding}`);
  const out = new Uint8Array(iconv.encode(text, encoding, { addBOM: false }));
  if (iconv.decode(out, encoding, { stripBOM: false }) !== text) {
    throw new CharsetError(`text cannot be encoded as ${encoding}`);
  }
  return out;
}
