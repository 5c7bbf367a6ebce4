/**
 * Reads values in the layout of `wire.ts` from one frame.
 *
 * Rules, written once:
 * - Nothing is trusted: every length is checked against the frame's end before it is used,
 *   an unknown tag or key index, invalid UTF-8, nesting deeper than `MAX_DEPTH` and bytes
 *   left over after the value are `WireError`s naming the offset.
 * - BYTES come back as copies: a body a flow keeps must not pin the read buffer it arrived
 *   in (frames are views into large read buffers). Empty ones are views of one empty
 *   buffer. `since()` and `skip()` give views, for comparing encodings while a call runs.
 * - `value()` reads any value; the typed methods (`dict`, `key`, `latin1`, ...) let a
 *   reader that knows the shape (`flow_reader.ts`) build objects without the state object in
 *   between, failing the same way when the bytes are not what it expects.
 */
import { latin1Decode } from "../../codecs/bytes.ts";
import {
  FRAME_HEADER,
  KEYS,
  LONG_KEY,
  MAGIC,
  MAX_DEPTH,
  T_BYTES,
  T_DICT,
  T_FALSE,
  T_FLOAT,
  T_INT,
  T_LIST,
  T_NULL,
  T_STR,
  T_TRUE,
  u32,
  WireError,
  type WireValue,
} from "./wire.ts";

const UTF8 = new TextDecoder("utf-8", { fatal: true });
/** Floats are read through these (no DataView per frame; Deno runs on little-endian hosts). */
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);
const TAG_NAMES = ["null", "false", "true", "int", "float", "string", "bytes", "list", "dict"];
/** Shorter strings are decoded char by char; longer ones by the native decoder. */
const SHORT = 64;
/** Empty BYTES are views of this (an ArrayBuffer costs about half a microsecond). */
const EMPTY = new Uint8Array(0);

/** Sets a key of a decoded dict (`__proto__` as an own property, not the prototype). */
export function setKey(o: Record<string, WireValue>, k: string, v: WireValue): void {
  if (k === "__proto__") {
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  } else o[k] = v;
}

/** `buf[start..end)` as a latin1 string (one char per byte, like `latin1Decode`); short
 * ones without a call into the runtime. */
export function latin1Range(buf: Uint8Array, start: number, end: number): string {
  if (end - start > SHORT) return latin1Decode(buf.subarray(start, end));
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(buf[i]);
  return s;
}

export class WireReader {
  readonly #buf: Uint8Array;
  #pos: number;
  #end: number;

  constructor(buf: Uint8Array, start = 0, end = buf.length) {
    this.#buf = buf;
    this.#pos = start;
    this.#end = end;
  }

  /** A reader positioned at the value of a complete frame (header checked). */
  static frame(frame: Uint8Array): WireReader {
    if (frame.length < FRAME_HEADER || u32(frame, 0) !== MAGIC) {
      throw new WireError("not a frame (bad magic)");
    }
    if (u32(frame, 4) !== frame.length - FRAME_HEADER) {
      throw new WireError("frame length does not match its header");
    }
    return new WireReader(frame, FRAME_HEADER);
  }

  get pos(): number {
    return this.#pos;
  }

  /** Goes back to `pos` (a position this reader passed) to read a value again. */
  seek(pos: number): void {
    if (pos < 0 || pos > this.#end) throw new WireError(`cannot seek to ${pos}`);
    this.#pos = pos;
  }

  /** Bytes left before the end of the frame. */
  get remaining(): number {
    return this.#end - this.#pos;
  }

  /** The frame being read. */
  get buffer(): Uint8Array {
    return this.#buf;
  }

  /** The frame bytes from `start` to the current position (a view). */
  since(start: number): Uint8Array {
    return this.#buf.subarray(start, this.#pos);
  }

  /** Throws unless the whole frame was read. */
  finish(): void {
    if (this.#pos !== this.#end) {
      throw new WireError(`${this.#end - this.#pos} bytes after the value at ${this.#pos}`);
    }
  }

  #need(n: number): void {
    if (this.#pos + n > this.#end) {
      throw new WireError(`truncated value at ${this.#pos}: needs ${n} more bytes`);
    }
  }

  #u32(): number {
    this.#need(4);
    const n = u32(this.#buf, this.#pos);
    this.#pos += 4;
    return n;
  }

  /** The next value's tag, without consuming it. */
  peek(): number {
    this.#need(1);
    return this.#buf[this.#pos];
  }

  #tag(expected: number, what: string): void {
    const tag = this.peek();
    if (tag !== expected) {
      throw new WireError(
        `expected ${what} at ${this.#pos}, got ${TAG_NAMES[tag] ?? `tag ${tag}`}`,
      );
    }
    this.#pos++;
  }

  /** Consumes a null if one is next. */
  nullNext(): boolean {
    if (this.peek() !== T_NULL) return false;
    this.#pos++;
    return true;
  }

  dict(): number {
    this.#tag(T_DICT, "a dict");
    return this.#u32();
  }

  list(): number {
    this.#tag(T_LIST, "a list");
    return this.#u32();
  }

  key(): string {
    this.#need(1);
    const index = this.#buf[this.#pos++];
    if (index !== LONG_KEY) {
      const k = KEYS[index];
      if (k === undefined) throw new WireError(`unknown key index ${index} at ${this.#pos - 1}`);
      return k;
    }
    return this.#utf8(this.#u32());
  }

  bool(): boolean {
    const tag = this.peek();
    if (tag !== T_TRUE && tag !== T_FALSE) this.#tag(T_TRUE, "a boolean");
    this.#pos++;
    return tag === T_TRUE;
  }

  num(): number {
    const tag = this.peek();
    if (tag === T_INT) {
      this.#need(5);
      const n = u32(this.#buf, this.#pos + 1) | 0;
      this.#pos += 5;
      return n;
    }
    this.#tag(T_FLOAT, "a number");
    this.#need(8);
    for (let i = 0; i < 8; i++) F64_BYTES[i] = this.#buf[this.#pos + i];
    this.#pos += 8;
    return F64[0];
  }

  numOrNull(): number | null {
    return this.nullNext() ? null : this.num();
  }

  str(): string {
    this.#tag(T_STR, "a string");
    return this.#utf8(this.#u32());
  }

  strOrNull(): string | null {
    return this.nullNext() ? null : this.str();
  }

  #utf8(n: number): string {
    this.#need(n);
    const buf = this.#buf;
    const start = this.#pos;
    this.#pos += n;
    if (n <= SHORT) {
      let s = "";
      for (let i = start; i < start + n; i++) {
        const c = buf[i];
        if (c >= 0x80) return this.#utf8Slow(start, n);
        s += String.fromCharCode(c);
      }
      return s;
    }
    return this.#utf8Slow(start, n);
  }

  #utf8Slow(start: number, n: number): string {
    try {
      return UTF8.decode(this.#buf.subarray(start, start + n));
    } catch {
      throw new WireError(`invalid UTF-8 in the string at ${start}`);
    }
  }

  /** BYTES, copied out of the frame (empty ones share one empty buffer). */
  bytes(): Uint8Array {
    this.#tag(T_BYTES, "bytes");
    const n = this.#u32();
    this.#need(n);
    if (n === 0) return EMPTY.subarray(0, 0);
    const out = this.#buf.slice(this.#pos, this.#pos + n);
    this.#pos += n;
    return out;
  }

  /** BYTES as a latin1 string (one char per byte, like `latin1Decode`). */
  latin1(): string {
    this.#tag(T_BYTES, "bytes");
    const n = this.#u32();
    this.#need(n);
    const start = this.#pos;
    this.#pos += n;
    return latin1Range(this.#buf, start, start + n);
  }

  latin1OrNull(): string | null {
    return this.nullNext() ? null : this.latin1();
  }

  /** Skips one value; returns its encoding (a view). */
  skip(): Uint8Array {
    const start = this.#pos;
    this.value();
    return this.#buf.subarray(start, this.#pos);
  }

  /** Any value. */
  value(depth = 0): WireValue {
    this.#need(1);
    const tag = this.#buf[this.#pos];
    switch (tag) {
      case T_NULL:
        this.#pos++;
        return null;
      case T_FALSE:
      case T_TRUE:
        return this.bool();
      case T_INT:
      case T_FLOAT:
        return this.num();
      case T_STR:
        return this.str();
      case T_BYTES:
        return this.bytes();
      case T_LIST:
      case T_DICT:
        break;
      default:
        throw new WireError(`unknown tag ${tag} at ${this.#pos}`);
    }
    if (depth >= MAX_DEPTH) throw new WireError(`value nests deeper than ${MAX_DEPTH} levels`);
    if (tag === T_LIST) {
      const n = this.list();
      // Every item takes at least a byte: a forged count cannot make us allocate more.
      this.#need(n);
      const out: WireValue[] = new Array(n);
      for (let i = 0; i < n; i++) out[i] = this.value(depth + 1);
      return out;
    }
    const n = this.dict();
    this.#need(2 * n);
    const out: Record<string, WireValue> = {};
    for (let i = 0; i < n; i++) setKey(out, this.key(), this.value(depth + 1));
    return out;
  }
}

/** Decodes a complete frame holding one value. */
export function decodeFrame(frame: Uint8Array): WireValue {
  const r = WireReader.frame(frame);
  const v = r.value();
  r.finish();
  return v;
}
