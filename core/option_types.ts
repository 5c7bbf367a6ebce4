/**
 * Option types, declarations and value checks (mitmproxy's `optmanager._Option` and
 * `utils/typecheck.check_option_type`), plus the string conversions behind `--set`.
 *
 * The type names are the ones mitmproxy shows in its web API and `--options` output:
 * `bool`, `str`, `int`, `optional str`, `optional int`, `sequence of str`.
 */

/** mitmproxy's option type names. */
export type OptionTypeName =
  | "bool"
  | "str"
  | "int"
  | "optional str"
  | "optional int"
  | "sequence of str";

/** The TypeScript value type of each option type. Sequences are frozen arrays. */
export interface OptionTypeMap {
  "bool": boolean;
  "str": string;
  "int": number;
  "optional str": string | null;
  "optional int": number | null;
  "sequence of str": readonly string[];
}

export type OptionValue = OptionTypeMap[OptionTypeName];

export const OPTION_TYPES: readonly OptionTypeName[] = [
  "bool",
  "str",
  "int",
  "optional str",
  "optional int",
  "sequence of str",
];

/**
 * An option declaration. Declare it once as a constant with {@link defineOption} and use the
 * same constant to read the option, so the value's type follows from the declaration:
 *
 * @example
 * ```ts
 * import { defineOption } from "./option_types.ts";
 * import { Options } from "./options.ts";
 * const BLOCK_GLOBAL = defineOption({
 *   name: "block_global",
 *   type: "bool",
 *   default: true,
 *   help: "Block connections from public IP addresses.",
 * });
 * const options = new Options();
 * options.add(BLOCK_GLOBAL);
 * const on: boolean = options.get(BLOCK_GLOBAL);
 * if (!on) throw new Error("unexpected");
 * ```
 */
export interface OptionSpec<K extends OptionTypeName = OptionTypeName> {
  readonly name: string;
  readonly type: K;
  readonly default: OptionTypeMap[K];
  readonly help: string;
  /** Allowed values for `str`, `optional str` (besides null) and each `sequence of str` item. */
  readonly choices?: readonly string[];
}

/** Identity function that infers the option's value type from its `type` field. */
export function defineOption<K extends OptionTypeName>(spec: OptionSpec<K>): OptionSpec<K> {
  return spec;
}

/** An invalid option value, name or config file. Updates that raise it are rolled back. */
export class OptionsError extends Error {
  override name = "OptionsError";
}

/** Help text as stored: trimmed, line breaks folded into spaces (tools reflow it). */
export function normalizeHelp(help: string): string {
  return help.trim().replace(/\s*\n\s*/g, " ");
}

export function isOptionTypeName(type: string): type is OptionTypeName {
  return (OPTION_TYPES as readonly string[]).includes(type);
}

/** A short rendering of a value for error messages: strings quoted, arrays as JSON. */
export function describeValue(value: unknown): string {
  if (typeof value === "string" || Array.isArray(value)) return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return "an object";
  return String(value);
}

/** Deep equality for option values (arrays compare item by item). */
export function optionValuesEqual(a: OptionValue, b: OptionValue): boolean {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  return a === b;
}

function invalid(name: string, why: string): OptionsError {
  return new OptionsError(`Invalid value for option "${name}": ${why}`);
}

function checkChoice(spec: OptionSpec, value: string): void {
  if (spec.choices && !spec.choices.includes(value)) {
    throw invalid(
      spec.name,
      `${describeValue(value)} is not one of ${spec.choices.join(", ")}`,
    );
  }
}

/**
 * Checks `value` against the option's type and choices and returns the value to store
 * (sequences copied and frozen). Throws {@link OptionsError} naming the option.
 */
export function checkOptionValue<K extends OptionTypeName>(
  spec: OptionSpec<K>,
  value: unknown,
): OptionTypeMap[K] {
  const expected = () =>
    invalid(spec.name, `expected ${spec.type}, got ${typeof value} ${describeValue(value)}`);
  const type: OptionTypeName = spec.type;
  if (value === null && (type === "optional str" || type === "optional int")) {
    return value as OptionTypeMap[K];
  }
  switch (type) {
    case "bool":
      if (typeof value !== "boolean") throw expected();
      return value as OptionTypeMap[K];
    case "str":
    case "optional str":
      if (typeof value !== "string") throw expected();
      checkChoice(spec, value);
      return value as OptionTypeMap[K];
    case "int":
    case "optional int":
      if (typeof value !== "number" || !Number.isSafeInteger(value)) throw expected();
      return value as OptionTypeMap[K];
    case "sequence of str": {
      if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
        throw expected();
      }
      for (const v of value) checkChoice(spec, v);
      return Object.freeze([...value]) as unknown as OptionTypeMap[K];
    }
  }
  throw new OptionsError(`Option "${spec.name}" has an unknown type ${describeValue(spec.type)}`);
}

const INT_RE = /^[+-]?\d+(?:_\d+)*$/;

/** Python `int()`-style integer parsing; null if `text` is not an integer. */
export function parseIntStrict(text: string): number | null {
  const t = text.trim();
  if (!INT_RE.test(t)) return null;
  const n = Number(t.replaceAll("_", ""));
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Converts the values of one option's `--set` occurrences to a typed value (mitmproxy's
 * `_parse_setval`). Each entry is the text after `=`, or null for a bare `--set name`.
 *
 * - bool: no value, `""` or `true` -> true; `false`; `toggle` -> `!current`
 * - int: an integer; optional int: empty -> null
 * - str: the text (a value is required); optional str: empty -> null
 * - sequence of str: the values in order; an empty value clears what came before
 */
export function parseSetValues(
  spec: OptionSpec,
  values: readonly (string | null)[],
  current: OptionValue,
): OptionValue {
  if (spec.type === "sequence of str") {
    let out: string[] = [];
    for (const v of values) {
      if (v === null || v === "") out = [];
      else out.push(v);
    }
    return out;
  }
  if (values.length > 1) {
    throw invalid(
      spec.name,
      `given ${values.length} times (${values.map(describeValue).join(", ")}), ` +
        `but it takes one ${spec.type} value`,
    );
  }
  const v = values.length === 0 ? null : values[0];
  switch (spec.type) {
    case "bool":
      if (v === "toggle") return !current;
      if (v === null || v === "" || v === "true") return true;
      if (v === "false") return false;
      throw invalid(
        spec.name,
        `${describeValue(v)} is not a boolean (use true, false or toggle; no value means true)`,
      );
    case "str":
      if (v === null) {
        throw new OptionsError(`Option "${spec.name}" needs a value: --set ${spec.name}=VALUE`);
      }
      return v;
    case "optional str":
      return v === null || v === "" ? null : v;
    case "int":
    case "optional int": {
      if (v === null || v === "") {
        if (spec.type === "optional int") return null;
        throw new OptionsError(`Option "${spec.name}" needs a value: --set ${spec.name}=NUMBER`);
      }
      const n = parseIntStrict(v);
      if (n === null) throw invalid(spec.name, `${describeValue(v)} is not an integer`);
      return n;
    }
  }
  throw new OptionsError(`Option "${spec.name}" has an unknown type ${describeValue(spec.type)}`);
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
};

/**
 * Parses a size string as used by `body_size_limit` and `stream_large_bodies`: a number of
 * bytes, optionally with a suffix `b`, `k`, `m`, `g` or `t` (powers of 1024). null stays
 * null. Throws {@link OptionsError} for anything else.
 *
 * @example
 * ```ts
 * import { parseSize } from "./option_types.ts";
 * if (parseSize("10m") !== 10 * 1024 * 1024) throw new Error("unexpected");
 * ```
 */
export function parseSize(text: string): number;
export function parseSize(text: string | null): number | null;
export function parseSize(text: string | null): number | null {
  if (text === null) return null;
  const plain = parseIntStrict(text);
  if (plain !== null) return plain;
  const t = text.trim();
  const unit = SIZE_UNITS[t.slice(-1).toLowerCase()];
  const n = unit === undefined ? null : parseIntStrict(t.slice(0, -1));
  if (n === null || unit === undefined) {
    throw new OptionsError(
      `Invalid size specification: ${describeValue(text)} ` +
        `(use a number of bytes, optionally followed by b, k, m, g or t)`,
    );
  }
  return n * unit;
}
