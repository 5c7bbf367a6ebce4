/** Incremental decoder of the chunked transfer coding (RFC 9112 §7.1) as a state machine. */

import { concatBytes } from "../bytes.ts";
import { CR, LF, quote } from "./chars.ts";
import { parseHeaderFields } from "./header_fields.ts";
import { decodeHead } from "./head_text.ts";
import {
  type BodyChunkResult,
  type BodyEofResult,
  type BodyReader,
  DEFAULT_LIMITS,
  EMPTY_BYTES,
  type HeaderFields,
  type Http1Limits,
  type ParseError,
} from "./types.ts";

// States. The line states (all but DATA, TRAILERS, DONE) move by TRANSITIONS, byte by byte.
const SIZE_START = 0; // expecting the first hex digit of a chunk size
const SIZE = 1; // in the hex digits
const SIZE_WS = 2; // whitespace after the size, before ";" or CR
const EXT = 3; // in chunk extensions, which are skipped
const SIZE_LF = 4; // CR of the size line seen, expecting LF
const DATA = 5; // in chunk data
const DATA_CR = 6; // chunk data ended, expecting CR
const DATA_LF = 7; // expecting LF after chunk data
const TRAILERS = 8; // in the trailer section after the last chunk
const DONE = 9;
/** Pseudo-state of a completed size line: DATA or TRAILERS depending on the size. */
const SIZE_END = 10;
const INVALID = 255;

const STATE_NAMES = [
  "size_start",
  "size",
  "size_ws",
  "ext",
  "size_lf",
  "data",
  "data_cr",
  "data_lf",
  "trailers",
  "done",
];

// Byte classes.
const C_HEX = 0;
const C_SEMI = 1;
const C_WS = 2;
const C_CR = 3;
const C_LF = 4;
const C_TEXT = 5; // other visible chars and obs-text (extension names and values)
const C_CTL = 6;
const CLASSES = 7;

const BYTE_CLASS: Uint8Array = (() => {
  const t = new Uint8Array(256).fill(C_TEXT);
  for (let c = 0; c < 0x20; c++) t[c] = C_CTL;
  t[0x7f] = C_CTL;
  for (const c of "0123456789abcdefABCDEF") t[c.charCodeAt(0)] = C_HEX;
  t[0x3b] = C_SEMI;
  t[0x20] = C_WS;
  t[0x09] = C_WS;
  t[CR] = C_CR;
  t[LF] = C_LF;
  return t;
})();

/** TRANSITIONS[state * CLASSES + class]: the next state, or INVALID. */
const TRANSITIONS: Uint8Array = (() => {
  const t = new Uint8Array(SIZE_END * CLASSES).fill(INVALID);
  const on = (state: number, classes: number[], next: number) => {
    for (const c of classes) t[state * CLASSES + c] = next;
  };
  on(SIZE_START, [C_HEX], SIZE);
  on(SIZE, [C_HEX], SIZE);
  on(SIZE, [C_WS], SIZE_WS);
  on(SIZE_WS, [C_WS], SIZE_WS);
  on(SIZE, [C_SEMI], EXT);
  on(SIZE_WS, [C_SEMI], EXT);
  on(EXT, [C_HEX, C_SEMI, C_WS, C_TEXT], EXT);
  on(SIZE, [C_CR], SIZE_LF);
  on(SIZE_WS, [C_CR], SIZE_LF);
  on(EXT, [C_CR], SIZE_LF);
  on(SIZE_LF, [C_LF], SIZE_END);
  on(DATA_CR, [C_CR], DATA_LF);
  on(DATA_LF, [C_LF], SIZE_START);
  return t;
})();

/** More hex digits than this can't be a sane size (and would overflow 2^53). */
const MAX_SIZE_DIGITS = 16;
/** Bound on one chunk-size line (size and extensions). */
const MAX_SIZE_LINE = 4096;

/** Trailer scan states (the trailer section ends at a blank line, like a head). */
const T_IN_LINE = 0;
const T_AFTER_LF = 1;
const T_AFTER_LF_CR = 2;

/**
 * Decodes a chunked body incrementally. Chunk-size lines, CRLFs and trailers may be split
 * across feeds at any byte; chunk data is returned as views into the fed chunks.
 */
export class ChunkedReader implements BodyReader {
  readonly #limits: Http1Limits;
  #state = SIZE_START;
  #size = 0; // size being parsed, then bytes left in the current chunk
  #digits = 0;
  #lineLength = 0;
  #received = 0;
  #trailerState = T_AFTER_LF;
  #trailerParts: Uint8Array[] = [];
  #trailerLength = 0;
  #trailers: HeaderFields | undefined;
  #error: ParseError | null = null;

  constructor(limits: Http1Limits = DEFAULT_LIMITS) {
    this.#limits = limits;
  }

  get done(): boolean {
    return this.#state === DONE;
  }

  /** Decoded body bytes so far. */
  get received(): number {
    return this.#received;
  }

  /** Name of the current state (for diagnostics and tests). */
  get stateName(): string {
    return STATE_NAMES[this.#state];
  }

  feed(chunk: Uint8Array): BodyChunkResult {
    if (this.#error) return this.#error;
    if (this.#state === DONE) return { data: [], done: true, rest: chunk };
    const data: Uint8Array[] = [];
    const n = chunk.length;
    let state = this.#state;
    let i = 0;
    while (i < n) {
      if (state === DATA) {
        const left = this.#size;
        const take = left < n - i ? left : n - i;
        data.push(take === n ? chunk : chunk.subarray(i, i + take));
        i += take;
        this.#received += take;
        this.#size = left - take;
        if (this.#size === 0) state = DATA_CR;
        continue;
      }
      if (state === TRAILERS) {
        const end = this.#scanTrailers(chunk, i);
        if (end === -2) {
          return this.#fail({
            error: `Trailer section too large (more than ${this.#limits.maxHeadSize} bytes)`,
            status: 431,
          });
        }
        if (end < 0) {
          i = n;
          break;
        }
        const trailers = this.#parseTrailers();
        if ("error" in trailers) return this.#fail(trailers);
        if (trailers.length > 0) this.#trailers = trailers;
        i = end;
        state = DONE;
        break;
      }
      const c = chunk[i];
      const next = TRANSITIONS[state * CLASSES + BYTE_CLASS[c]];
      if (next === INVALID) return this.#fail(this.#unexpected(state, c));
      i++;
      if (state <= SIZE_LF && ++this.#lineLength > MAX_SIZE_LINE) {
        return this.#fail({
          error: `Chunk size line too long (over ${MAX_SIZE_LINE} bytes)`,
          status: 400,
        });
      }
      if (next === SIZE) {
        if (++this.#digits > MAX_SIZE_DIGITS) return this.#fail(this.#overflow());
        this.#size = this.#size * 16 + hexValue(c);
        if (this.#size > Number.MAX_SAFE_INTEGER) return this.#fail(this.#overflow());
        state = SIZE;
      } else if (next === SIZE_END) {
        state = this.#size > 0 ? DATA : TRAILERS;
        this.#digits = 0;
        this.#lineLength = 0;
      } else {
        state = next;
      }
    }
    this.#state = state;
    if (state === DONE) {
      const rest = i < n ? chunk.subarray(i) : EMPTY_BYTES;
      const trailers = this.#trailers;
      return trailers ? { data, done: true, rest, trailers } : { data, done: true, rest };
    }
    return { data, done: false, rest: EMPTY_BYTES };
  }

  eof(): BodyEofResult {
    if (this.#error) return this.#error;
    if (this.#state === DONE) {
      return this.#trailers ? { done: true, trailers: this.#trailers } : { done: true };
    }
    const where = this.#state === DATA
      ? `${this.#size} bytes of the current chunk missing`
      : `in state ${STATE_NAMES[this.#state]}`;
    return {
      error: `peer closed connection before the chunked body was complete ` +
        `(got ${this.#received} bytes, ${where})`,
      status: 400,
    };
  }

  /** Scans trailer bytes from `i`; returns the index past the blank line, -1 if more input is
   * needed, -2 if the section is too large. Keeps copies of the section's bytes. */
  #scanTrailers(chunk: Uint8Array, i: number): number {
    let st = this.#trailerState;
    let j = i;
    let end = -1;
    while (j < chunk.length) {
      if (st === T_IN_LINE) {
        const nl = chunk.indexOf(LF, j);
        if (nl < 0) {
          j = chunk.length;
          break;
        }
        j = nl + 1;
        st = T_AFTER_LF;
        continue;
      }
      const c = chunk[j++];
      if (c === LF) {
        end = j;
        break;
      }
      st = c === CR && st === T_AFTER_LF ? T_AFTER_LF_CR : T_IN_LINE;
    }
    this.#trailerState = st;
    this.#trailerLength += j - i;
    if (this.#trailerLength > this.#limits.maxHeadSize) return -2;
    this.#trailerParts.push(end < 0 ? chunk.slice(i, j) : chunk.subarray(i, j));
    return end;
  }

  #parseTrailers(): HeaderFields | ParseError {
    const { text, clean } = decodeHead(concatBytes(this.#trailerParts));
    this.#trailerParts = [];
    return parseHeaderFields(text, 0, this.#limits, "trailer", !clean);
  }

  #fail(error: ParseError): ParseError {
    this.#error = error;
    return error;
  }

  #unexpected(state: number, c: number): ParseError {
    const what = state === SIZE_START
      ? "Invalid chunk size"
      : state === DATA_CR || state === DATA_LF
      ? "Missing CRLF after chunk data"
      : "Invalid chunk size line";
    const byte = quote(String.fromCharCode(c)) + ` (0x${c.toString(16).padStart(2, "0")})`;
    return { error: `${what}: unexpected ${byte} in state ${STATE_NAMES[state]}`, status: 400 };
  }

  #overflow(): ParseError {
    return {
      error: `Chunk size overflow (more than ${MAX_SIZE_DIGITS} hex digits or over 2^53)`,
      status: 400,
    };
  }
}

function hexValue(c: number): number {
  if (c <= 0x39) return c - 0x30;
  return (c | 0x20) - 0x61 + 10;
}
