/** HTTP content codings (mitmproxy `net/encoding.py`): identity/none, gzip, deflate,
 * deflateraw, br and zstd, with mitmproxy's fast encode settings. All through node:zlib
 * (Deno 2.9.6 ships zstd there too). */

import * as zlib from "node:zlib";

/** Unknown coding, or bytes that do not decode with the named coding. */
export class ContentEncodingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ContentEncodingError";
  }
}

/** The codings we can decode and encode (lowercase tokens). */
export const SUPPORTED_ENCODINGS: readonly string[] = [
  "identity",
  "none",
  "gzip",
  "deflate",
  "deflateraw",
  "br",
  "zstd",
];

const GZIP_OPTS: zlib.ZlibOptions = { level: 1 };
const DEFLATE_OPTS: zlib.ZlibOptions = { level: 1 };
const BROTLI_OPTS: zlib.BrotliOptions = {
  params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 0 },
};
const ZSTD_OPTS = { params: { [zlib.constants.ZSTD_c_compressionLevel]: 1 } };

type Codec = (data: Uint8Array) => Uint8Array;

/** node:zlib returns Buffers that may view a much larger pool; hand out plain arrays. */
function plain(buf: Uint8Array): Uint8Array {
  if (buf.byteLength * 2 < buf.buffer.byteLength) return new Uint8Array(buf);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

function decodeDeflate(data: Uint8Array): Uint8Array {
  if (data.length === 0) return new Uint8Array(0);
  try {
    return plain(zlib.inflateSync(data));
  } catch {
    // Some servers send raw deflate without the zlib header and checksum.
    return plain(zlib.inflateRawSync(data));
  }
}

const ZSTD_MAGIC = 0xfd2fb528;

function u32le(d: Uint8Array, o: number): number {
  return (d[o] | (d[o + 1] << 8) | (d[o + 2] << 16) | (d[o + 3] << 24)) >>> 0;
}

/** End offset of the zstd (or skippable) frame at `start`, or -1 if it is malformed. */
function zstdFrameEnd(d: Uint8Array, start: number): number {
  if (start + 4 > d.length) return -1;
  const magic = u32le(d, start);
  if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
    if (start + 8 > d.length) return -1;
    const end = start + 8 + u32le(d, start + 4);
    return end <= d.length ? end : -1;
  }
  if (magic !== ZSTD_MAGIC || start + 5 > d.length) return -1;
  const fhd = d[start + 4];
  const singleSegment = (fhd >> 5) & 1;
  const fcsFlag = fhd >> 6;
  const didSize = [0, 1, 2, 4][fhd & 3];
  const fcsSize = [singleSegment, 2, 4, 8][fcsFlag];
  let off = start + 5 + (singleSegment ? 0 : 1) + didSize + fcsSize;
  for (;;) {
    if (off + 3 > d.length) return -1;
    const h = d[off] | (d[off + 1] << 8) | (d[off + 2] << 16);
    const type = (h >> 1) & 3;
    if (type === 3) return -1;
    off += 3 + (type === 1 ? 1 : h >>> 3);
    if (h & 1) break;
  }
  if (fhd & 4) off += 4;
  return off <= d.length ? off : -1;
}

function decodeZstd(data: Uint8Array): Uint8Array {
  if (data.length === 0) return new Uint8Array(0);
  // node:zlib stops after the first frame; mitmproxy reads across frames.
  const parts: Uint8Array[] = [];
  let off = 0;
  while (off < data.length) {
    const end = zstdFrameEnd(data, off);
    if (end < 0) {
      parts.push(zlib.zstdDecompressSync(data.subarray(off)));
      break;
    }
    if (u32le(data, off) === ZSTD_MAGIC) {
      parts.push(zlib.zstdDecompressSync(data.subarray(off, end)));
    }
    off = end;
  }
  if (parts.length === 1) return plain(parts[0]);
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const identity: Codec = (data) => data;

const DECODERS: Record<string, Codec> = {
  identity,
  none: identity,
  // unzip auto-detects a gzip or zlib header, like Python's wbits=47.
  gzip: (d) => (d.length === 0 ? new Uint8Array(0) : plain(zlib.unzipSync(d))),
  deflate: decodeDeflate,
  deflateraw: decodeDeflate,
  br: (d) => (d.length === 0 ? new Uint8Array(0) : plain(zlib.brotliDecompressSync(d))),
  zstd: decodeZstd,
};

const ENCODERS: Record<string, Codec> = {
  identity,
  none: identity,
  gzip: (d) => plain(zlib.gzipSync(d, GZIP_OPTS)),
  // mitmproxy writes the zlib header for both deflate tokens.
  deflate: (d) => plain(zlib.deflateSync(d, DEFLATE_OPTS)),
  deflateraw: (d) => plain(zlib.deflateSync(d, DEFLATE_OPTS)),
  br: (d) => plain(zlib.brotliCompressSync(d, BROTLI_OPTS)),
  zstd: (d) => plain(zlib.zstdCompressSync(d, ZSTD_OPTS)),
};

/** Splits a Content-Encoding value into lowercase tokens (`"gzip, br"` -> gzip, br). */
export function parseEncodings(encoding: string): string[] {
  const out: string[] = [];
  for (const part of encoding.split(",")) {
    const t = part.trim().toLowerCase();
    if (t) out.push(t);
  }
  return out;
}

/** True if every coding named in `encoding` is one we support. */
export function isSupportedEncoding(encoding: string): boolean {
  const tokens = parseEncodings(encoding);
  return tokens.length > 0 && tokens.every((t) => Object.hasOwn(DECODERS, t));
}

function codecFor(table: Record<string, Codec>, token: string, header: string): Codec {
  const c = Object.hasOwn(table, token) ? table[token] : undefined;
  if (!c) throw new ContentEncodingError(`Unknown content encoding: ${JSON.stringify(header)}`);
  return c;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Undoes the codings of a Content-Encoding value. Codings are listed in the order they were
 * applied, so they are undone last to first. Throws `ContentEncodingError`. */
export function decodeContent(data: Uint8Array, encoding: string): Uint8Array {
  const tokens = parseEncodings(encoding);
  if (tokens.length === 0) throw new ContentEncodingError(`Empty content encoding`);
  const codecs = tokens.map((t) => codecFor(DECODERS, t, encoding));
  let out = data;
  for (let i = codecs.length - 1; i >= 0; i--) {
    try {
      out = codecs[i](out);
    } catch (e) {
      throw new ContentEncodingError(
        `Cannot decode ${JSON.stringify(tokens[i])} content: ${errorText(e)}`,
      );
    }
  }
  return out;
}

/** Applies the codings of a Content-Encoding value in order. Throws `ContentEncodingError`. */
export function encodeContent(data: Uint8Array, encoding: string): Uint8Array {
  const tokens = parseEncodings(encoding);
  if (tokens.length === 0) throw new ContentEncodingError(`Empty content encoding`);
  const codecs = tokens.map((t) => codecFor(ENCODERS, t, encoding));
  let out = data;
  for (let i = 0; i < codecs.length; i++) {
    try {
      out = codecs[i](out);
    } catch (e) {
      throw new ContentEncodingError(
        `Cannot encode ${JSON.stringify(tokens[i])} content: ${errorText(e)}`,
      );
    }
  }
  return out;
}
