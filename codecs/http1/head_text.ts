/** One-pass decoding of a head (or trailer section) to latin1 text. */

import { latin1Decode } from "../bytes.ts";
import { CR, HT, LF } from "./chars.ts";

const UTF8 = new TextDecoder();

export interface HeadText {
  text: string;
  /** No byte that a field value may not contain: CTLs other than HT, DEL, or a CR that is not
   * part of a CRLF. Parsers skip per-value checks when set. */
  clean: boolean;
}

/** Decodes `bytes` as latin1, noting in the same pass whether they are clean (see HeadText). */
export function decodeHead(bytes: Uint8Array): HeadText {
  let ascii = true;
  let clean = true;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c >= 0x20) {
      if (c >= 0x7f) {
        if (c === 0x7f) clean = false;
        else ascii = false;
      }
    } else if (c !== LF && c !== HT && (c !== CR || bytes[i + 1] !== LF)) clean = false;
  }
  // For ASCII, UTF-8 decoding gives the same string and is much faster than latin1 decoding.
  return { text: ascii ? UTF8.decode(bytes) : latin1Decode(bytes), clean };
}
