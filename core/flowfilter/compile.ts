/** Turns a parsed filter into closures, compiling every regex once, and builds the
 * human description mitmproxy's `str(filter)` gives ("url matches /foo/i and not has error").
 * An operator restricted to some flow kinds never matches other flows. */

import type { FilterNode } from "./ast.ts";
import { FilterSyntaxError } from "./errors.ts";
import type { FilterableFlow } from "./filterable.ts";
import type { MatchContext } from "./match_context.ts";
import { type FilterOperator, OPERATORS_BY_CODE, type RegexOperator } from "./operators.ts";
import { compilePythonRegex, PythonRegexError } from "./python_regex.ts";

export type Matcher = (flow: FilterableFlow, ctx: MatchContext) => boolean;

export interface CompiledNode {
  readonly match: Matcher;
  readonly description: string;
  /** An and/or node: parenthesized inside other descriptions. */
  readonly compound: boolean;
}

export interface CompileOptions {
  /** Regexes match case-sensitively (mitmproxy's MITMPROXY_CASE_SENSITIVE_FILTERS=1). */
  readonly caseSensitive: boolean;
}

function operatorFor(code: string): FilterOperator {
  const op = OPERATORS_BY_CODE.get(code);
  if (!op) throw new Error(`no filter operator ~${code}`); // the parser only makes known codes
  return op;
}

function restrict(op: FilterOperator, match: Matcher): Matcher {
  if (op.appliesTo === "all") return match;
  const kinds: readonly string[] = op.appliesTo;
  return (flow, ctx) => kinds.includes(flow.type) && match(flow, ctx);
}

function compileRegex(
  op: RegexOperator,
  pattern: string,
  position: number,
  expression: string,
  options: CompileOptions,
): { re: RegExp; flags: string } {
  try {
    const { regexp, flags } = compilePythonRegex(pattern, {
      bytes: op.subject === "bytes",
      ignoreCase: !options.caseSensitive,
      multiline: op.multiline,
      dotAll: op.dotAll,
    });
    const letters = (flags.ignoreCase ? "i" : "") + (flags.multiline ? "m" : "") +
      (flags.dotAll ? "s" : "");
    return { re: regexp, flags: letters };
  } catch (e) {
    if (!(e instanceof PythonRegexError)) throw e;
    const written = `~${op.code} ${JSON.stringify(pattern)}`;
    throw new FilterSyntaxError(
      expression,
      position,
      e.message,
      `Cannot compile expression ${written}: ${e.message}`,
    );
  }
}

function parenthesize(node: CompiledNode): string {
  return node.compound ? `(${node.description})` : node.description;
}

/** Compiles `node` (parsed from `expression`). Throws `FilterSyntaxError` for a bad regex. */
export function compileNode(
  node: FilterNode,
  expression: string,
  options: CompileOptions,
): CompiledNode {
  switch (node.kind) {
    case "unary": {
      const op = operatorFor(node.code);
      if (op.arg !== "none") throw new Error(`~${node.code} takes an argument`);
      return {
        match: restrict(op, (flow, ctx) => op.match(flow, ctx)),
        description: op.description,
        compound: false,
      };
    }
    case "regex": {
      const op = operatorFor(node.code);
      if (op.arg !== "regex") throw new Error(`~${node.code} takes no regex`);
      const { re, flags } = compileRegex(op, node.pattern, node.patternStart, expression, options);
      return {
        match: restrict(op, (flow, ctx) => op.match(flow, re, ctx)),
        description: `${op.description} matches /${node.pattern}/${flags}`,
        compound: false,
      };
    }
    case "int": {
      const op = operatorFor(node.code);
      if (op.arg !== "int") throw new Error(`~${node.code} takes no integer`);
      const value = node.value;
      return {
        match: restrict(op, (flow, ctx) => op.match(flow, value, ctx)),
        description: `${op.description} ${value}`,
        compound: false,
      };
    }
    case "not": {
      const inner = compileNode(node.operand, expression, options);
      const m = inner.match;
      return {
        match: (flow, ctx) => !m(flow, ctx),
        description: `not ${parenthesize(inner)}`,
        compound: false,
      };
    }
    case "and":
    case "or": {
      const parts = node.operands.map((n) => compileNode(n, expression, options));
      const ms = parts.map((p) => p.match);
      const description = parts.map(parenthesize).join(node.kind === "and" ? " and " : " or ");
      const match: Matcher = node.kind === "and"
        ? (flow, ctx) => {
          for (const m of ms) if (!m(flow, ctx)) return false;
          return true;
        }
        : (flow, ctx) => {
          for (const m of ms) if (m(flow, ctx)) return true;
          return false;
        };
      return { match, description, compound: true };
    }
  }
}
