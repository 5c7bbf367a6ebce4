/** The lexical layer of the Python-regex translator: a cursor over the pattern's code points
 * (str patterns) or UTF-8 bytes as latin1 chars (bytes patterns), and the escape, repeat
 * and name rules of Python's `sre_parse` that need no grammar context. */

import { latin1Decode, utf8Encode } from "../../codecs/bytes.ts";

/** A pattern Python's `re.compile` would reject (or that has no JS equivalent). */
export class PythonRegexError extends Error {
  constructor(readonly reason: string, readonly position: number | null) {
    super(position === null ? reason : `${reason} at position ${position}`);
    this.name = "PythonRegexError";
  }
}

export const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";
export const isOctal = (c: string | undefined) => c !== undefined && c >= "0" && c <= "7";
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isAsciiLetter = (c: string) => /^[A-Za-z]$/.test(c);

/** One code point as JS regex source, valid inside and outside classes in both modes. */
export function escapeCodePoint(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a)) {
    return String.fromCharCode(cp);
  }
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\u{${cp.toString(16)}}`;
}

const VERBOSE_SPACE = " \t\n\r\v\f";

export class PatternReader {
  readonly chars: string[];
  pos = 0;

  constructor(pattern: string, readonly bytes: boolean) {
    // A bytes pattern is `expr.encode()`: its non-ASCII chars become their UTF-8 bytes.
    this.chars = bytes ? latin1Decode(utf8Encode(pattern)).split("") : Array.from(pattern);
  }

  error(reason: string, position: number): never {
    throw new PythonRegexError(reason, position);
  }

  peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  next(): string | undefined {
    return this.chars[this.pos++];
  }

  eat(c: string): boolean {
    if (this.chars[this.pos] !== c) return false;
    this.pos++;
    return true;
  }

  skipVerbose(): void {
    for (;;) {
      const c = this.peek();
      if (c !== undefined && VERBOSE_SPACE.includes(c)) this.pos++;
      else if (c === "#") {
        while (this.peek() !== undefined && this.peek() !== "\n") this.pos++;
      } else return;
    }
  }

  /** The JS form of a `{m,n}` repeat at the cursor and where it ends, or null if `{` is a
   * literal there. */
  braceRepeat(): { quantifier: string; end: number } | null {
    let i = this.pos + 1;
    const digits = () => {
      let d = "";
      while (isDigit(this.chars[i])) d += this.chars[i++];
      return d;
    };
    if (this.chars[i] === "}") return null;
    const lo = digits();
    let hi = lo;
    const comma = this.chars[i] === ",";
    if (comma) {
      i++;
      hi = digits();
    }
    if (this.chars[i] !== "}") return null;
    const min = lo ? Number(lo) : 0;
    if (hi && Number(hi) < min) this.error("min repeat greater than max repeat", this.pos + 1);
    const end = i + 1;
    if (!comma) return { quantifier: `{${min}}`, end };
    return { quantifier: hi ? `{${min},${Number(hi)}}` : `{${min},}`, end };
  }

  octal(first: string, start: number): number {
    let digits = first;
    while (digits.length < 3 && isOctal(this.peek())) digits += this.next();
    const value = parseInt(digits, 8);
    if (value > 0o377) {
      this.error(`octal escape value \\${digits} outside of range 0-0o377`, start);
    }
    return value;
  }

  hex(count: number, letter: string, start: number): number {
    let digits = "";
    while (digits.length < count && isHex(this.peek())) digits += this.next();
    if (digits.length < count) this.error(`incomplete escape \\${letter}${digits}`, start);
    const value = parseInt(digits, 16);
    if (value > 0x10ffff) this.error(`bad escape \\${letter}${digits}`, start);
    return value;
  }

  /** Escapes that stand for one char; `c` follows the backslash. */
  charEscape(c: string, start: number, inClass: boolean): number {
    const simple: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
    if (c in simple) return simple[c];
    if (inClass && c === "b") return 8;
    if (c === "x") return this.hex(2, "x", start);
    if ((c === "u" || c === "U") && !this.bytes) return this.hex(c === "u" ? 4 : 8, c, start);
    if (c === "N" && !this.bytes) {
      this.error("named Unicode escapes (\\N{…}) are not supported", start);
    }
    if (c === "0") return this.octal(c, start);
    if (inClass && isOctal(c)) return this.octal(c, start);
    if (isAsciiLetter(c) || isDigit(c)) this.error(`bad escape \\${c}`, start);
    return c.codePointAt(0) as number;
  }

  groupName(terminator: string): string {
    const at = this.pos;
    let name = "";
    for (;;) {
      const c = this.next();
      if (c === undefined) this.error(`missing ${terminator}, unterminated name`, at);
      if (c === terminator) break;
      name += c;
    }
    if (!name) this.error("missing group name", at);
    const valid = this.bytes
      ? /^[A-Za-z_][A-Za-z0-9_]*$/.test(name)
      : /^[\p{XID_Start}_]\p{XID_Continue}*$/u.test(name);
    if (!valid) this.error(`bad character in group name '${name}'`, at);
    return name;
  }
}
