/** Recursive-descent parser for filter expressions, mirroring mitmproxy's pyparsing grammar
 * (`OneOrMore(infixNotation(atom, [!, &, |]))`) choice for choice:
 *
 *   expr    := or+                     juxtaposed terms: one AND around all (lowest binding)
 *   or      := and ("|" and)*
 *   and     := not ("&" not)*
 *   not     := "!" not | primary
 *   primary := atom | "(" or ")"        no juxtaposition inside parentheses, as in mitmproxy
 *   atom    := "~" NAME                 unary operator
 *            | "~" NAME VALUE           regex operator
 *            | "~c" DIGITS              int operator
 *            | VALUE                    bare value = ~u VALUE
 *
 * Like a PEG, every alternative backtracks: when `!`, `&` or `|` is not followed by an
 * operand, the char is read again as (the start of) a bare value, exactly as pyparsing does
 * (`~q !` is `~q` AND url matches "!"). Errors report the furthest position any alternative
 * reached, with what it expected there. */

import type { FilterNode } from "./ast.ts";
import { FilterSyntaxError } from "./errors.ts";
import { OPERATORS, OPERATORS_BY_CODE } from "./operators.ts";
import { isSpace, Scanner } from "./tokens.ts";

const EMPTY = "Empty filter expression";

class Parser {
  readonly s: Scanner;
  #furthest = -1;
  #reasons: string[] = [];

  constructor(readonly expression: string) {
    this.s = new Scanner(expression);
  }

  /** Records why an alternative failed; only the furthest failures are reported. */
  fail(position: number, reason: string): null {
    if (position > this.#furthest) {
      this.#furthest = position;
      this.#reasons = [reason];
    } else if (position === this.#furthest && !this.#reasons.includes(reason)) {
      this.#reasons.push(reason);
    }
    return null;
  }

  parse(): FilterNode {
    const s = this.s;
    const terms: FilterNode[] = [];
    for (;;) {
      const save = s.pos;
      const term = this.or();
      if (!term) {
        s.pos = save;
        break;
      }
      terms.push(term);
    }
    s.skipSpace();
    if (terms.length > 0 && s.atEnd()) {
      return terms.length === 1 ? terms[0] : { kind: "and", operands: terms };
    }
    throw this.error();
  }

  error(): FilterSyntaxError {
    const pos = this.s.pos;
    if (this.#furthest >= pos) {
      return new FilterSyntaxError(this.expression, this.#furthest, this.#reasons.join("; or "));
    }
    const c = this.s.peek();
    const reason = c === ")"
      ? 'unexpected ")" without a matching "("'
      : `expected a filter expression, found ${this.found()}`;
    return new FilterSyntaxError(this.expression, pos, reason);
  }

  /** The word at the cursor, quoted, for messages. */
  found(): string {
    const s = this.s;
    if (s.atEnd()) return "the end";
    let end = s.pos + 1;
    while (end < s.text.length && !isSpace(s.text[end]) && end - s.pos < 20) end++;
    return JSON.stringify(s.text.slice(s.pos, end));
  }

  or(): FilterNode | null {
    return this.binary("|", () => this.and());
  }

  and(): FilterNode | null {
    return this.binary("&", () => this.not());
  }

  binary(op: "&" | "|", operand: () => FilterNode | null): FilterNode | null {
    const s = this.s;
    const first = operand();
    if (!first) return null;
    const operands = [first];
    for (;;) {
      const save = s.pos;
      s.skipSpace();
      const next = s.eat(op) ? operand() : null;
      if (!next) {
        s.pos = save;
        break;
      }
      operands.push(next);
    }
    if (operands.length === 1) return first;
    return { kind: op === "&" ? "and" : "or", operands };
  }

  not(): FilterNode | null {
    const s = this.s;
    const save = s.pos;
    s.skipSpace();
    if (s.eat("!")) {
      const operand = this.not();
      if (operand) return { kind: "not", operand };
      s.pos = save;
    }
    return this.primary();
  }

  primary(): FilterNode | null {
    const s = this.s;
    const save = s.pos;
    s.skipSpace();
    const atom = this.atom();
    if (atom) return atom;
    s.pos = save;
    s.skipSpace();
    if (s.eat("(")) {
      const inner = this.or();
      s.skipSpace();
      if (inner && s.eat(")")) return inner;
      if (inner) this.fail(s.pos, this.closingReason());
      // Only when nothing more specific (e.g. an unknown operator) failed right here.
      else if (this.#furthest < s.pos) this.fail(s.pos, 'expected a filter expression after "("');
    }
    s.pos = save;
    return null;
  }

  closingReason(): string {
    if (this.s.atEnd()) return 'expected a closing ")"';
    return `expected "&", "|" or a closing ")", found ${this.found()}` +
      ' (inside parentheses, join terms with "&")';
  }

  atom(): FilterNode | null {
    const s = this.s;
    if (s.peek() === "~") return this.operator();
    const v = s.readValue();
    if (v === null) return null;
    if ("error" in v) return this.fail(v.position, v.error);
    const { text: pattern, start, end } = v;
    return { kind: "regex", code: "u", pattern, bare: true, start, end, patternStart: start };
  }

  operator(): FilterNode | null {
    const s = this.s;
    const { word, start, end } = s.readOperatorWord();
    const op = OPERATORS_BY_CODE.get(word);
    if (!op) return this.unknownOperator(word, start);
    if (op.arg === "none") return { kind: "unary", code: word, start, end };
    s.skipSpace();
    if (op.arg === "int") {
      const digits = s.readDigits();
      if (!digits) return this.fail(s.pos, `expected a response code (digits) after ~${word}`);
      return { kind: "int", code: word, value: Number(digits.text), start, end: digits.end };
    }
    const v = s.readValue();
    if (v === null) return this.fail(s.pos, this.missingRegexReason(word));
    if ("error" in v) return this.fail(v.position, v.error);
    const node = { kind: "regex", code: word, pattern: v.text, bare: false } as const;
    return { ...node, start, end: v.end, patternStart: v.start };
  }

  missingRegexReason(code: string): string {
    if (this.s.atEnd()) return `expected a regex after ~${code}`;
    return `expected a regex after ~${code}, found ${this.found()} (quote a regex that ` +
      "contains whitespace, parentheses, ~ or quotes)";
  }

  unknownOperator(word: string, start: number): null {
    if (word === "") return this.fail(start, 'expected an operator name after "~"');
    // `~q)` or `~u"x"`: a known operator glued to punctuation.
    const glued = OPERATORS
      .filter((op) => word.startsWith(op.code) && /^[^A-Za-z0-9]/.test(word.slice(op.code.length)))
      .sort((a, b) => b.code.length - a.code.length)[0];
    if (glued) {
      const at = start + 1 + glued.code.length;
      const next = JSON.stringify(this.s.text[at]);
      return this.fail(at, `~${glued.code} must be followed by whitespace, found ${next}`);
    }
    return this.fail(start, `unknown operator "~${word}"`);
  }
}

/** Parses an expression into its AST. Throws `FilterSyntaxError`. */
export function parseExpression(expression: string): FilterNode {
  if ([...expression].every(isSpace)) {
    throw new FilterSyntaxError(expression, 0, EMPTY, EMPTY);
  }
  return new Parser(expression).parse();
}
