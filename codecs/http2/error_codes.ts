/** HTTP/2 error codes (RFC 9113 §7), used in RST_STREAM and GOAWAY frames. */

export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** A known error code; peers may send any 32-bit value, so received codes are plain numbers. */
export type ErrorCodeName = keyof typeof ErrorCode;

const NAMES: string[] = [];
for (const [name, code] of Object.entries(ErrorCode)) NAMES[code] = name;

/** "PROTOCOL_ERROR" for 1, "UNKNOWN_ERROR(0x1f)" for codes outside the registry. */
export function errorCodeName(code: number): string {
  return NAMES[code] ?? `UNKNOWN_ERROR(0x${code.toString(16)})`;
}
