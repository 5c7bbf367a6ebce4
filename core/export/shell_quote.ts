/**
 * POSIX shell quoting for the command-line exports (curl, httpie).
 *
 * - `shellQuote` is Python's `shlex.quote`: safe words stay bare, everything else goes in
 *   single quotes with `'` written as `'"'"'`. Inside single quotes the shell keeps every
 *   byte but NUL, so any text without NUL round-trips.
 * - Bytes that are not paste-safe text (invalid UTF-8, control characters other than tab
 *   and newline) are written as a `printf` format instead: `\ooo` octal escapes, which
 *   POSIX printf (bash, dash, zsh) turns back into the exact bytes, NUL included.
 */

import { latin1Encode } from "../../codecs/bytes.ts";
import { utf8DecodeSurrogateEscape } from "../flow/charset.ts";
import { isPasteSafe, latin1AsUtf8, utf8OrNull } from "./text.ts";

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for a POSIX shell, exactly as Python's `shlex.quote` does. */
export function shellQuote(s: string): string {
  if (s === "") return "''";
  if (SAFE_WORD.test(s)) return s;
  return "'" + s.replaceAll("'", `'"'"'`) + "'";
}

const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  "%": "%%",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function octal(byte: number): string {
  return "\\" + byte.toString(8).padStart(3, "0");
}

const UTF8 = new TextEncoder();

/** A printf format string that prints exactly `bytes` (unquoted: pass it through
 * `shellQuote`). Printable UTF-8 stays readable; other bytes become `\ooo`. */
export function printfFormat(bytes: Uint8Array): string {
  // Undecodable bytes come back as lone surrogates U+DC80..U+DCFF (surrogateescape).
  const text = utf8DecodeSurrogateEscape(bytes);
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xdc80 && cp <= 0xdcff) out += octal(cp - 0xdc00);
    else if (ch in NAMED_ESCAPES) out += NAMED_ESCAPES[ch];
    else if (!isPasteSafe(ch)) { for (const b of UTF8.encode(ch)) out += octal(b); }
    else out += ch;
  }
  // A leading "-" would be read as an option by some printf implementations.
  return out.startsWith("-") ? octal(0x2d) + out.slice(1) : out;
}

/** A command that writes `bytes` to stdout: `printf %s 'text'` for paste-safe UTF-8,
 * otherwise `printf '<format>'`. */
export function printfCommand(bytes: Uint8Array): string {
  const text = utf8OrNull(bytes);
  if (text !== null && isPasteSafe(text)) return `printf %s ${shellQuote(text)}`;
  return `printf ${shellQuote(printfFormat(bytes))}`;
}

/** One shell word for a latin1 string (a header line, a URL): its bytes as UTF-8 text in
 * quotes, or `"$(printf ...)"` when they are not paste-safe UTF-8. (Command substitution
 * drops NUL and trailing newlines; neither can occur in a valid header or URL.) */
export function shellWord(latin1: string): string {
  const text = latin1AsUtf8(latin1);
  if (text !== null && isPasteSafe(text)) return shellQuote(text);
  return `"$(printf ${shellQuote(printfFormat(latin1Encode(latin1)))})"`;
}
