/** HPACK integer representation (RFC 7541 §5.1): an N-bit prefix, then 7-bit groups. */

/** Where the next octet is read; decoding functions advance it. */
export interface Cursor {
  pos: number;
}

/** Largest integer accepted; lengths, indices and table sizes all fit (SETTINGS are 32-bit). */
export const MAX_INTEGER = 0xffffffff;

export const TRUNCATED = -1;
export const TOO_LARGE = -2;

/**
 * Reads an integer whose prefix is the low `prefixBits` of `buf[cursor.pos]`. Returns the value,
 * `TRUNCATED` when the block ends inside it, or `TOO_LARGE` beyond `MAX_INTEGER` (so a run of
 * 0x80 continuation octets cannot keep the decoder busy).
 */
export function decodeInteger(buf: Uint8Array, cursor: Cursor, prefixBits: number): number {
  let pos = cursor.pos;
  if (pos >= buf.length) return TRUNCATED;
  const mask = (1 << prefixBits) - 1;
  let value = buf[pos++] & mask;
  if (value < mask) {
    cursor.pos = pos;
    return value;
  }
  let shift = 1;
  for (let groups = 0; groups < 5; groups++) {
    if (pos >= buf.length) return TRUNCATED;
    const b = buf[pos++];
    value += (b & 0x7f) * shift;
    shift *= 128;
    if ((b & 0x80) === 0) {
      if (value > MAX_INTEGER) return TOO_LARGE;
      cursor.pos = pos;
      return value;
    }
  }
  return TOO_LARGE;
}

/**
 * Writes `value` with a `prefixBits` prefix, OR-ing `pattern` into the first octet; returns the
 * offset after it. `out` needs room for 6 octets.
 */
export function encodeInteger(
  out: Uint8Array,
  at: number,
  value: number,
  prefixBits: number,
  pattern: number,
): number {
  const mask = (1 << prefixBits) - 1;
  if (value < mask) {
    out[at++] = pattern | value;
    return at;
  }
  out[at++] = pattern | mask;
  value -= mask;
  while (value >= 128) {
    out[at++] = (value % 128) | 0x80;
    value = Math.floor(value / 128);
  }
  out[at++] = value;
  return at;
}
