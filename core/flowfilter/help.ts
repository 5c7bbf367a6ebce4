/** The filter help list served at `/filter-help` and shown by the console, in mitmproxy's
 * order: operators sorted by their syntax (`~a`, `~all`, `~b regex`, ...), then `!`, `&`,
 * `|` and `(...)`. Pairs of `[syntax, help]`, as mitmproxy's `flowfilter.help`. */

import { OPERATORS } from "./operators.ts";

const ARG_SUFFIX = { none: "", regex: " regex", int: " int" } as const;

function byTuple(a: readonly [string, string], b: readonly [string, string]): number {
  // Python's tuple sort: code unit order on the syntax, then on the help.
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0;
}

export const FILTER_HELP: readonly (readonly [syntax: string, help: string])[] = [
  ...OPERATORS
    .map((op) => [`~${op.code}${ARG_SUFFIX[op.arg]}`, op.help] as const)
    .sort(byTuple),
  ["!", "unary not"],
  ["&", "and"],
  ["|", "or"],
  ["(...)", "grouping"],
];
