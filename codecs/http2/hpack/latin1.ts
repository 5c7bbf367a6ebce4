/** Octets to latin1 strings for HPACK; short strings dominate, so they skip TextDecoder. */

import { latin1Decode } from "../../bytes.ts";

/** `bytes[start, end)` as a latin1 string (one char per octet). */
export function latin1Slice(bytes: Uint8Array, start: number, end: number): string {
  const n = end - start;
  if (n <= 0) return "";
  if (n > 64) return latin1Decode(bytes.subarray(start, end));
  let s = "";
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  return s;
}
