/**
 * Close status codes (RFC 6455 §7.4, IANA "WebSocket Close Code Number Registry") and the
 * Close frame payload: an optional 2-byte code followed by an optional UTF-8 reason.
 */

import { Utf8Validator } from "./utf8_validator.ts";

export const CloseCode = {
  NORMAL_CLOSURE: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Reported for a Close frame without a payload; never sent. */
  NO_STATUS_RECEIVED: 1005,
  /** The connection dropped without a Close frame; never sent. */
  ABNORMAL_CLOSURE: 1006,
  INVALID_PAYLOAD_DATA: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  SERVICE_RESTART: 1012,
  TRY_AGAIN_LATER: 1013,
  BAD_GATEWAY: 1014,
  /** TLS handshake failure; never sent. */
  TLS_HANDSHAKE: 1015,
} as const;

/** A reason must fit a control frame's 125 bytes after the 2-byte code. */
export const MAX_CLOSE_REASON_BYTES = 123;

/**
 * Codes that may appear in a Close frame: the registered 1000-1003 and 1007-1014, and the
 * ranges for libraries (3000-3999) and applications (4000-4999). 1004 is reserved, 1005, 1006
 * and 1015 are for reporting only, the rest of 0-2999 is unassigned.
 */
export function isWireCloseCode(code: number): boolean {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
    (code >= 3000 && code <= 4999);
}

/** A parsed Close payload: 1005 and "" when the frame had no payload. */
export interface ClosePayload {
  code: number;
  reason: string;
}

const UTF8 = new TextDecoder();

/** Parses a received Close payload; a bad code is 1002, a reason that is not UTF-8 is 1007. */
export function parseClosePayload(
  payload: Uint8Array,
): ClosePayload | { error: string; code: number } {
  if (payload.length === 0) return { code: CloseCode.NO_STATUS_RECEIVED, reason: "" };
  if (payload.length === 1) {
    return {
      error: "Close frame payload of 1 byte: a status code needs 2",
      code: CloseCode.PROTOCOL_ERROR,
    };
  }
  const code = (payload[0] << 8) | payload[1];
  if (!isWireCloseCode(code)) {
    return {
      error: `Close frame with status code ${code}, which may not be sent`,
      code: CloseCode.PROTOCOL_ERROR,
    };
  }
  const reasonBytes = payload.subarray(2);
  const utf8 = new Utf8Validator();
  if (!utf8.feed(reasonBytes) || !utf8.complete) {
    return { error: "Close frame reason is not valid UTF-8", code: CloseCode.INVALID_PAYLOAD_DATA };
  }
  return { code, reason: UTF8.decode(reasonBytes) };
}

/**
 * The payload for a Close frame we send: empty without a code, else the code and the reason.
 * Throws on codes that may not be sent and reasons over 123 UTF-8 bytes: those are our bugs.
 */
export function encodeClosePayload(code?: number, reason = ""): Uint8Array {
  if (code === undefined) {
    if (reason !== "") throw new Error("a close reason needs a status code: pass one, e.g. 1000");
    return new Uint8Array(0);
  }
  if (!Number.isInteger(code) || !isWireCloseCode(code)) {
    throw new Error(
      `close code ${code} may not be sent: use 1000-1003, 1007-1014 or 3000-4999 ` +
        "(1005, 1006 and 1015 only describe closes)",
    );
  }
  const reasonBytes = new TextEncoder().encode(reason);
  if (reasonBytes.length > MAX_CLOSE_REASON_BYTES) {
    throw new Error(
      `close reason of ${reasonBytes.length} UTF-8 bytes exceeds ${MAX_CLOSE_REASON_BYTES}: ` +
        "shorten it",
    );
  }
  const out = new Uint8Array(2 + reasonBytes.length);
  out[0] = code >>> 8;
  out[1] = code & 0xff;
  out.set(reasonBytes, 2);
  return out;
}
