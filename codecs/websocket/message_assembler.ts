/**
 * Data frames in, messages out (RFC 6455 §5.4, RFC 7692 §6.2): joins fragments, inflates
 * compressed messages fragment by fragment, checks text as UTF-8 as it arrives and enforces
 * the message size limit on the decompressed size. Control frames are the connection's job;
 * they may arrive between fragments and never reach this class.
 */

import { concatBytes } from "../bytes.ts";
import { CloseCode } from "./close_code.ts";
import type { Message } from "./events.ts";
import type { Frame, FrameError } from "./frame.ts";
import type { MessageInflater } from "./message_deflate.ts";
import { Opcode, opcodeName } from "./opcode.ts";
import { Utf8Validator } from "./utf8_validator.ts";

export interface MessageAssemblerOptions {
  /** Largest message, counted after decompression; more is a 1009 error. */
  maxMessageSize: number;
  /** Set when permessage-deflate was negotiated for messages from the peer. */
  inflater: MessageInflater | null;
}

export class MessageAssembler {
  readonly #maxMessageSize: number;
  readonly #inflater: MessageInflater | null;
  #active = false;
  #text = false;
  #compressed = false;
  #parts: Uint8Array[] = [];
  #size = 0;
  #frames = 0;
  readonly #utf8 = new Utf8Validator();

  constructor(options: MessageAssemblerOptions) {
    this.#maxMessageSize = options.maxMessageSize;
    this.#inflater = options.inflater;
  }

  /** True while a fragmented message waits for more frames. */
  get inProgress(): boolean {
    return this.#active;
  }

  /** Takes a TEXT, BINARY or CONTINUATION frame: the Message it completes, or null. */
  frame(frame: Frame): Message | FrameError | null {
    if (frame.opcode === Opcode.CONTINUATION) {
      if (!this.#active) {
        return protocolError("CONTINUATION frame without a fragmented message to continue");
      }
    } else {
      if (this.#active) {
        return protocolError(
          `${opcodeName(frame.opcode)} frame while a fragmented message is unfinished ` +
            "(expected CONTINUATION)",
        );
      }
      this.#active = true;
      this.#text = frame.opcode === Opcode.TEXT;
      this.#compressed = frame.rsv1;
      this.#parts = [];
      this.#size = 0;
      this.#frames = 0;
      this.#utf8.reset();
    }
    this.#frames++;
    if (this.#compressed) {
      const inflater = this.#inflater;
      if (!inflater) return protocolError("compressed message without permessage-deflate");
      const data = inflater.push(frame.payload, this.#maxMessageSize - this.#size);
      if ("error" in data) return data;
      const error = this.#add(data);
      if (error) return error;
      if (frame.fin) {
        const tail = inflater.finish(this.#maxMessageSize - this.#size);
        if ("error" in tail) return tail;
        const tailError = this.#add(tail);
        if (tailError) return tailError;
      }
    } else {
      const error = this.#add(frame.payload);
      if (error) return error;
    }
    if (!frame.fin) return null;
    if (this.#text && !this.#utf8.complete) {
      return invalidData("text message ends inside a UTF-8 sequence");
    }
    this.#active = false;
    const parts = this.#parts;
    this.#parts = [];
    return {
      type: "Message",
      opcode: this.#text ? "text" : "binary",
      data: concatBytes(parts),
      compressed: this.#compressed,
      frames: this.#frames,
    };
  }

  #add(data: Uint8Array): FrameError | null {
    if (data.length === 0) return null;
    this.#size += data.length;
    if (this.#size > this.#maxMessageSize) {
      return {
        error: `message of at least ${this.#size} bytes exceeds the maximum message size ` +
          `${this.#maxMessageSize}`,
        code: CloseCode.MESSAGE_TOO_BIG,
      };
    }
    if (this.#text && !this.#utf8.feed(data)) return invalidData("text message is not valid UTF-8");
    this.#parts.push(data);
    return null;
  }
}

function protocolError(error: string): FrameError {
  return { error, code: CloseCode.PROTOCOL_ERROR };
}

function invalidData(error: string): FrameError {
  return { error, code: CloseCode.INVALID_PAYLOAD_DATA };
}
