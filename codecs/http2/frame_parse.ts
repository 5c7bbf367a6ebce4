/** Turns one complete frame (header fields plus payload) into a `Frame` value, checking sizes. */

import { ErrorCode } from "./error_codes.ts";
import { Flag, type Frame, type FrameError, FrameType, type Priority } from "./frames.ts";
import type { SettingEntry } from "./settings.ts";

const EMPTY = new Uint8Array(0);

function connError(error: string, code: number): FrameError {
  return { type: "ERROR", error, code };
}

function sizeError(what: string, length: number, want: string): FrameError {
  return connError(`${what} frame with length ${length}, expected ${want}`, FRAME_SIZE);
}

const FRAME_SIZE = ErrorCode.FRAME_SIZE_ERROR;
const PROTOCOL = ErrorCode.PROTOCOL_ERROR;

function u32(p: Uint8Array, i: number): number {
  return ((p[i] << 24) | (p[i + 1] << 16) | (p[i + 2] << 8) | p[i + 3]) >>> 0;
}

function u31(p: Uint8Array, i: number): number {
  return u32(p, i) & 0x7fffffff;
}

/** Strips padding: returns the offset where padding starts, or an error. */
function padEnd(
  what: string,
  flags: number,
  payload: Uint8Array,
  fixed: number,
): { start: number; end: number; padLength?: number } | FrameError {
  if (!(flags & Flag.PADDED)) {
    if (payload.length < fixed) return sizeError(what, payload.length, `at least ${fixed}`);
    return { start: 0, end: payload.length };
  }
  if (payload.length < 1 + fixed) return sizeError(what, payload.length, `at least ${1 + fixed}`);
  const padLength = payload[0];
  // RFC 9113 §6.1: padding that fills the payload (or more) is a PROTOCOL_ERROR.
  if (padLength >= payload.length - fixed) {
    return connError(
      `${what} frame padding of ${padLength} octets fills its ${payload.length}-octet payload`,
      PROTOCOL,
    );
  }
  return { start: 1, end: payload.length - padLength, padLength };
}

function priorityAt(p: Uint8Array, i: number): Priority {
  return { exclusive: (p[i] & 0x80) !== 0, dependsOn: u31(p, i), weight: p[i + 4] + 1 };
}

function needsStream(what: string, streamId: number): FrameError | null {
  return streamId === 0 ? connError(`${what} frame on stream 0`, PROTOCOL) : null;
}

function needsNoStream(what: string, streamId: number): FrameError | null {
  return streamId !== 0
    ? connError(`${what} frame on stream ${streamId}, expected stream 0`, PROTOCOL)
    : null;
}

/** Parses a frame whose payload is complete; the payload must be a copy the frame may keep. */
export function parseFrame(
  type: number,
  flags: number,
  streamId: number,
  payload: Uint8Array,
): Frame | FrameError {
  const n = payload.length;
  switch (type) {
    case FrameType.DATA: {
      const bad = needsStream("DATA", streamId);
      if (bad) return bad;
      const pad = padEnd("DATA", flags, payload, 0);
      if ("error" in pad) return pad;
      const frame: Frame = {
        type: "DATA",
        streamId,
        endStream: (flags & Flag.END_STREAM) !== 0,
        data: pad.start === 0 && pad.end === n ? payload : payload.subarray(pad.start, pad.end),
      };
      if (pad.padLength !== undefined) frame.padLength = pad.padLength;
      return frame;
    }
    case FrameType.HEADERS: {
      const bad = needsStream("HEADERS", streamId);
      if (bad) return bad;
      const hasPriority = (flags & Flag.PRIORITY) !== 0;
      const pad = padEnd("HEADERS", flags, payload, hasPriority ? 5 : 0);
      if ("error" in pad) return pad;
      const frame: Frame = {
        type: "HEADERS",
        streamId,
        endStream: (flags & Flag.END_STREAM) !== 0,
        endHeaders: (flags & Flag.END_HEADERS) !== 0,
        fragment: payload.subarray(pad.start + (hasPriority ? 5 : 0), pad.end),
      };
      if (hasPriority) frame.priority = priorityAt(payload, pad.start);
      if (pad.padLength !== undefined) frame.padLength = pad.padLength;
      return frame;
    }
    case FrameType.PRIORITY: {
      const bad = needsStream("PRIORITY", streamId);
      if (bad) return bad;
      if (n !== 5) {
        // RFC 9113 §6.3: a stream error, so the connection survives.
        return { ...sizeError("PRIORITY", n, "5"), streamId };
      }
      return { type: "PRIORITY", streamId, priority: priorityAt(payload, 0) };
    }
    case FrameType.RST_STREAM: {
      const bad = needsStream("RST_STREAM", streamId);
      if (bad) return bad;
      if (n !== 4) return sizeError("RST_STREAM", n, "4");
      return { type: "RST_STREAM", streamId, errorCode: u32(payload, 0) };
    }
    case FrameType.SETTINGS: {
      const bad = needsNoStream("SETTINGS", streamId);
      if (bad) return bad;
      const ack = (flags & Flag.ACK) !== 0;
      if (ack && n !== 0) return sizeError("SETTINGS ACK", n, "0");
      if (n % 6 !== 0) return sizeError("SETTINGS", n, "a multiple of 6");
      const settings: SettingEntry[] = [];
      for (let i = 0; i < n; i += 6) {
        settings.push([(payload[i] << 8) | payload[i + 1], u32(payload, i + 2)]);
      }
      return { type: "SETTINGS", ack, settings };
    }
    case FrameType.PUSH_PROMISE: {
      const bad = needsStream("PUSH_PROMISE", streamId);
      if (bad) return bad;
      const pad = padEnd("PUSH_PROMISE", flags, payload, 4);
      if ("error" in pad) return pad;
      const frame: Frame = {
        type: "PUSH_PROMISE",
        streamId,
        promisedStreamId: u31(payload, pad.start),
        endHeaders: (flags & Flag.END_HEADERS) !== 0,
        fragment: payload.subarray(pad.start + 4, pad.end),
      };
      if (pad.padLength !== undefined) frame.padLength = pad.padLength;
      return frame;
    }
    case FrameType.PING: {
      const bad = needsNoStream("PING", streamId);
      if (bad) return bad;
      if (n !== 8) return sizeError("PING", n, "8");
      return { type: "PING", ack: (flags & Flag.ACK) !== 0, data: payload };
    }
    case FrameType.GOAWAY: {
      const bad = needsNoStream("GOAWAY", streamId);
      if (bad) return bad;
      if (n < 8) return sizeError("GOAWAY", n, "at least 8");
      return {
        type: "GOAWAY",
        lastStreamId: u31(payload, 0),
        errorCode: u32(payload, 4),
        debugData: n === 8 ? EMPTY : payload.subarray(8),
      };
    }
    case FrameType.WINDOW_UPDATE:
      if (n !== 4) return sizeError("WINDOW_UPDATE", n, "4");
      return { type: "WINDOW_UPDATE", streamId, increment: u31(payload, 0) };
    case FrameType.CONTINUATION: {
      const bad = needsStream("CONTINUATION", streamId);
      if (bad) return bad;
      return {
        type: "CONTINUATION",
        streamId,
        endHeaders: (flags & Flag.END_HEADERS) !== 0,
        fragment: payload,
      };
    }
    default:
      return { type: "UNKNOWN", frameType: type, flags, streamId, payload };
  }
}
