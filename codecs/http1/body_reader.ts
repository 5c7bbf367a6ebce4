/** Incremental body decoders for Content-Length and close-delimited bodies, and a factory. */

import { ChunkedReader } from "./chunked_reader.ts";
import {
  type BodyChunkResult,
  type BodyEofResult,
  type BodyFraming,
  type BodyReader,
  DEFAULT_LIMITS,
  EMPTY_BYTES,
  type Http1Limits,
} from "./types.ts";

export type { BodyChunkResult, BodyEofResult, BodyReader } from "./types.ts";
export { ChunkedReader } from "./chunked_reader.ts";

/** A body of known length; length 0 is also used for messages without a body. */
export class ContentLengthReader implements BodyReader {
  readonly length: number;
  #remaining: number;

  constructor(length: number) {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`invalid body length ${length}`);
    }
    this.length = length;
    this.#remaining = length;
  }

  get done(): boolean {
    return this.#remaining === 0;
  }

  /** Body bytes still expected. */
  get remaining(): number {
    return this.#remaining;
  }

  feed(chunk: Uint8Array): BodyChunkResult {
    const remaining = this.#remaining;
    if (remaining === 0) return { data: [], done: true, rest: chunk };
    if (chunk.length < remaining) {
      this.#remaining = remaining - chunk.length;
      return { data: chunk.length === 0 ? [] : [chunk], done: false, rest: EMPTY_BYTES };
    }
    this.#remaining = 0;
    if (chunk.length === remaining) return { data: [chunk], done: true, rest: EMPTY_BYTES };
    return { data: [chunk.subarray(0, remaining)], done: true, rest: chunk.subarray(remaining) };
  }

  eof(): BodyEofResult {
    if (this.#remaining === 0) return { done: true };
    const got = this.length - this.#remaining;
    return {
      error:
        `peer closed connection before the body was complete (got ${got} of ${this.length} bytes)`,
      status: 400,
    };
  }
}

/** A body that ends when the peer closes the connection (responses only). */
export class CloseDelimitedReader implements BodyReader {
  #done = false;
  /** Body bytes received so far. */
  received = 0;

  get done(): boolean {
    return this.#done;
  }

  feed(chunk: Uint8Array): BodyChunkResult {
    if (this.#done) return { data: [], done: true, rest: chunk };
    this.received += chunk.length;
    return { data: chunk.length === 0 ? [] : [chunk], done: false, rest: EMPTY_BYTES };
  }

  /** The peer closed the connection: the body is complete. */
  finish(): BodyEofResult {
    this.#done = true;
    return { done: true };
  }

  eof(): BodyEofResult {
    return this.finish();
  }
}

/** Creates the reader for a framing: "none" is a zero-length body. */
export function createBodyReader(
  framing: BodyFraming,
  limits: Http1Limits = DEFAULT_LIMITS,
): BodyReader {
  switch (framing.kind) {
    case "none":
      return new ContentLengthReader(0);
    case "length":
      return new ContentLengthReader(framing.length);
    case "chunked":
      return new ChunkedReader(limits);
    case "close":
      return new CloseDelimitedReader();
  }
}
