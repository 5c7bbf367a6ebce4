/**
 * Incremental WebSocket frame reader: bytes in, unmasked frames out, any split of the input.
 *
 * Every byte is looked at once: a partial header (at most 14 bytes) and a partial payload are
 * kept across `feed` calls and never rescanned. The first two header bytes are checked as soon
 * as they arrive, so a bad frame fails before its length or payload is waited for. Payloads are
 * copied out of the input, so callers may reuse their buffers, and buffered only as they
 * arrive.
 *
 * Checks done here (each a protocol error with close code 1002 unless noted):
 * - RSV2/RSV3 set (no extension we support defines them); RSV1 without permessage-deflate, or on
 *   a frame other than the first of a data message (RFC 7692 §6: continuation and control
 *   frames are never compressed).
 * - reserved opcodes 0x3-0x7, 0xb-0xf.
 * - control frames that are fragmented or longer than 125 bytes.
 * - masking: a server rejects unmasked client frames, a client rejects masked server frames.
 * - 64-bit lengths with the most significant bit set; lengths above 2^53 or `maxFrameSize`
 *   (close code 1009). Non-minimal length encodings are accepted: RFC 6455 obliges senders,
 *   and a proxy gains nothing by refusing them.
 *
 * After an error the reader is dead: later `feed` calls return nothing.
 */

import { concatBytes } from "../bytes.ts";
import { CloseCode } from "./close_code.ts";
import {
  FIN_BIT,
  type Frame,
  type FrameError,
  MASK_BIT,
  MAX_CONTROL_PAYLOAD,
  MAX_HEADER_SIZE,
  RSV1_BIT,
  RSV2_BIT,
  RSV3_BIT,
} from "./frame.ts";
import { applyMask } from "./mask.ts";
import { isControlOpcode, isKnownOpcode, Opcode, opcodeName } from "./opcode.ts";

export interface FrameReaderOptions {
  /** Servers read client frames, which must be masked; clients read server frames, which
   * must not be. */
  expectMasked: boolean;
  /** Largest data frame payload accepted; bigger frames are refused (1009) before any of it is
   * buffered. */
  maxFrameSize: number;
  /** RSV1 marks a compressed message: legal only once permessage-deflate was negotiated. */
  allowRsv1: boolean;
}

// Reader states.
const HEADER = 0;
const PAYLOAD = 1;
const FAILED = 2;

const EMPTY = new Uint8Array(0);

export class FrameReader {
  readonly #opts: FrameReaderOptions;
  #state = HEADER;
  readonly #header = new Uint8Array(MAX_HEADER_SIZE);
  #headerFilled = 0;
  /** Header size known once the first two bytes are in; 2 before that. */
  #headerNeed = 2;
  #b0 = 0;
  readonly #maskKey = new Uint8Array(4);
  #masked = false;
  /** Pieces of a payload that spans chunks; memory grows with what arrived, not with what the
   * header claims, so a 10-byte header cannot make us allocate 64 MiB. */
  #parts: Uint8Array[] = [];
  #payloadLength = 0;
  #payloadFilled = 0;

  constructor(options: FrameReaderOptions) {
    this.#opts = { ...options };
  }

  /** True between frames, when no partial frame is buffered. */
  get idle(): boolean {
    return this.#state === HEADER && this.#headerFilled === 0;
  }

  /** True after a protocol error. */
  get failed(): boolean {
    return this.#state === FAILED;
  }

  feed(chunk: Uint8Array): (Frame | FrameError)[] {
    const out: (Frame | FrameError)[] = [];
    let i = 0;
    const n = chunk.length;
    while (i < n && this.#state !== FAILED) {
      if (this.#state === PAYLOAD) {
        const want = this.#payloadLength - this.#payloadFilled;
        const take = want < n - i ? want : n - i;
        this.#parts.push(chunk.slice(i, i + take));
        this.#payloadFilled += take;
        i += take;
        if (this.#payloadFilled === this.#payloadLength) {
          const parts = this.#parts;
          this.#parts = [];
          this.#emit(concatBytes(parts), out);
        }
        continue;
      }
      if (this.#headerFilled === 0 && n - i >= 2) {
        // Fast path: the whole header is in this chunk, maybe the whole frame too.
        const need = headerSize(chunk[i + 1]);
        if (n - i >= need) {
          const length = this.#startFrame(chunk, i);
          if (typeof length !== "number") return this.#fail(length, out);
          i += need;
          if (n - i >= length) {
            this.#emit(length === 0 ? EMPTY : chunk.slice(i, i + length), out);
            i += length;
          } else {
            this.#awaitPayload(length);
          }
          continue;
        }
      }
      while (i < n && this.#headerFilled < this.#headerNeed) {
        this.#header[this.#headerFilled++] = chunk[i++];
        if (this.#headerFilled === 2) {
          const error = this.#checkBase(this.#header[0], this.#header[1]);
          if (error) return this.#fail(error, out);
          this.#headerNeed = headerSize(this.#header[1]);
        }
      }
      if (this.#headerFilled < this.#headerNeed) break;
      this.#headerFilled = 0;
      this.#headerNeed = 2;
      const length = this.#startFrame(this.#header, 0);
      if (typeof length !== "number") return this.#fail(length, out);
      if (length === 0) this.#emit(EMPTY, out);
      else this.#awaitPayload(length);
    }
    return out;
  }

  /** Reads a complete header at `h[at]`: the payload length, or why the frame is refused. */
  #startFrame(h: Uint8Array, at: number): number | FrameError {
    const b0 = h[at];
    const b1 = h[at + 1];
    const base = this.#checkBase(b0, b1);
    if (base) return base;
    let length = b1 & 0x7f;
    let p = at + 2;
    if (length === 126) {
      length = (h[p] << 8) | h[p + 1];
      p += 2;
    } else if (length === 127) {
      const high = ((h[p] << 24) | (h[p + 1] << 16) | (h[p + 2] << 8) | h[p + 3]) >>> 0;
      const low = ((h[p + 4] << 24) | (h[p + 5] << 16) | (h[p + 6] << 8) | h[p + 7]) >>> 0;
      p += 8;
      if (high >= 0x80000000) {
        return protocolError("64-bit payload length has its most significant bit set");
      }
      if (high > 0x1fffff) return tooBig(`payload length ${high} * 2^32 + ${low} exceeds 2^53`);
      length = high * 0x100000000 + low;
    }
    // Control frames are held to 125 bytes by #checkBase instead.
    if (length > this.#opts.maxFrameSize && !isControlOpcode(b0 & 0x0f)) {
      return tooBig(
        `${opcodeName(b0 & 0x0f)} frame payload of ${length} bytes exceeds the maximum frame ` +
          `size ${this.#opts.maxFrameSize}`,
      );
    }
    this.#b0 = b0;
    this.#masked = (b1 & MASK_BIT) !== 0;
    if (this.#masked) {
      this.#maskKey[0] = h[p];
      this.#maskKey[1] = h[p + 1];
      this.#maskKey[2] = h[p + 2];
      this.#maskKey[3] = h[p + 3];
    }
    return length;
  }

  /** The rules that the first two header bytes alone decide. */
  #checkBase(b0: number, b1: number): FrameError | null {
    const opcode = b0 & 0x0f;
    if ((b0 & (RSV2_BIT | RSV3_BIT)) !== 0) {
      return protocolError(
        `${(b0 & RSV2_BIT) ? "RSV2" : "RSV3"} bit set, but no negotiated extension defines it`,
      );
    }
    if (!isKnownOpcode(opcode)) return protocolError(`reserved opcode ${opcodeName(opcode)}`);
    const control = isControlOpcode(opcode);
    if ((b0 & RSV1_BIT) !== 0) {
      if (!this.#opts.allowRsv1) {
        return protocolError("RSV1 bit set, but permessage-deflate was not negotiated");
      }
      if (opcode === Opcode.CONTINUATION || control) {
        return protocolError(
          `RSV1 bit set on a ${opcodeName(opcode)} frame: only the first frame of a data ` +
            "message may be compressed",
        );
      }
    }
    if (control) {
      if ((b0 & FIN_BIT) === 0) {
        return protocolError(
          `${opcodeName(opcode)} frame without FIN: control frames cannot be fragmented`,
        );
      }
      if ((b1 & 0x7f) > MAX_CONTROL_PAYLOAD) {
        return protocolError(
          `${opcodeName(opcode)} frame payload longer than ${MAX_CONTROL_PAYLOAD} bytes`,
        );
      }
    }
    const masked = (b1 & MASK_BIT) !== 0;
    if (masked !== this.#opts.expectMasked) {
      return protocolError(
        masked
          ? "masked frame from the server: servers must not mask"
          : "unmasked frame from the client: clients must mask every frame",
      );
    }
    return null;
  }

  #awaitPayload(length: number): void {
    this.#payloadLength = length;
    this.#payloadFilled = 0;
    this.#state = PAYLOAD;
  }

  #emit(payload: Uint8Array, out: (Frame | FrameError)[]): void {
    this.#state = HEADER;
    if (this.#masked && payload.length > 0) applyMask(payload, this.#maskKey);
    const b0 = this.#b0;
    out.push({
      fin: (b0 & FIN_BIT) !== 0,
      rsv1: (b0 & RSV1_BIT) !== 0,
      rsv2: false,
      rsv3: false,
      opcode: b0 & 0x0f,
      payload,
    });
  }

  #fail(error: FrameError, out: (Frame | FrameError)[]): (Frame | FrameError)[] {
    this.#state = FAILED;
    this.#parts = [];
    out.push(error);
    return out;
  }
}

/** Header size from the second header byte: 2, plus extended length, plus masking key. */
function headerSize(b1: number): number {
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + ((b1 & MASK_BIT) ? 4 : 0);
}

function protocolError(error: string): FrameError {
  return { error, code: CloseCode.PROTOCOL_ERROR };
}

function tooBig(error: string): FrameError {
  return { error, code: CloseCode.MESSAGE_TOO_BIG };
}
