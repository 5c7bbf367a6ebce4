/** Character classes and small string helpers shared by the HTTP/1 parsers. All strings are
 * latin1 (one char per byte), so char codes are bytes. */

/** tchar (RFC 9110 §5.6.2): the characters of a token, indexed by byte. */
export const TCHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  const extra = "!#$%&'*+-.^_`|~";
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (let i = 0; i < extra.length; i++) t[extra.charCodeAt(i)] = 1;
  return t;
})();

export const SP = 0x20;
export const HT = 0x09;
export const CR = 0x0d;
export const LF = 0x0a;

/** True if `s[start, end)` is a non-empty token. */
export function isToken(s: string, start = 0, end = s.length): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff || TCHAR[c] === 0) return false;
  }
  return true;
}

/** Index of the first char in `s[start, end)` that may not appear in a field value
 * (CTLs other than HT, and DEL), or -1. obs-text (0x80-0xff) is allowed. */
export function findBadValueChar(s: string, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 && c !== HT) || c === 0x7f) return i;
  }
  return -1;
}

/** Case-insensitive ASCII comparison of `name` with an already lowercased `lower`. */
export function nameIs(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Lowercases ASCII letters only, leaving other latin1 chars alone (unlike toLowerCase,
 * which would fold e.g. "\xc9" and let non-ASCII spellings match ASCII keywords). */
export function asciiLower(s: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) {
      out += s.slice(from, i) + String.fromCharCode(c | 0x20);
      from = i + 1;
    }
  }
  return from === 0 ? s : out + s.slice(from);
}

/** Trims optional whitespace (SP / HT) from both ends. */
export function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isOws(s.charCodeAt(a))) a++;
  while (b > a && isOws(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isOws(c: number): boolean {
  return c === SP || c === HT;
}

const HEX = "0123456789abcdef";

/** Quotes text for an error message: printable ASCII kept, everything else escaped as \xNN,
 * truncated to `max` chars with "..." inside the quotes. */
export function quote(text: string, max = 60): string {
  const n = Math.min(text.length, max);
  let out = '"';
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) out += "\\" + text[i];
    else if (c >= 0x20 && c < 0x7f) out += text[i];
    else if (c === CR) out += "\\r";
    else if (c === LF) out += "\\n";
    else if (c === HT) out += "\\t";
    else out += "\\x" + HEX[(c >> 4) & 0xf] + HEX[c & 0xf];
  }
  return out + (text.length > max ? '..."' : '"');
}
