/**
 * WebSocket frames (RFC 6455 §5.2) and their serialisation.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-------+-+-------------+-------------------------------+
 * |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
 * |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
 * |N|V|V|V|       |S|             |   (if payload len==126/127)   |
 * | |1|2|3|       |K|             |                               |
 * +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
 * |     Extended payload length continued, if payload len == 127  |
 * + - - - - - - - - - - - - - - - +-------------------------------+
 * |                               |Masking-key, if MASK set to 1  |
 * +-------------------------------+-------------------------------+
 * | Masking-key (continued)       |          Payload Data         |
 * +-------------------------------- - - - - - - - - - - - - - - - +
 * ```
 */

import { applyMask } from "./mask.ts";

/** One frame with its payload unmasked. */
export interface Frame {
  fin: boolean;
  /** Set on the first frame of a permessage-deflate compressed message (RFC 7692 §6). */
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  payload: Uint8Array;
}

/** A peer's protocol violation, with the close code to answer it with. */
export interface FrameError {
  error: string;
  code: number;
}

export function isFrameError(value: Frame | FrameError): value is FrameError {
  return "error" in value;
}

/** Control frames carry at most this many payload octets (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;

/** 2 base octets + 8 extended length octets + 4 masking-key octets. */
export const MAX_HEADER_SIZE = 14;

export const FIN_BIT = 0x80;
export const RSV1_BIT = 0x40;
export const RSV2_BIT = 0x20;
export const RSV3_BIT = 0x10;
export const MASK_BIT = 0x80;

/** Header size for a payload of `length` bytes with the minimal length encoding. */
export function frameHeaderSize(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 0x10000 ? 4 : 10) + (masked ? 4 : 0);
}

/**
 * Writes a frame header at the start of `out` (sized with `frameHeaderSize`): `b0` is the
 * FIN/RSV/opcode byte. With a 4-byte `maskKey` the key goes in too; masking the payload is
 * the caller's job.
 */
export function writeFrameHeader(
  out: Uint8Array,
  b0: number,
  length: number,
  maskKey: Uint8Array | null,
): void {
  out[0] = b0;
  const maskBit = maskKey ? MASK_BIT : 0;
  let at: number;
  if (length < 126) {
    out[1] = maskBit | length;
    at = 2;
  } else if (length < 0x10000) {
    out[1] = maskBit | 126;
    out[2] = length >>> 8;
    out[3] = length & 0xff;
    at = 4;
  } else {
    out[1] = maskBit | 127;
    const high = Math.floor(length / 0x100000000);
    const low = length >>> 0;
    out[2] = high >>> 24;
    out[3] = (high >>> 16) & 0xff;
    out[4] = (high >>> 8) & 0xff;
    out[5] = high & 0xff;
    out[6] = low >>> 24;
    out[7] = (low >>> 16) & 0xff;
    out[8] = (low >>> 8) & 0xff;
    out[9] = low & 0xff;
    at = 10;
  }
  if (maskKey) {
    if (maskKey.length !== 4) {
      throw new Error(
        `masking key must be 4 bytes, got ${maskKey.length}: check the maskKey option`,
      );
    }
    out[at] = maskKey[0];
    out[at + 1] = maskKey[1];
    out[at + 2] = maskKey[2];
    out[at + 3] = maskKey[3];
  }
}

/** The FIN/RSV/opcode byte of a frame. */
export function firstByte(frame: Omit<Frame, "payload">): number {
  return (frame.fin ? FIN_BIT : 0) | (frame.rsv1 ? RSV1_BIT : 0) | (frame.rsv2 ? RSV2_BIT : 0) |
    (frame.rsv3 ? RSV3_BIT : 0) | (frame.opcode & 0x0f);
}

/**
 * Serialises a frame with the minimal length encoding. With a 4-byte `maskKey` the payload is
 * masked into the output (the frame's own payload is left as it was).
 */
export function encodeFrame(frame: Frame, maskKey: Uint8Array | null): Uint8Array {
  const length = frame.payload.length;
  const headerSize = frameHeaderSize(length, maskKey !== null);
  const out = new Uint8Array(headerSize + length);
  writeFrameHeader(out, firstByte(frame), length, maskKey);
  out.set(frame.payload, headerSize);
  if (maskKey) applyMask(out.subarray(headerSize), maskKey);
  return out;
}

const UTF8 = new TextEncoder();

/** The UTF-8 size of a string as TextEncoder encodes it (lone surrogates become U+FFFD). */
export function utf8Length(text: string): number {
  const n = text.length;
  let size = n;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      size += 1;
    } else if (
      c >= 0xd800 && c < 0xdc00 && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00
    ) {
      size += 2; // a surrogate pair: 2 code units, 4 bytes
      i++;
    } else {
      size += 2;
    }
  }
  return size;
}

/**
 * One unfragmented frame whose payload is `text` as UTF-8, encoded straight into the frame:
 * small messages are dominated by allocations, and this makes one instead of two.
 */
export function encodeTextFrame(
  b0: number,
  text: string,
  length: number,
  maskKey: Uint8Array | null,
): Uint8Array {
  const headerSize = frameHeaderSize(length, maskKey !== null);
  const out = new Uint8Array(headerSize + length);
  writeFrameHeader(out, b0, length, maskKey);
  const payload = out.subarray(headerSize);
  UTF8.encodeInto(text, payload);
  if (maskKey) applyMask(payload, maskKey);
  return out;
}
