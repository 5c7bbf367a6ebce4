/** Python `re` patterns on JavaScript RegExp: mitmproxy filters are written in Python's regex
 * flavour, so patterns are translated rather than handed to `new RegExp` as they are.
 *
 * Rules (Python `sre_parse` semantics, checked once at compile time):
 * - `.` never matches `\n` unless DOTALL; `^`/`$` follow Python (`$` also matches before a
 *   final `\n`; with MULTILINE only `\n` ends a line, never `\r`). JS's `s`/`m` flags are
 *   not used: these are written out as classes and lookarounds, so a header block's `\r\n`
 *   behaves exactly as in Python.
 * - Python-only syntax is mapped: `(?P<name>…)`, `(?P=name)`, `\A`, `\Z`, `{,n}`, `(?#…)`,
 *   leading global flags `(?aiLmsux)`, scoped flags `(?i-s:…)`, verbose mode.
 * - str patterns get Unicode `\d \w \s \b`; bytes patterns are matched against latin1 text
 *   (one char per byte): the pattern is UTF-8 encoded first, exactly like `expr.encode()`.
 * - What Python rejects is rejected with Python's message ("missing ), unterminated
 *   subpattern at position 0"); atomic groups, possessive quantifiers, conditionals and
 *   `\N{…}` have no JS equivalent and are rejected with a message that says so. */

import {
  escapeCodePoint,
  isDigit,
  isOctal,
  PatternReader,
  PythonRegexError,
} from "./python_regex_reader.ts";

export { PythonRegexError };

export interface PythonRegexFlags {
  ignoreCase: boolean;
  multiline: boolean;
  dotAll: boolean;
}

export interface PythonRegexOptions extends PythonRegexFlags {
  /** Compile like a Python bytes pattern, for matching latin1 ("bytes as text") subjects. */
  bytes: boolean;
}

export interface CompiledPythonRegex {
  regexp: RegExp;
  /** The flags in effect for the whole pattern, inline `(?ims)` flags included. */
  flags: PythonRegexFlags;
}

interface Scope {
  multiline: boolean;
  dotAll: boolean;
  verbose: boolean;
  ascii: boolean;
}

type ItemKind = "atom" | "anchor" | "repeat";
interface Item {
  src: string;
  kind: ItemKind;
}

/** A class escape: one char, or a set given by its JS class body (maybe complemented). */
type ClassPart = { cp: number } | { body: string; negated: boolean };

const FLAG_LETTERS = "aiLmsux";
const UNICODE_WORD = "\\p{L}\\p{N}_";
const ASCII_WORD = "a-zA-Z0-9_";
const ASCII_SPACE = "\\t-\\r\\x20";
// Python's str.isspace(): ASCII whitespace, \x1c-\x1f, NEL, NBSP and the Unicode spaces.
const UNICODE_SPACE =
  "\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

class Translator extends PatternReader {
  /** Capture groups opened so far (Python numbers them in opening order). */
  groups = 0;
  readonly closed = new Set<number>();
  readonly names = new Map<string, number>();
  ignoreCase: boolean;
  readonly top: Scope;

  constructor(pattern: string, readonly opts: PythonRegexOptions) {
    super(pattern, opts.bytes);
    this.ignoreCase = opts.ignoreCase;
    this.top = { multiline: opts.multiline, dotAll: opts.dotAll, verbose: false, ascii: false };
  }

  translate(): string {
    this.globalFlags();
    const src = this.alternation(this.top);
    if (this.pos < this.chars.length) this.error("unbalanced parenthesis", this.pos);
    return src;
  }

  /** Leading `(?flags)` groups; Python rejects them anywhere else. */
  globalFlags(): void {
    for (;;) {
      if (this.top.verbose) this.skipVerbose();
      if (this.peek() !== "(" || this.peek(1) !== "?") return;
      let i = 2;
      while (FLAG_LETTERS.includes(this.peek(i) ?? "-")) i++;
      if (i === 2 || this.peek(i) !== ")") return;
      const start = this.pos;
      const letters = this.chars.slice(this.pos + 2, this.pos + i).join("");
      this.pos += i + 1;
      this.checkFlags(letters, "", start);
      this.applyFlags(this.top, letters, "");
      if (letters.includes("i")) this.ignoreCase = true;
    }
  }

  checkFlags(on: string, off: string, position: number): void {
    const all = on + off;
    if (!this.opts.bytes && all.includes("L")) {
      this.error("bad inline flag: cannot use 'L' flag with a str pattern", position);
    }
    if (this.opts.bytes && all.includes("u")) {
      this.error("bad inline flag: cannot use 'u' flag with a bytes pattern", position);
    }
    if ([..."auL"].filter((f) => on.includes(f)).length > 1) {
      this.error("bad inline flag: flags 'a', 'u' and 'L' are incompatible", position);
    }
    if (/[auL]/.test(off)) {
      this.error("bad inline flag: cannot turn off flags 'a', 'u' and 'L'", position);
    }
    if ([...off].some((f) => on.includes(f))) {
      this.error("bad inline flag: flag turned on and off", position);
    }
  }

  applyFlags(scope: Scope, on: string, off: string): void {
    if (on.includes("m")) scope.multiline = true;
    if (on.includes("s")) scope.dotAll = true;
    if (on.includes("x")) scope.verbose = true;
    if (on.includes("a")) scope.ascii = true;
    if (off.includes("m")) scope.multiline = false;
    if (off.includes("s")) scope.dotAll = false;
    if (off.includes("x")) scope.verbose = false;
  }

  alternation(scope: Scope): string {
    const branches = [this.sequence(scope)];
    while (this.eat("|")) branches.push(this.sequence(scope));
    return branches.join("|");
  }

  sequence(scope: Scope): string {
    const items: Item[] = [];
    for (;;) {
      if (scope.verbose) this.skipVerbose();
      const c = this.peek();
      if (c === undefined || c === "|" || c === ")") break;
      const start = this.pos;
      if (c === "*" || c === "+" || c === "?") {
        this.pos++;
        this.repeat(items, c, start);
      } else if (c === "{" && this.braceRepeat() !== null) {
        const { quantifier, end } = this.braceRepeat() as { quantifier: string; end: number };
        this.pos = end;
        this.repeat(items, quantifier, start);
      } else {
        const item = this.atom(scope);
        if (item) items.push(item);
      }
    }
    return items.map((i) => i.src).join("");
  }

  repeat(items: Item[], quantifier: string, start: number): void {
    const last = items.at(-1);
    if (!last || last.kind === "anchor") this.error("nothing to repeat", start);
    if (last.kind === "repeat") this.error("multiple repeat", start);
    let q = quantifier;
    if (this.eat("?")) q += "?";
    else if (this.peek() === "+") {
      this.error("possessive quantifiers are not supported (no JavaScript equivalent)", this.pos);
    }
    items[items.length - 1] = { src: last.src + q, kind: "repeat" };
  }

  atom(scope: Scope): Item | null {
    const start = this.pos;
    const c = this.next() as string;
    switch (c) {
      case "(":
        return this.group(scope, start);
      case "[":
        return { src: this.charClass(scope, start), kind: "atom" };
      case ".":
        return { src: scope.dotAll ? "[\\s\\S]" : "[^\\n]", kind: "atom" };
      case "^":
        return { src: scope.multiline ? "(?:^|(?<=\\n))" : "^", kind: "anchor" };
      case "$":
        return { src: scope.multiline ? "(?=\\n|$)" : "(?=\\n?$)", kind: "anchor" };
      case "\\":
        return this.escape(scope, start);
      default:
        return { src: escapeCodePoint(c.codePointAt(0) as number), kind: "atom" };
    }
  }

  groupBody(scope: Scope, start: number): string {
    const body = this.alternation(scope);
    if (!this.eat(")")) this.error("missing ), unterminated subpattern", start);
    return body;
  }

  group(scope: Scope, start: number): Item | null {
    if (!this.eat("?")) {
      const n = ++this.groups;
      const body = this.groupBody(scope, start);
      this.closed.add(n);
      return { src: `(${body})`, kind: "atom" };
    }
    const c = this.next();
    if (c === ":") return { src: `(?:${this.groupBody(scope, start)})`, kind: "atom" };
    if (c === "=" || c === "!") {
      return { src: `(?:(?${c}${this.groupBody(scope, start)}))`, kind: "atom" };
    }
    if (c === "<") {
      const d = this.next();
      if (d === "=" || d === "!") {
        return { src: `(?:(?<${d}${this.groupBody(scope, start)}))`, kind: "atom" };
      }
      this.error(`unknown extension ?<${d ?? ""}`, start + 1);
    }
    if (c === "P") return this.pythonGroup(scope, start);
    if (c === "#") {
      while (this.peek() !== ")") {
        if (this.next() === undefined) this.error("missing ), unterminated comment", start);
      }
      this.pos++;
      return null;
    }
    if (c === "(") this.error("conditional groups (?(…)…) are not supported", start);
    if (c === ">") this.error("atomic groups (?>…) are not supported", start);
    if (c !== undefined && (FLAG_LETTERS.includes(c) || c === "-")) {
      this.pos--;
      return this.flagGroup(scope, start);
    }
    if (c === undefined) this.error("unexpected end of pattern", this.pos);
    this.error(`unknown extension ?${c}`, start + 1);
  }

  /** `(?P<name>…)` and `(?P=name)`. */
  pythonGroup(scope: Scope, start: number): Item {
    if (this.eat("<")) {
      const name = this.groupName(">");
      if (this.names.has(name)) {
        this.error(
          `redefinition of group name '${name}' as group ${this.groups + 1}; ` +
            `was group ${this.names.get(name)}`,
          start + 4,
        );
      }
      const n = ++this.groups;
      this.names.set(name, n);
      const body = this.groupBody(scope, start);
      this.closed.add(n);
      return { src: `(?<${name}>${body})`, kind: "atom" };
    }
    if (this.eat("=")) {
      const at = this.pos;
      const name = this.groupName(")");
      const n = this.names.get(name);
      if (n === undefined) this.error(`unknown group name '${name}'`, at);
      if (!this.closed.has(n)) this.error("cannot refer to an open group", at);
      return { src: `(?:\\k<${name}>)`, kind: "atom" };
    }
    this.error(`unknown extension ?P${this.peek() ?? ""}`, start + 1);
  }

  /** `(?flags-flags:…)`; global `(?flags)` past the start is an error, as in Python ≥ 3.11. */
  flagGroup(scope: Scope, start: number): Item {
    let on = "";
    let off = "";
    while (FLAG_LETTERS.includes(this.peek() ?? "-")) on += this.next();
    if (this.eat("-")) {
      while (/^[a-zA-Z]$/.test(this.peek() ?? "")) {
        const f = this.next() as string;
        if (!"imsxauL".includes(f)) this.error("unknown flag", this.pos - 1);
        off += f;
      }
      if (!off) this.error("missing flag", this.pos);
    }
    const end = this.next();
    if (end === ")") {
      if (off) this.error("missing :", this.pos - 1);
      this.error("global flags not at the start of the expression", start);
    }
    if (end !== ":") {
      this.error(end && /[a-zA-Z]/.test(end) ? "unknown flag" : "missing -, : or )", this.pos - 1);
    }
    this.checkFlags(on, off, start);
    const inner = { ...scope };
    this.applyFlags(inner, on, off);
    const modifier = (on.includes("i") ? "i" : "") + (off.includes("i") ? "-i" : "");
    return { src: `(?${modifier}:${this.groupBody(inner, start)})`, kind: "atom" };
  }

  /** Body of `\d`, `\w` or `\s` for the scope, as JS class contents. */
  shorthandBody(letter: string, scope: Scope): string {
    const ascii = this.opts.bytes || scope.ascii;
    if (letter === "d") return ascii ? "0-9" : "\\p{Nd}";
    if (letter === "w") return ascii ? ASCII_WORD : UNICODE_WORD;
    return ascii ? ASCII_SPACE : UNICODE_SPACE;
  }

  wordBoundary(scope: Scope, at: boolean): string {
    if (this.opts.bytes || scope.ascii) return at ? "\\b" : "\\B";
    const w = `[${UNICODE_WORD}]`;
    return at
      ? `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`
      : `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
  }

  escape(scope: Scope, start: number): Item {
    const c = this.next();
    if (c === undefined) this.error("bad escape (end of pattern)", start);
    switch (c) {
      case "A":
        return { src: "^", kind: "anchor" };
      case "Z":
        return { src: "$", kind: "anchor" };
      case "b":
      case "B":
        return { src: this.wordBoundary(scope, c === "b"), kind: "anchor" };
      case "d":
      case "w":
      case "s":
        return { src: `[${this.shorthandBody(c, scope)}]`, kind: "atom" };
      case "D":
      case "W":
      case "S":
        return { src: `[^${this.shorthandBody(c.toLowerCase(), scope)}]`, kind: "atom" };
    }
    if (c >= "1" && c <= "9") {
      if (isOctal(c) && isOctal(this.peek()) && isOctal(this.peek(1))) {
        return { src: escapeCodePoint(this.octal(c, start)), kind: "atom" };
      }
      const digits = isDigit(this.peek()) ? c + this.next() : c;
      const n = Number(digits);
      if (n > this.groups) this.error(`invalid group reference ${n}`, start + 1);
      if (!this.closed.has(n)) this.error("cannot refer to an open group", start);
      return { src: `(?:\\${n})`, kind: "atom" };
    }
    return { src: escapeCodePoint(this.charEscape(c, start, false)), kind: "atom" };
  }

  classPart(scope: Scope, c: string, start: number): ClassPart {
    if (c !== "\\") return { cp: c.codePointAt(0) as number };
    const e = this.next();
    if (e === undefined) this.error("bad escape (end of pattern)", start);
    if ("dws".includes(e)) return { body: this.shorthandBody(e, scope), negated: false };
    if ("DWS".includes(e)) {
      return { body: this.shorthandBody(e.toLowerCase(), scope), negated: true };
    }
    return { cp: this.charEscape(e, start, true) };
  }

  charClass(scope: Scope, start: number): string {
    const negate = this.eat("^");
    let body = "";
    const complements: string[] = [];
    const add = (part: ClassPart) => {
      if ("cp" in part) body += escapeCodePoint(part.cp);
      else if (part.negated) complements.push(part.body);
      else body += part.body;
    };
    for (let first = true;; first = false) {
      const itemStart = this.pos;
      const c = this.next();
      if (c === undefined) this.error("unterminated character set", start);
      if (c === "]" && !first) break;
      const lo = this.classPart(scope, c, itemStart);
      if (this.peek() !== "-") {
        add(lo);
        continue;
      }
      this.pos++;
      const d = this.next();
      if (d === undefined) this.error("unterminated character set", start);
      if (d === "]") {
        add(lo);
        add({ cp: 0x2d });
        break;
      }
      const hi = this.classPart(scope, d, this.pos - 1);
      const text = this.chars.slice(itemStart, this.pos).join("");
      if (!("cp" in lo) || !("cp" in hi) || hi.cp < lo.cp) {
        this.error(`bad character range ${text}`, itemStart);
      }
      body += `${escapeCodePoint(lo.cp)}-${escapeCodePoint(hi.cp)}`;
    }
    if (complements.length === 0) return `[${negate ? "^" : ""}${body}]`;
    // JS classes cannot hold a complemented set next to other members: use alternation.
    const union = [...(body ? [`[${body}]`] : []), ...complements.map((b) => `[^${b}]`)].join("|");
    return negate ? `(?:(?!${union})[\\s\\S])` : `(?:${union})`;
  }
}

/** Translates a Python pattern to JS source and flags. Throws `PythonRegexError`. */
export function translatePythonRegex(
  pattern: string,
  options: PythonRegexOptions,
): { source: string; flags: string; effective: PythonRegexFlags } {
  const t = new Translator(pattern, options);
  const source = t.translate();
  return {
    source,
    flags: (t.ignoreCase ? "i" : "") + (options.bytes ? "" : "u"),
    effective: { ignoreCase: t.ignoreCase, multiline: t.top.multiline, dotAll: t.top.dotAll },
  };
}

/** Compiles a Python pattern to a RegExp (never `g`/`y`: `test()` keeps no state). */
export function compilePythonRegex(
  pattern: string,
  options: PythonRegexOptions,
): CompiledPythonRegex {
  const { source, flags, effective } = translatePythonRegex(pattern, options);
  try {
    return { regexp: new RegExp(source, flags), flags: effective };
  } catch (e) {
    // The translator should have caught everything; keep a clear error if it did not.
    throw new PythonRegexError(e instanceof Error ? e.message : String(e), null);
  }
}
