/**
 * Frames on the channel between the proxy and a script's sandbox (a pipe to the sandbox
 * process, relayed to its worker as transferred buffers).
 *
 * Layout, written once:
 *
 *     frame   = magic "MDS1" | u32 payload length | payload          (big endian)
 *     payload = u32 json length | json (UTF-8) | blob*
 *     blob    = u32 length | bytes
 *
 * The JSON is the message with every `Uint8Array` replaced by `{"\u0000b": index}`: flow
 * states (the flow file layout, bodies and header bytes included) travel without base64.
 * Decoding checks every length and index; a bad frame is a `WireError`, never a crash.
 */

export type WireValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | WireValue[]
  | { [key: string]: WireValue };

export class WireError extends Error {
  override name = "WireError";
}

const MAGIC = 0x4d445331; // "MDS1"
export const FRAME_HEADER = 8;
/** Larger frames are refused: a corrupted length must not make us allocate gigabytes. */
export const MAX_FRAME = 1 << 30;
const BLOB_KEY = "\u0000b";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

function strip(v: unknown, blobs: Uint8Array[]): unknown {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Uint8Array) {
    blobs.push(v);
    return { [BLOB_KEY]: blobs.length - 1 };
  }
  if (Array.isArray(v)) return v.map((x) => strip(x, blobs));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = strip((v as Record<string, unknown>)[k], blobs);
  return out;
}

function unstrip(v: unknown, blobs: readonly Uint8Array[]): WireValue {
  if (v === null || typeof v !== "object") return v as WireValue;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = unstrip(v[i], blobs);
    return v as WireValue[];
  }
  const o = v as Record<string, unknown>;
  if (Object.hasOwn(o, BLOB_KEY)) {
    const index = o[BLOB_KEY];
    if (
      typeof index !== "number" || !Number.isInteger(index) || index < 0 || index >= blobs.length
    ) {
      throw new WireError(`frame refers to blob ${String(index)} of ${blobs.length}`);
    }
    return blobs[index];
  }
  for (const k of Object.keys(o)) o[k] = unstrip(o[k], blobs);
  return o as WireValue;
}

/** One complete frame (header included) in a buffer of its own, so it can be transferred. */
export function encodeFrame(value: unknown): Uint8Array<ArrayBuffer> {
  const blobs: Uint8Array[] = [];
  const json = encoder.encode(JSON.stringify(strip(value, blobs)));
  let size = FRAME_HEADER + 4 + json.length;
  for (const b of blobs) size += 4 + b.length;
  if (size > MAX_FRAME) throw new WireError(`message of ${size} bytes exceeds ${MAX_FRAME}`);
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC);
  view.setUint32(4, size - FRAME_HEADER);
  view.setUint32(8, json.length);
  out.set(json, 12);
  let pos = 12 + json.length;
  for (const b of blobs) {
    view.setUint32(pos, b.length);
    out.set(b, pos + 4);
    pos += 4 + b.length;
  }
  return out;
}

/** Decodes a complete frame. Blobs are views into `frame` (no copy). */
export function decodeFrame(frame: Uint8Array): WireValue {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (frame.length < FRAME_HEADER + 4 || view.getUint32(0) !== MAGIC) {
    throw new WireError("not a frame (bad magic)");
  }
  if (view.getUint32(4) !== frame.length - FRAME_HEADER) {
    throw new WireError("frame length does not match its header");
  }
  const jsonLength = view.getUint32(8);
  if (12 + jsonLength > frame.length) throw new WireError("frame JSON runs past its end");
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(frame.subarray(12, 12 + jsonLength)));
  } catch (e) {
    throw new WireError(`frame JSON is invalid: ${(e as Error).message}`);
  }
  const blobs: Uint8Array[] = [];
  let pos = 12 + jsonLength;
  while (pos < frame.length) {
    if (pos + 4 > frame.length) throw new WireError("truncated blob length");
    const n = view.getUint32(pos);
    if (pos + 4 + n > frame.length) throw new WireError("blob runs past the end of its frame");
    blobs.push(frame.subarray(pos + 4, pos + 4 + n));
    pos += 4 + n;
  }
  return unstrip(parsed, blobs);
}

/** Cuts a byte stream into frames. Each frame returned owns its buffer. */
export class FrameSplitter {
  // A growing buffer (capacity doubles), so a large frame arriving in small chunks is
  // copied a constant number of times per byte.
  #buf = new Uint8Array(64 * 1024);
  #len = 0;

  /** Adds bytes; returns the frames now complete. Throws `WireError` on a bad header. */
  push(chunk: Uint8Array): Uint8Array<ArrayBuffer>[] {
    if (this.#len + chunk.length > this.#buf.length) {
      let cap = this.#buf.length;
      while (cap < this.#len + chunk.length) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#len);
    this.#len += chunk.length;
    const frames: Uint8Array<ArrayBuffer>[] = [];
    const view = new DataView(this.#buf.buffer);
    let pos = 0;
    while (this.#len - pos >= FRAME_HEADER) {
      if (view.getUint32(pos) !== MAGIC) throw new WireError("not a frame (bad magic)");
      const total = FRAME_HEADER + view.getUint32(pos + 4);
      if (total > MAX_FRAME) throw new WireError(`frame of ${total} bytes exceeds ${MAX_FRAME}`);
      if (this.#len - pos < total) break;
      frames.push(this.#buf.slice(pos, pos + total));
      pos += total;
    }
    if (pos > 0) {
      this.#buf.copyWithin(0, pos, this.#len);
      this.#len -= pos;
    }
    return frames;
  }

  /** Bytes waiting for the rest of their frame. */
  get pending(): number {
    return this.#len;
  }
}
