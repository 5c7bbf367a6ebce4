/** Lexical rules of the filter language, as mitmproxy's pyparsing grammar has them:
 *
 * - Whitespace between tokens is space, tab, CR and LF.
 * - An operator is `~` plus a name that must end where a word ends: the next char is
 *   whitespace, non-ASCII or the end. So `~bq` is never `~b q`, and `(~q)` and `~q&~s` are
 *   errors: write `(~q )` and `~q & ~s`.
 * - A value is a bare word (any chars but whitespace and `( ) ~ ' "`; `!`, `&` and `|` are
 *   word chars, so `a|b` is one regex) or a quoted string in `"…"` or `'…'`, on one line,
 *   where `\t \n \r \f` are those chars and a backslash makes any other char literal (so the
 *   regex `\.` is written `"\\."` when quoted, `\.` when bare).
 * - An integer (`~c`) is a run of ASCII digits.
 *
 * The parser asks for tokens in context (`a & b` vs the word `a&b`), so this is a scanner
 * with a cursor the parser may reset, not a token list. */

const SPACE = " \t\n\r";
const VALUE_STOP = "()~'\"";
const WHITESPACE_ESCAPES: Record<string, string> = { t: "\t", n: "\n", f: "\f", r: "\r" };

export function isSpace(c: string): boolean {
  return c !== "" && SPACE.includes(c);
}

/** pyparsing's `printables` (ASCII 33-126): chars that continue an operator name. */
export function isWordChar(c: string): boolean {
  if (c.length !== 1) return false;
  const code = c.charCodeAt(0);
  return code >= 33 && code <= 126;
}

export interface ValueToken {
  /** The value after unquoting. */
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly quoted: boolean;
}

export interface LexError {
  readonly error: string;
  readonly position: number;
}

export class Scanner {
  pos = 0;

  constructor(readonly text: string) {}

  skipSpace(): void {
    while (isSpace(this.peek())) this.pos++;
  }

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  /** The char at the cursor (plus `offset`), "" past the end. */
  peek(offset = 0): string {
    return this.text.charAt(this.pos + offset);
  }

  eat(c: string): boolean {
    if (this.peek() !== c) return false;
    this.pos++;
    return true;
  }

  /** At a `~`: reads it and the name after it (up to the word end; may be ""). */
  readOperatorWord(): { word: string; start: number; end: number } {
    const start = this.pos++;
    while (isWordChar(this.peek())) this.pos++;
    return { word: this.text.slice(start + 1, this.pos), start, end: this.pos };
  }

  /** A bare or quoted value at the cursor; null (cursor unchanged) if none starts here. */
  readValue(): ValueToken | LexError | null {
    const c = this.peek();
    if (c === '"' || c === "'") return this.#readQuoted(c);
    const start = this.pos;
    while (!this.atEnd() && !isSpace(this.peek()) && !VALUE_STOP.includes(this.peek())) {
      this.pos++;
    }
    if (this.pos === start) return null;
    return { text: this.text.slice(start, this.pos), start, end: this.pos, quoted: false };
  }

  #readQuoted(quote: string): ValueToken | LexError {
    const start = this.pos++;
    let text = "";
    for (;;) {
      const c = this.peek();
      if (c === "" || c === "\n" || c === "\r") {
        this.pos = start;
        return {
          error: `unterminated quoted string (no closing ${quote} on this line)`,
          position: start,
        };
      }
      this.pos++;
      if (c === quote) break;
      if (c !== "\\") {
        text += c;
        continue;
      }
      const escaped = this.peek();
      if (escaped === "" || escaped === "\n") {
        this.pos = start;
        return {
          error: `unterminated quoted string (no closing ${quote} on this line)`,
          position: start,
        };
      }
      this.pos++;
      text += WHITESPACE_ESCAPES[escaped] ?? escaped;
    }
    return { text, start, end: this.pos, quoted: true };
  }

  /** A run of ASCII digits at the cursor, or null (cursor unchanged). */
  readDigits(): { text: string; start: number; end: number } | null {
    const start = this.pos;
    while (this.peek() >= "0" && this.peek() <= "9") this.pos++;
    if (this.pos === start) return null;
    return { text: this.text.slice(start, this.pos), start, end: this.pos };
  }
}
