/**
 * Incremental reader for a stream of concatenated tnetstrings (a `.mitm` file): feed chunks,
 * take complete top-level values one at a time.
 *
 * Rules, written once:
 * - Only the current top-level value is buffered: its length prefix is read as bytes
 *   arrive (never rescanned), then bytes are collected until the value is complete and it
 *   is parsed once. Memory is bounded by the largest single value, not the stream.
 * - `next()` answers `value`, `need-data` (feed more, or call `end()`), `end` (the input
 *   ended cleanly between values) or `error`. Errors are values carrying the absolute byte
 *   offset; after an error the reader stays failed.
 * - Input that ends inside a value gives an error with `truncated: true`.
 *
 * @example
 * ```ts
 * import { TnetstringReader } from "./reader.ts";
 * const r = new TnetstringReader();
 * r.feed(new TextEncoder().encode("1:1#2:"));
 * const first = r.next(); // { kind: "value", value: 1, offset: 0, size: 4 }
 * r.feed(new TextEncoder().encode("hi;"));
 * r.end();
 * const second = r.next(); // { kind: "value", value: "hi", offset: 4, size: 5 }
 * if (first.kind !== "value" || second.kind !== "value" || r.next().kind !== "end") {
 *   throw new Error();
 * }
 * ```
 */
import { MAX_LENGTH_DIGITS, parseValue, showByte } from "./decode.ts";
import { TnetstringError, type TnetValue } from "./value.ts";

export type ReadResult =
  | { readonly kind: "value"; readonly value: TnetValue; readonly offset: number; size: number }
  | { readonly kind: "need-data" }
  | { readonly kind: "end" }
  | { readonly kind: "error"; readonly error: TnetstringError };

export interface TnetstringReaderOptions {
  /** Largest accepted top-level value in bytes (default 2^32). */
  maxValueSize?: number;
}

const NEED_DATA: ReadResult = { kind: "need-data" };
const END: ReadResult = { kind: "end" };

export class TnetstringReader {
  readonly #maxValueSize: number;
  /** Unconsumed input; the first chunk starts at `#head`. */
  #chunks: Uint8Array[] = [];
  #head = 0;
  #buffered = 0;
  /** Absolute offset of the first unconsumed byte (= start of the current value). */
  #offset = 0;
  #ended = false;
  #error: ReadResult | null = null;
  // Length-prefix scan state for the current value.
  #scanned = 0;
  #length = 0;
  #digits = 0;
  /** Total bytes of the current value (prefix, payload, tag) once the prefix is complete. */
  #need = -1;

  constructor(options: TnetstringReaderOptions = {}) {
    this.#maxValueSize = options.maxValueSize ?? 2 ** 32;
  }

  /** Absolute offset of the next value (bytes consumed so far). */
  get offset(): number {
    return this.#offset;
  }

  /** Bytes held for the current, incomplete value. */
  get buffered(): number {
    return this.#buffered;
  }

  feed(chunk: Uint8Array): void {
    if (this.#ended) throw new Error("TnetstringReader.feed() after end()");
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** No more input will come. */
  end(): void {
    this.#ended = true;
  }

  next(): ReadResult {
    if (this.#error) return this.#error;
    if (this.#need < 0) {
      const scan = this.#scanPrefix();
      if (scan !== null) return scan;
    }
    if (this.#buffered < this.#need) {
      if (!this.#ended) return NEED_DATA;
      return this.#fail(
        `truncated value: the input ends after ${this.#buffered} of its ${this.#need} bytes`,
        this.#offset,
        true,
      );
    }
    const start = this.#offset;
    const size = this.#need;
    const bytes = this.#take(size);
    const r = parseValue(bytes, 0, size, start);
    if ("error" in r) return (this.#error = { kind: "error", error: r.error });
    this.#need = -1;
    this.#scanned = this.#length = this.#digits = 0;
    return { kind: "value", value: r.value, offset: start, size };
  }

  /** Reads the length prefix as far as the input allows; null once it is complete. */
  #scanPrefix(): ReadResult | null {
    for (;;) {
      if (this.#scanned >= this.#buffered) {
        if (!this.#ended) return NEED_DATA;
        if (this.#scanned === 0) return END;
        return this.#fail(
          "truncated value: the input ends inside the length prefix",
          this.#offset,
          true,
        );
      }
      const b = this.#byteAt(this.#scanned);
      const at = this.#offset + this.#scanned;
      if (b >= 0x30 && b <= 0x39) {
        if (++this.#digits > MAX_LENGTH_DIGITS) {
          return this.#fail(`length prefix longer than ${MAX_LENGTH_DIGITS} digits`, this.#offset);
        }
        this.#length = this.#length * 10 + (b - 0x30);
        this.#scanned++;
        continue;
      }
      if (this.#digits === 0) return this.#fail(`expected a length digit, got ${showByte(b)}`, at);
      if (b !== 0x3a) return this.#fail(`expected ':' after length, got ${showByte(b)}`, at);
      this.#need = this.#scanned + 1 + this.#length + 1;
      if (this.#need > this.#maxValueSize) {
        return this.#fail(
          `value of ${this.#need} bytes is larger than the limit of ${this.#maxValueSize}`,
          this.#offset,
        );
      }
      return null;
    }
  }

  #byteAt(index: number): number {
    let i = this.#head + index;
    for (const chunk of this.#chunks) {
      if (i < chunk.length) return chunk[i];
      i -= chunk.length;
    }
    throw new Error("TnetstringReader: index out of range");
  }

  /** Removes `size` bytes from the front of the input; a view when they sit in one chunk. */
  #take(size: number): Uint8Array {
    const first = this.#chunks[0];
    let out: Uint8Array;
    if (first.length - this.#head >= size) {
      out = first.subarray(this.#head, this.#head + size);
      this.#head += size;
    } else {
      out = new Uint8Array(size);
      let filled = 0;
      let used = 0;
      while (filled < size) {
        const chunk = this.#chunks[used];
        const n = Math.min(chunk.length - this.#head, size - filled);
        out.set(chunk.subarray(this.#head, this.#head + n), filled);
        filled += n;
        this.#head += n;
        if (this.#head === chunk.length) {
          used++;
          this.#head = 0;
        }
      }
      // One splice, so many small chunks cost O(n) rather than O(n^2).
      this.#chunks.splice(0, used);
    }
    if (this.#chunks.length > 0 && this.#head === this.#chunks[0].length) {
      this.#chunks.shift();
      this.#head = 0;
    }
    this.#buffered -= size;
    this.#offset += size;
    return out;
  }

  #fail(problem: string, offset: number, truncated = false): ReadResult {
    this.#error = { kind: "error", error: new TnetstringError(problem, offset, truncated) };
    return this.#error;
  }
}
