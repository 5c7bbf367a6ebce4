/**
 * Writes values and frames in the layout of `wire.ts` into one growing buffer.
 *
 * Rules, written once:
 * - Frames are appended back to back (`frameWith`, or `beginFrame`/`endFrame`), so the
 *   frames of one event loop turn leave in one pipe write; `take()` hands them over and
 *   starts again.
 * - `value()` writes any value the way `JSON.stringify` would see it (undefined, functions
 *   and symbols dropped from dicts and null in lists, `toJSON` honoured), plus `Uint8Array`
 *   as BYTES. A BigInt, a cycle or nesting deeper than `MAX_DEPTH` is a `WireError`.
 * - The typed methods (`str`, `latin1`, `dict`, `key`, ...) let a caller that knows the
 *   shape (`flow_writer.ts`) write a state object without building it first. They check
 *   the type of what they are given (it may come from a script) and throw a `TypeError`
 *   rather than write something else.
 * - `raw()` splices a value that is already encoded (the worker's changed fields).
 */
import {
  FRAME_HEADER,
  KEY_INDEX,
  LONG_KEY,
  MAGIC,
  MAX_DEPTH,
  MAX_FRAME,
  T_BYTES,
  T_DICT,
  T_FALSE,
  T_FLOAT,
  T_INT,
  T_LIST,
  T_NULL,
  T_STR,
  T_TRUE,
  WireError,
} from "./wire.ts";

const ENCODER = new TextEncoder();

function expected(what: string, v: unknown): TypeError {
  const got = v === null ? "null" : Array.isArray(v) ? "an array" : typeof v;
  return new TypeError(`expected ${what}, got ${got}`);
}
/** Shorter ASCII strings are copied char by char; longer ones by the native encoder. */
const SHORT = 64;

export class WireWriter {
  #buf: Uint8Array<ArrayBuffer>;
  #view: DataView;
  #pos = 0;

  constructor(capacity = 16 * 1024) {
    this.#buf = new Uint8Array(capacity);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#pos;
  }

  /** The buffer written so far (valid until the next write; compare `[0, length)` only). */
  get buffer(): Uint8Array {
    return this.#buf;
  }

  /** Drops everything written after `length` (to undo a frame that failed half-way). */
  truncate(length: number): void {
    this.#pos = Math.min(this.#pos, length);
  }

  /** Everything written, in a buffer of its own (transferable); the writer starts empty. */
  take(): Uint8Array<ArrayBuffer> {
    const out = this.#buf.slice(0, this.#pos);
    this.#pos = 0;
    return out;
  }

  /** Everything written, as a view; `truncate(0)` it once the bytes are consumed. */
  view(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  #ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const grown = new Uint8Array(cap);
    grown.set(this.#buf.subarray(0, this.#pos));
    this.#buf = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** Starts a frame; returns the position to give `endFrame`. */
  beginFrame(): number {
    this.#ensure(FRAME_HEADER);
    const start = this.#pos;
    this.#view.setUint32(start, MAGIC, true);
    this.#pos += FRAME_HEADER;
    return start;
  }

  endFrame(start: number): void {
    const size = this.#pos - start - FRAME_HEADER;
    if (size + FRAME_HEADER > MAX_FRAME) {
      this.#pos = start;
      throw new WireError(`message of ${size} bytes exceeds ${MAX_FRAME}`);
    }
    this.#view.setUint32(start + 4, size, true);
  }

  /** Writes one frame whose value `write` writes; nothing is left behind if it throws. */
  frameWith(write: (w: WireWriter) => void): void {
    const start = this.beginFrame();
    try {
      write(this);
    } catch (e) {
      this.#pos = start;
      throw e;
    }
    this.endFrame(start);
  }

  /** Writes `message` as one frame; nothing is left behind if it cannot be encoded. */
  frame(message: unknown): void {
    this.frameWith((w) => w.value(message));
  }

  null(): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = T_NULL;
  }

  bool(b: boolean): void {
    if (typeof b !== "boolean") throw expected("a boolean", b);
    this.#ensure(1);
    this.#buf[this.#pos++] = b ? T_TRUE : T_FALSE;
  }

  num(n: number): void {
    if (typeof n !== "number") throw expected("a number", n);
    this.#ensure(9);
    // -0 is a float, so that it comes back as -0.
    if (Number.isInteger(n) && n >= -0x80000000 && n <= 0x7fffffff && (n !== 0 || 1 / n > 0)) {
      this.#buf[this.#pos] = T_INT;
      this.#view.setInt32(this.#pos + 1, n, true);
      this.#pos += 5;
    } else {
      this.#buf[this.#pos] = T_FLOAT;
      this.#view.setFloat64(this.#pos + 1, n, true);
      this.#pos += 9;
    }
  }

  numOrNull(n: number | null): void {
    if (n === null) this.null();
    else this.num(n);
  }

  str(s: string): void {
    if (typeof s !== "string") throw expected("a string", s);
    this.#ensure(5);
    this.#buf[this.#pos] = T_STR;
    this.#pos += 5;
    this.#utf8(s, this.#pos - 4);
  }

  strOrNull(s: string | null): void {
    if (s === null) this.null();
    else this.str(s);
  }

  /** UTF-8 of `s` at the current position, its byte length as u32 at `lengthAt`. */
  #utf8(s: string, lengthAt: number): void {
    const n = s.length;
    this.#ensure(n * 3);
    const buf = this.#buf;
    const p = this.#pos;
    if (n <= SHORT) {
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p + i] = c;
      }
      if (i === n) {
        this.#view.setUint32(lengthAt, n, true);
        this.#pos = p + n;
        return;
      }
    }
    const { written } = ENCODER.encodeInto(s, buf.subarray(p));
    this.#view.setUint32(lengthAt, written, true);
    this.#pos = p + written;
  }

  bytes(b: Uint8Array): void {
    if (!(b instanceof Uint8Array)) throw expected("a Uint8Array", b);
    this.#ensure(5 + b.length);
    this.#buf[this.#pos] = T_BYTES;
    this.#view.setUint32(this.#pos + 1, b.length, true);
    this.#buf.set(b, this.#pos + 5);
    this.#pos += 5 + b.length;
  }

  /** A latin1 string as BYTES, one byte per char (like `latin1Encode`). */
  latin1(s: string): void {
    if (typeof s !== "string") throw expected("a string", s);
    const n = s.length;
    this.#ensure(5 + n);
    const buf = this.#buf;
    buf[this.#pos] = T_BYTES;
    this.#view.setUint32(this.#pos + 1, n, true);
    const p = this.#pos + 5;
    for (let i = 0; i < n; i++) buf[p + i] = s.charCodeAt(i);
    this.#pos = p + n;
  }

  latin1OrNull(s: string | null): void {
    if (s === null) this.null();
    else this.latin1(s);
  }

  list(count: number): void {
    this.#container(T_LIST, count);
  }

  dict(count: number): void {
    this.#container(T_DICT, count);
  }

  /** Sets the count of the list or dict written at `at` (for callers that skip items). */
  setCount(at: number, count: number): void {
    this.#view.setUint32(at + 1, count, true);
  }

  #container(tag: number, count: number): void {
    this.#ensure(5);
    this.#buf[this.#pos] = tag;
    this.#view.setUint32(this.#pos + 1, count, true);
    this.#pos += 5;
  }

  key(k: string): void {
    const index = KEY_INDEX.get(k);
    this.#ensure(5);
    if (index !== undefined) {
      this.#buf[this.#pos++] = index;
      return;
    }
    this.#buf[this.#pos] = LONG_KEY;
    this.#pos += 5;
    this.#utf8(k, this.#pos - 4);
  }

  /** Splices bytes that already encode one value. */
  raw(encoded: Uint8Array): void {
    this.#ensure(encoded.length);
    this.#buf.set(encoded, this.#pos);
    this.#pos += encoded.length;
  }

  /** Any value, as `JSON.stringify` would see it (see the rules above). */
  value(v: unknown, depth = 0): void {
    if (v === null || v === undefined) return this.null();
    switch (typeof v) {
      case "boolean":
        return this.bool(v);
      case "number":
        return this.num(v);
      case "string":
        return this.str(v);
      case "bigint":
        throw new WireError(`a BigInt (${v}n) cannot be sent; convert it to a number or string`);
      case "object":
        break;
      default:
        // Functions and symbols, like JSON.
        return this.null();
    }
    if (v instanceof Uint8Array) return this.bytes(v);
    if (depth >= MAX_DEPTH) {
      throw new WireError(`value nests deeper than ${MAX_DEPTH} levels (a cycle?)`);
    }
    if (Array.isArray(v)) {
      this.list(v.length);
      for (const x of v) this.value(x, depth + 1);
      return;
    }
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") return this.value(toJSON.call(v), depth + 1);
    const o = v as Record<string, unknown>;
    this.#ensure(5);
    const countAt = this.#pos + 1;
    this.dict(0);
    let count = 0;
    for (const k of Object.keys(o)) {
      const x = o[k];
      if (x === undefined || typeof x === "function" || typeof x === "symbol") continue;
      this.key(k);
      this.value(x, depth + 1);
      count++;
    }
    this.#view.setUint32(countAt, count, true);
  }
}

/** One message as a complete frame in a buffer of its own. */
export function encodeFrame(message: unknown): Uint8Array<ArrayBuffer> {
  const w = new WireWriter(256);
  w.frame(message);
  return w.take();
}
