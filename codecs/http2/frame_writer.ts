/** Serializes `Frame` values to bytes, and splits header blocks into HEADERS + CONTINUATION. */

import { Flag, type Frame, FRAME_HEADER_SIZE, FrameType, type Priority } from "./frames.ts";

function writeHeader(
  out: Uint8Array,
  length: number,
  type: number,
  flags: number,
  streamId: number,
): void {
  out[0] = length >>> 16;
  out[1] = length >>> 8;
  out[2] = length;
  out[3] = type;
  out[4] = flags;
  writeU32(out, 5, streamId & 0x7fffffff);
}

function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = v >>> 24;
  out[at + 1] = v >>> 16;
  out[at + 2] = v >>> 8;
  out[at + 3] = v;
}

function writePriority(out: Uint8Array, at: number, p: Priority): void {
  writeU32(out, at, (p.dependsOn & 0x7fffffff) | (p.exclusive ? 0x80000000 : 0));
  out[at + 4] = p.weight - 1;
}

/** A frame with optional padding around `fixed` leading octets and a `body`. */
function padded(
  type: number,
  flags: number,
  streamId: number,
  padLength: number | undefined,
  fixedLength: number,
  writeFixed: (out: Uint8Array, at: number) => void,
  body: Uint8Array,
): Uint8Array {
  const pad = padLength === undefined ? 0 : padLength + 1;
  const length = pad + fixedLength + body.length;
  const out = new Uint8Array(FRAME_HEADER_SIZE + length); // padding octets stay zero
  writeHeader(out, length, type, flags | (pad ? Flag.PADDED : 0), streamId);
  let at = FRAME_HEADER_SIZE;
  if (pad) out[at++] = padLength as number;
  writeFixed(out, at);
  out.set(body, at + fixedLength);
  return out;
}

const NO_FIXED = () => {};

/** Serializes one frame. Values out of range (a weight of 0, a 300-octet padding) throw. */
export function encodeFrame(frame: Frame): Uint8Array {
  switch (frame.type) {
    case "DATA":
      checkPad(frame.padLength);
      return padded(
        FrameType.DATA,
        frame.endStream ? Flag.END_STREAM : 0,
        frame.streamId,
        frame.padLength,
        0,
        NO_FIXED,
        frame.data,
      );
    case "HEADERS": {
      checkPad(frame.padLength);
      const prio = frame.priority;
      if (prio) checkWeight(prio);
      const flags = (frame.endStream ? Flag.END_STREAM : 0) |
        (frame.endHeaders ? Flag.END_HEADERS : 0) | (prio ? Flag.PRIORITY : 0);
      return padded(
        FrameType.HEADERS,
        flags,
        frame.streamId,
        frame.padLength,
        prio ? 5 : 0,
        prio ? (out, at) => writePriority(out, at, prio) : NO_FIXED,
        frame.fragment,
      );
    }
    case "PRIORITY": {
      checkWeight(frame.priority);
      const out = new Uint8Array(FRAME_HEADER_SIZE + 5);
      writeHeader(out, 5, FrameType.PRIORITY, 0, frame.streamId);
      writePriority(out, FRAME_HEADER_SIZE, frame.priority);
      return out;
    }
    case "RST_STREAM":
      return fixed32(FrameType.RST_STREAM, frame.streamId, frame.errorCode);
    case "SETTINGS": {
      const n = frame.settings.length * 6;
      const out = new Uint8Array(FRAME_HEADER_SIZE + n);
      writeHeader(out, n, FrameType.SETTINGS, frame.ack ? Flag.ACK : 0, 0);
      let at = FRAME_HEADER_SIZE;
      for (const [id, value] of frame.settings) {
        out[at] = id >>> 8;
        out[at + 1] = id;
        writeU32(out, at + 2, value);
        at += 6;
      }
      return out;
    }
    case "PUSH_PROMISE":
      checkPad(frame.padLength);
      return padded(
        FrameType.PUSH_PROMISE,
        frame.endHeaders ? Flag.END_HEADERS : 0,
        frame.streamId,
        frame.padLength,
        4,
        (out, at) => writeU32(out, at, frame.promisedStreamId & 0x7fffffff),
        frame.fragment,
      );
    case "PING": {
      if (frame.data.length !== 8) throw new RangeError("PING data must be exactly 8 octets");
      const out = new Uint8Array(FRAME_HEADER_SIZE + 8);
      writeHeader(out, 8, FrameType.PING, frame.ack ? Flag.ACK : 0, 0);
      out.set(frame.data, FRAME_HEADER_SIZE);
      return out;
    }
    case "GOAWAY": {
      const n = 8 + frame.debugData.length;
      const out = new Uint8Array(FRAME_HEADER_SIZE + n);
      writeHeader(out, n, FrameType.GOAWAY, 0, 0);
      writeU32(out, FRAME_HEADER_SIZE, frame.lastStreamId & 0x7fffffff);
      writeU32(out, FRAME_HEADER_SIZE + 4, frame.errorCode);
      out.set(frame.debugData, FRAME_HEADER_SIZE + 8);
      return out;
    }
    case "WINDOW_UPDATE":
      return fixed32(FrameType.WINDOW_UPDATE, frame.streamId, frame.increment & 0x7fffffff);
    case "CONTINUATION": {
      const out = new Uint8Array(FRAME_HEADER_SIZE + frame.fragment.length);
      writeHeader(
        out,
        frame.fragment.length,
        FrameType.CONTINUATION,
        frame.endHeaders ? Flag.END_HEADERS : 0,
        frame.streamId,
      );
      out.set(frame.fragment, FRAME_HEADER_SIZE);
      return out;
    }
    case "UNKNOWN": {
      const out = new Uint8Array(FRAME_HEADER_SIZE + frame.payload.length);
      writeHeader(out, frame.payload.length, frame.frameType, frame.flags, frame.streamId);
      out.set(frame.payload, FRAME_HEADER_SIZE);
      return out;
    }
  }
}

function fixed32(type: number, streamId: number, value: number): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_SIZE + 4);
  writeHeader(out, 4, type, 0, streamId);
  writeU32(out, FRAME_HEADER_SIZE, value);
  return out;
}

function checkPad(padLength: number | undefined): void {
  if (padLength !== undefined && !(padLength >= 0 && padLength <= 255)) {
    throw new RangeError(`padLength must be 0-255, got ${padLength}`);
  }
}

function checkWeight(p: Priority): void {
  if (!(p.weight >= 1 && p.weight <= 256)) {
    throw new RangeError(`priority weight must be 1-256, got ${p.weight}`);
  }
}

/** Options for the first frame of a header block. */
export interface HeaderBlockOptions {
  endStream?: boolean;
  priority?: Priority;
  padLength?: number;
}

/**
 * The HEADERS frame plus CONTINUATION frames carrying `block`, each payload at most
 * `maxFrameSize` octets (RFC 9113 §4.3).
 */
export function headerBlockFrames(
  streamId: number,
  block: Uint8Array,
  maxFrameSize: number,
  options: HeaderBlockOptions = {},
): Frame[] {
  const overhead = (options.priority ? 5 : 0) +
    (options.padLength === undefined ? 0 : options.padLength + 1);
  const first = Math.max(0, maxFrameSize - overhead);
  if (overhead > maxFrameSize) throw new RangeError("padding and priority exceed the frame size");
  const frames: Frame[] = [];
  const head: Frame = {
    type: "HEADERS",
    streamId,
    endStream: options.endStream ?? false,
    endHeaders: block.length <= first,
    fragment: block.subarray(0, first),
  };
  if (options.priority) head.priority = options.priority;
  if (options.padLength !== undefined) head.padLength = options.padLength;
  frames.push(head);
  for (let at = first; at < block.length; at += maxFrameSize) {
    frames.push({
      type: "CONTINUATION",
      streamId,
      endHeaders: at + maxFrameSize >= block.length,
      fragment: block.subarray(at, at + maxFrameSize),
    });
  }
  return frames;
}

/** The PUSH_PROMISE frame plus CONTINUATION frames carrying `block`. */
export function pushPromiseFrames(
  streamId: number,
  promisedStreamId: number,
  block: Uint8Array,
  maxFrameSize: number,
): Frame[] {
  const first = maxFrameSize - 4;
  const frames: Frame[] = [{
    type: "PUSH_PROMISE",
    streamId,
    promisedStreamId,
    endHeaders: block.length <= first,
    fragment: block.subarray(0, first),
  }];
  for (let at = first; at < block.length; at += maxFrameSize) {
    frames.push({
      type: "CONTINUATION",
      streamId,
      endHeaders: at + maxFrameSize >= block.length,
      fragment: block.subarray(at, at + maxFrameSize),
    });
  }
  return frames;
}

/** The 9-octet header of a DATA frame, so payloads can be queued without copying. */
export function dataFrameHeader(streamId: number, length: number, endStream: boolean): Uint8Array {
  const out = new Uint8Array(FRAME_HEADER_SIZE);
  writeHeader(out, length, FrameType.DATA, endStream ? Flag.END_STREAM : 0, streamId);
  return out;
}
