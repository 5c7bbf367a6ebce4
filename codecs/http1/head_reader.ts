/** Incremental search for the end of an HTTP/1 head in a stream of chunks. */

import { CR, LF } from "./chars.ts";
import { DEFAULT_LIMITS, EMPTY_BYTES, type Http1Limits, type ParseError } from "./types.ts";

/** A complete head (including its terminating blank line, without leading blank lines) and the
 * bytes that followed it; `null` when more input is needed. */
export type HeadResult = { head: Uint8Array; rest: Uint8Array } | null | ParseError;

// Scanner states: the terminator is LF, optional CR, LF ("\r\n\r\n" and "\n\n" both match).
const LEADING = 0; // before the head: blank lines are skipped
const LEADING_CR = 1; // a CR before the head; LF completes a blank line
const IN_LINE = 2;
const AFTER_LF = 3;
const AFTER_LF_CR = 4;

const LONE_CR = new Uint8Array([CR]);

/**
 * Accumulates chunks until a head is complete. Each byte is examined once: the scan state and
 * position survive across `feed` calls. After a head is returned the reader starts over for the
 * next message; after an error it keeps returning that error until `reset()`.
 *
 * Bytes of an incomplete head are copied when kept across feeds, so callers may reuse their
 * buffers; `head` and `rest` are views into the last chunk when the head came in one piece.
 */
export class HeadReader {
  /** Total bytes examined since construction: a witness that scanning is linear. */
  bytesExamined = 0;
  readonly #limits: Http1Limits;
  #state = LEADING;
  /** Copy of the head's bytes from earlier feeds: #buf[0, #len). Grows by doubling. */
  #buf: Uint8Array | null = null;
  #len = 0;
  /** Bytes consumed for the current head, including skipped blank lines. */
  #consumed = 0;
  #error: ParseError | null = null;

  constructor(limits: Http1Limits = DEFAULT_LIMITS) {
    this.#limits = limits;
  }

  reset(): void {
    this.#state = LEADING;
    this.#buf = null; // a returned head may be a view into it, so never reuse it
    this.#len = 0;
    this.#consumed = 0;
    this.#error = null;
  }

  feed(chunk: Uint8Array): HeadResult {
    if (this.#error) return this.#error;
    const budget = this.#limits.maxHeadSize - this.#consumed;
    const stop = Math.min(chunk.length, budget);
    let state = this.#state;
    let start = 0; // where this chunk's part of the head begins
    let i = 0;
    let end = -1; // index just past the terminator
    while (i < stop) {
      if (state === IN_LINE) {
        // A plain loop beats indexOf here: lines are short and the call overhead dominates.
        while (i < stop && chunk[i] !== LF) i++;
        if (i === stop) break;
        i++;
        state = AFTER_LF;
        continue;
      }
      const c = chunk[i++];
      if (state === AFTER_LF || state === AFTER_LF_CR) {
        if (c === LF) {
          end = i;
          break;
        }
        state = c === CR && state === AFTER_LF ? AFTER_LF_CR : IN_LINE;
      } else if (state === LEADING) {
        if (c === LF) start = i;
        else if (c === CR) state = LEADING_CR;
        else {
          start = i - 1;
          state = IN_LINE;
        }
      } else if (c === LF) {
        // LEADING_CR: a CRLF blank line, skipped.
        start = i;
        state = LEADING;
      } else {
        // A lone CR starts the head (the parser rejects it); it may be from the previous chunk.
        if (i >= 2) start = i - 2;
        else {
          this.#append(LONE_CR);
          start = 0;
        }
        state = IN_LINE;
      }
    }
    this.bytesExamined += end >= 0 ? end : i;
    if (end >= 0) return this.#complete(chunk, start, end);
    this.#consumed += chunk.length < budget ? chunk.length : budget;
    if (chunk.length >= budget) {
      this.#error = {
        error: `HTTP head too large (more than ${this.#limits.maxHeadSize} bytes)`,
        status: 431,
      };
      return this.#error;
    }
    this.#state = state;
    if (state !== LEADING && state !== LEADING_CR) {
      if (start < chunk.length) this.#append(chunk.subarray(start));
    }
    return null;
  }

  #complete(chunk: Uint8Array, start: number, end: number): HeadResult {
    let head: Uint8Array;
    if (this.#buf === null) head = chunk.subarray(start, end);
    else {
      this.#append(chunk.subarray(start, end));
      head = (this.#buf as Uint8Array).subarray(0, this.#len);
    }
    const rest = end < chunk.length ? chunk.subarray(end) : EMPTY_BYTES;
    this.reset();
    return { head, rest };
  }

  #append(bytes: Uint8Array): void {
    const need = this.#len + bytes.length;
    let buf = this.#buf;
    if (buf === null || need > buf.length) {
      const size = Math.min(Math.max(need, 2 * (buf?.length ?? 0), 1024), this.#limits.maxHeadSize);
      const grown = new Uint8Array(Math.max(size, need));
      if (buf !== null) grown.set(buf.subarray(0, this.#len));
      this.#buf = buf = grown;
    }
    buf.set(bytes, this.#len);
    this.#len = need;
  }
}
