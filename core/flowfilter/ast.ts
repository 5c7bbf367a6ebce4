/** The parsed form of a filter expression, before regexes are compiled. Leaves keep where
 * they were written (`start`/`end` offsets into the expression) for error messages and UIs.
 *
 * Shapes follow mitmproxy: `a & b & c` is one `and` with three operands, juxtaposed terms
 * are one `and` around the whole expression, parentheses leave no node. */

/** `~q`, `~marked`, ... */
export interface UnaryNode {
  readonly kind: "unary";
  readonly code: string;
  readonly start: number;
  readonly end: number;
}

/** `~u regex`, or a bare value (`bare`: written without `~u`). */
export interface RegexNode {
  readonly kind: "regex";
  readonly code: string;
  /** The regex after unquoting. */
  readonly pattern: string;
  readonly bare: boolean;
  readonly start: number;
  readonly end: number;
  /** Where the regex (or its opening quote) starts. */
  readonly patternStart: number;
}

/** `~c 200`. */
export interface IntNode {
  readonly kind: "int";
  readonly code: string;
  readonly value: number;
  readonly start: number;
  readonly end: number;
}

export interface NotNode {
  readonly kind: "not";
  readonly operand: FilterNode;
}

export interface AndNode {
  readonly kind: "and";
  readonly operands: readonly FilterNode[];
}

export interface OrNode {
  readonly kind: "or";
  readonly operands: readonly FilterNode[];
}

export type FilterNode = UnaryNode | RegexNode | IntNode | NotNode | AndNode | OrNode;
