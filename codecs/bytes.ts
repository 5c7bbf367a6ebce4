/** Byte helpers shared by the codecs. Latin1 strings map bytes 1:1 to chars, so header
 * names and values keep every byte as received while staying cheap to compare. */

import type { ByteArena } from "./byte_arena.ts";

const LATIN1 = new TextDecoder("latin1");

/** The one empty byte array: nothing can be written to it, so everybody may share it. */
export const EMPTY_BYTES: Uint8Array = new Uint8Array(0);

/** Decodes bytes to a latin1 string (one char per byte). */
export function latin1Decode(bytes: Uint8Array): string {
  // TextDecoder("latin1") is windows-1252 per the WHATWG spec, which remaps 0x80-0x9f;
  // decode by hand when those bytes occur so the mapping stays 1:1.
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0x80 && b <= 0x9f) return latin1DecodeSlow(bytes);
  }
  return LATIN1.decode(bytes);
}

function latin1DecodeSlow(bytes: Uint8Array): string {
  let out = "";
  const STEP = 8192;
  for (let i = 0; i < bytes.length; i += STEP) {
    out += String.fromCharCode(...bytes.subarray(i, i + STEP));
  }
  return out;
}

/**
 * Encodes a latin1 string back to bytes; chars above 0xff are truncated to their low byte.
 * With an arena the result is a view into one of its chunks (see `byte_arena.ts`).
 */
export function latin1Encode(text: string, arena?: ByteArena): Uint8Array {
  // Heads are nearly always ASCII, where UTF-8 gives the same bytes: encodeInto a buffer of
  // one byte per char reads the whole text exactly when it is ASCII (2.5x faster than a
  // regex test plus encode()).
  const out = arena === undefined ? new Uint8Array(text.length) : arena.alloc(text.length);
  if (UTF8_ENCODER.encodeInto(text, out).read === text.length) return out;
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/**
 * Concatenates byte arrays into one new array (one part comes back as it is, none as
 * `EMPTY_BYTES`). With an arena the result is a view into one of its chunks (`byte_arena.ts`).
 */
export function concatBytes(parts: readonly Uint8Array[], arena?: ByteArena): Uint8Array {
  if (parts.length === 1) return parts[0];
  if (parts.length === 0) return EMPTY_BYTES; // a new empty array costs ~0.3 µs

  let size = 0;
  for (const p of parts) size += p.length;
  const out = arena === undefined ? new Uint8Array(size) : arena.alloc(size);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

export function utf8Encode(text: string): Uint8Array {
  return UTF8_ENCODER.encode(text);
}

export function utf8Decode(bytes: Uint8Array): string {
  return UTF8_DECODER.decode(bytes);
}
