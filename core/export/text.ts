/** Byte/text helpers for exporters: the flow model keeps headers and URLs as latin1 "bytes as
 * text", while the snippets we emit are Unicode text that must give back the same bytes. */

import { latin1Encode } from "../../codecs/bytes.ts";

const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The bytes as UTF-8 text, or null if they are not valid UTF-8. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return UTF8_STRICT.decode(bytes);
  } catch {
    return null;
  }
}

/** A latin1 string's bytes read as UTF-8 (so `Ã¼` becomes `ü`), or null if they are not
 * valid UTF-8. */
export function latin1AsUtf8(s: string): string | null {
  // deno-lint-ignore no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s;
  return utf8OrNull(latin1Encode(s));
}

/** C0 controls except tab and newline, DEL, C1 controls, and the Unicode line/paragraph
 * separators: characters that make a snippet unreadable or unsafe to paste. */
// deno-lint-ignore no-control-regex
const UNSAFE_CHAR = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]/;

/** True if the text can be shown as-is in a pasted command (tabs and newlines allowed). */
export function isPasteSafe(text: string): boolean {
  return !UNSAFE_CHAR.test(text);
}

// deno-lint-ignore no-control-regex
const NON_PRINTABLE_ASCII = /[\x00-\x20\x7f-\xff]/g;

/** Percent-encodes bytes outside printable ASCII in a latin1 URL, so every client sends
 * exactly these bytes (WHATWG URL parsing would re-encode U+0080..U+00FF as UTF-8). */
export function asciiUrl(latin1Url: string): string {
  return latin1Url.replace(
    NON_PRINTABLE_ASCII,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0"),
  );
}
