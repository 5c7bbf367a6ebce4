/** Incremental HTTP/2 frame reader: bytes in, frames out, any split of the input. */

import { ErrorCode } from "./error_codes.ts";
import { parseFrame } from "./frame_parse.ts";
import {
  CONNECTION_PREFACE,
  type Frame,
  FRAME_HEADER_SIZE,
  type FrameError,
  FrameType,
} from "./frames.ts";
import { DEFAULT_SETTINGS } from "./settings.ts";

export interface FrameReaderOptions {
  /** Servers expect the client preface before the first frame. */
  expectPreface?: boolean;
  /** Largest payload accepted; bigger frames are a FRAME_SIZE_ERROR (RFC 9113 §4.2). */
  maxFrameSize?: number;
}

// Reader states.
const PREFACE = 0;
const HEADER = 1;
const PAYLOAD = 2;
const FAILED = 3;

/**
 * Splits a byte stream into frames. Every byte is looked at once: partial frame headers and
 * payloads are kept across `feed` calls and never rescanned. Payloads are copied out of the
 * input, so callers may reuse their buffers.
 *
 * After a connection error the reader returns that error for every later `feed`.
 */
export class FrameReader {
  /** Payload size limit, updated by the connection when its SETTINGS are acknowledged. */
  maxFrameSize: number;
  #state: number;
  #prefaceMatched = 0;
  readonly #header = new Uint8Array(FRAME_HEADER_SIZE);
  #headerFilled = 0;
  #type = 0;
  #flags = 0;
  #streamId = 0;
  #payload = new Uint8Array(0);
  #payloadFilled = 0;
  #error: FrameError | null = null;

  constructor(options: FrameReaderOptions = {}) {
    this.maxFrameSize = options.maxFrameSize ?? DEFAULT_SETTINGS.maxFrameSize;
    this.#state = options.expectPreface ? PREFACE : HEADER;
  }

  /** True between frames, when no partial frame is buffered. */
  get idle(): boolean {
    return this.#state === HEADER && this.#headerFilled === 0;
  }

  feed(chunk: Uint8Array): (Frame | FrameError)[] {
    const out: (Frame | FrameError)[] = [];
    if (this.#error) {
      out.push(this.#error);
      return out;
    }
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      if (this.#state === PAYLOAD) {
        const want = this.#payload.length - this.#payloadFilled;
        const take = want < n - i ? want : n - i;
        this.#payload.set(chunk.subarray(i, i + take), this.#payloadFilled);
        this.#payloadFilled += take;
        i += take;
        if (this.#payloadFilled === this.#payload.length) {
          this.#state = HEADER;
          if (!this.#emit(this.#payload, out)) return out;
        }
      } else if (this.#state === HEADER) {
        if (this.#headerFilled === 0 && n - i >= FRAME_HEADER_SIZE) {
          // Fast path: the header is in this chunk, maybe the whole frame too.
          const length = (chunk[i] << 16) | (chunk[i + 1] << 8) | chunk[i + 2];
          if (!this.#startFrame(length, chunk[i + 3], chunk[i + 4], chunk, i + 5, out)) {
            return out;
          }
          i += FRAME_HEADER_SIZE;
          if (n - i >= length) {
            this.#state = HEADER;
            if (!this.#emit(chunk.slice(i, i + length), out)) return out;
            i += length;
          } else {
            this.#payload = new Uint8Array(length);
            this.#payloadFilled = 0;
          }
          continue;
        }
        while (i < n && this.#headerFilled < FRAME_HEADER_SIZE) {
          this.#header[this.#headerFilled++] = chunk[i++];
        }
        if (this.#headerFilled < FRAME_HEADER_SIZE) break;
        this.#headerFilled = 0;
        const h = this.#header;
        const length = (h[0] << 16) | (h[1] << 8) | h[2];
        if (!this.#startFrame(length, h[3], h[4], h, 5, out)) return out;
        this.#payload = new Uint8Array(length);
        this.#payloadFilled = 0;
        if (length === 0) {
          this.#state = HEADER;
          if (!this.#emit(this.#payload, out)) return out;
        }
      } else if (this.#state === PREFACE) {
        while (i < n && this.#prefaceMatched < CONNECTION_PREFACE.length) {
          if (chunk[i] !== CONNECTION_PREFACE[this.#prefaceMatched]) {
            this.#fail(
              "invalid connection preface (is the client speaking HTTP/2?)",
              ErrorCode.PROTOCOL_ERROR,
              out,
            );
            return out;
          }
          i++;
          this.#prefaceMatched++;
        }
        if (this.#prefaceMatched === CONNECTION_PREFACE.length) this.#state = HEADER;
      } else {
        break;
      }
    }
    return out;
  }

  /** Records the frame header; false (with an error pushed) when the length is too big. */
  #startFrame(
    length: number,
    type: number,
    flags: number,
    bytes: Uint8Array,
    at: number,
    out: (Frame | FrameError)[],
  ): boolean {
    this.#type = type;
    this.#flags = flags;
    this.#streamId = ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) |
      bytes[at + 3]) & 0x7fffffff;
    if (length > this.maxFrameSize) {
      this.#fail(
        `frame of type ${frameTypeName(type)} with length ${length} exceeds the maximum frame ` +
          `size ${this.maxFrameSize}`,
        ErrorCode.FRAME_SIZE_ERROR,
        out,
      );
      return false;
    }
    this.#state = PAYLOAD;
    return true;
  }

  #emit(payload: Uint8Array, out: (Frame | FrameError)[]): boolean {
    const frame = parseFrame(this.#type, this.#flags, this.#streamId, payload);
    if (frame.type === "ERROR" && frame.streamId === undefined) {
      this.#error = frame;
      this.#state = FAILED;
    }
    out.push(frame);
    return this.#state !== FAILED;
  }

  #fail(error: string, code: number, out: (Frame | FrameError)[]): void {
    this.#error = { type: "ERROR", error, code };
    this.#state = FAILED;
    out.push(this.#error);
  }
}

const TYPE_NAMES: string[] = [];
for (const [name, code] of Object.entries(FrameType)) TYPE_NAMES[code] = name;

/** "HEADERS" for 1, "0xfa" for unknown types. */
export function frameTypeName(type: number): string {
  return TYPE_NAMES[type] ?? `0x${type.toString(16)}`;
}
