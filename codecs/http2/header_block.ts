/**
 * Gathers a header block from HEADERS or PUSH_PROMISE and its CONTINUATION frames
 * (RFC 9113 §4.3, §6.10): while one is open, any other frame is a connection error, and size
 * and frame count are capped so a peer cannot make us buffer without end.
 */

import { concatBytes } from "../bytes.ts";
import { ErrorCode } from "./error_codes.ts";
import type { ContinuationFrame, HeadersFrame, Priority, PushPromiseFrame } from "./frames.ts";

export interface HeaderBlock {
  streamId: number;
  /** True for PUSH_PROMISE blocks, which carry `promisedStreamId`. */
  push: boolean;
  promisedStreamId: number;
  endStream: boolean;
  priority: Priority | undefined;
  block: Uint8Array;
}

export type BlockError = { error: string; code: number };

export class HeaderBlockAssembler {
  readonly #maxSize: number;
  readonly #maxContinuations: number;
  #open: Omit<HeaderBlock, "block"> | null = null;
  #fragments: Uint8Array[] = [];
  #size = 0;
  #continuations = 0;

  constructor(maxSize: number, maxContinuations: number) {
    this.#maxSize = maxSize;
    this.#maxContinuations = maxContinuations;
  }

  /** The stream whose block is incomplete, or 0. */
  get openStreamId(): number {
    return this.#open?.streamId ?? 0;
  }

  /** Starts a block; returns it when END_HEADERS is set, null when CONTINUATION must follow. */
  start(frame: HeadersFrame | PushPromiseFrame): HeaderBlock | null | BlockError {
    const head = {
      streamId: frame.streamId,
      push: frame.type === "PUSH_PROMISE",
      promisedStreamId: frame.type === "PUSH_PROMISE" ? frame.promisedStreamId : 0,
      endStream: frame.type === "HEADERS" && frame.endStream,
      priority: frame.type === "HEADERS" ? frame.priority : undefined,
    };
    if (frame.fragment.length > this.#maxSize) return this.#tooBig();
    if (frame.endHeaders) return { ...head, block: frame.fragment };
    this.#open = head;
    this.#fragments = [frame.fragment];
    this.#size = frame.fragment.length;
    this.#continuations = 0;
    return null;
  }

  continue(frame: ContinuationFrame): HeaderBlock | null | BlockError {
    const open = this.#open;
    if (!open) {
      return {
        error: `CONTINUATION on stream ${frame.streamId} without HEADERS or PUSH_PROMISE`,
        code: ErrorCode.PROTOCOL_ERROR,
      };
    }
    this.#size += frame.fragment.length;
    if (this.#size > this.#maxSize) return this.#tooBig();
    if (++this.#continuations > this.#maxContinuations) {
      return {
        error: `header block spans more than ${this.#maxContinuations} CONTINUATION frames`,
        code: ErrorCode.ENHANCE_YOUR_CALM,
      };
    }
    this.#fragments.push(frame.fragment);
    if (!frame.endHeaders) return null;
    const block = concatBytes(this.#fragments);
    this.#open = null;
    this.#fragments = [];
    return { ...open, block };
  }

  #tooBig(): BlockError {
    this.#open = null;
    this.#fragments = [];
    return {
      error: `header block larger than ${this.#maxSize} octets`,
      code: ErrorCode.ENHANCE_YOUR_CALM,
    };
  }
}
