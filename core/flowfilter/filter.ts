/** mitmproxy's flow filter language: `parseFilter("~d example.com & !~s")` compiles once,
 * `filter.match(flow)` then runs without re-parsing.
 *
 * @example
 * ```ts
 * import { parseFilter } from "./filter.ts";
 * const f = parseFilter("~m POST & ~h 'content-type: application/json'");
 * String(f); // "method matches /POST/i and header matches /content-type: application/json/im"
 * ```
 *
 * Case sensitivity: regexes ignore case unless `caseSensitive` is set. mitmproxy reads the
 * environment variable `MITMPROXY_CASE_SENSITIVE_FILTERS=1` for that; this module reads no
 * environment, so the caller does:
 * `parseFilter(expr, { caseSensitive: caseSensitiveFromEnv(Deno.env.get(CASE_SENSITIVE_ENV)) })`. */

import type { FilterNode } from "./ast.ts";
import { compileNode } from "./compile.ts";
import { FilterSyntaxError } from "./errors.ts";
import type { FilterableFlow } from "./filterable.ts";
import { MatchContext } from "./match_context.ts";
import { parseExpression } from "./parser.ts";

export { FilterSyntaxError };

/** The environment variable mitmproxy reads to make filters case-sensitive. */
export const CASE_SENSITIVE_ENV = "MITMPROXY_CASE_SENSITIVE_FILTERS";

/** mitmproxy's rule for the variable's value: only "1" turns case sensitivity on. */
export function caseSensitiveFromEnv(value: string | undefined): boolean {
  return value === "1";
}

export interface ParseFilterOptions {
  /** Match regexes case-sensitively (default false, as in current mitmproxy). */
  caseSensitive?: boolean;
}

/** A compiled filter expression. */
export interface FlowFilter {
  /** The expression it was parsed from. */
  readonly pattern: string;
  readonly ast: FilterNode;
  readonly caseSensitive: boolean;
  /** Whether `flow` matches. */
  match(flow: FilterableFlow): boolean;
  /** A human description, as mitmproxy's `str(filter)`: "url matches /foo/i". */
  toString(): string;
}

/** Parses and compiles `expression`. Throws `FilterSyntaxError` (with `position`) for a
 * syntax error, an empty expression or a regex that does not compile. */
export function parseFilter(expression: string, options: ParseFilterOptions = {}): FlowFilter {
  const ast = parseExpression(expression);
  const caseSensitive = options.caseSensitive ?? false;
  const { match, description } = compileNode(ast, expression, { caseSensitive });
  return {
    pattern: expression,
    ast,
    caseSensitive,
    match: (flow) => match(flow, new MatchContext()),
    toString: () => description,
  };
}

/** Matches `flow` against a filter or an expression (parsed on every call: keep the parsed
 * filter when matching many flows). No filter (null/undefined) matches everything, as in
 * mitmproxy's `match(None, flow)`. Throws `FilterSyntaxError` for a bad expression. */
export function matchFilter(
  filter: string | FlowFilter | null | undefined,
  flow: FilterableFlow,
  options: ParseFilterOptions = {},
): boolean {
  if (filter === null || filter === undefined) return true;
  const f = typeof filter === "string" ? parseFilter(filter, options) : filter;
  return f.match(flow);
}

/** A filter matching every flow (mitmproxy's `match_all`). */
export const MATCH_ALL: FlowFilter = parseFilter("~all");
