/**
 * The YAML side of options: parsing `config.yaml` into raw name -> value pairs, and writing
 * options back out (non-default values, or an annotated file of all defaults).
 */
import { Document, isMap, isScalar, parse, stringify, YAMLParseError } from "yaml";
import { OptionsError, type OptionSpec, type OptionValue } from "./option_types.ts";

/**
 * Parses config text into name -> value pairs as YAML 1.2 types them (`yes` is a string,
 * `8080` a number). Empty text or an empty document gives `{}`.
 */
export function parseConfigYaml(text: string): Record<string, unknown> {
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const line = e.linePos?.[0].line;
      throw new OptionsError(`Config error${line ? ` at line ${line}` : ""}: ${e.message}`);
    }
    throw new OptionsError(`Could not parse options: ${e instanceof Error ? e.message : e}`);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new OptionsError(
      "Config error - no keys found (expected a mapping of option names to values).",
    );
  }
  return data as Record<string, unknown>;
}

/**
 * Adapts a YAML value to the option's type where mitmproxy's own configs need it: a single
 * string for a `sequence of str` option becomes a one-item list (`mode: regular` was a `str`
 * option in mitmproxy 8). Everything else is passed through for the strict type check.
 */
export function coerceYamlValue(spec: OptionSpec, value: unknown): unknown {
  if (spec.type === "sequence of str" && typeof value === "string") return [value];
  return value;
}

/** `name: value` lines for the given values, sorted by name; `""` when there are none. */
export function stringifyOptions(values: ReadonlyMap<string, OptionValue>): string {
  if (values.size === 0) return "";
  const sorted = [...values.keys()].sort();
  return stringify(Object.fromEntries(sorted.map((k) => [k, values.get(k)])));
}

/** An annotated YAML file of every option's default, help as a comment above each key. */
export function dumpDefaultsYaml(specs: readonly OptionSpec[]): string {
  const sorted = [...specs].sort((a, b) => a.name.localeCompare(b.name));
  const doc = new Document(Object.fromEntries(sorted.map((s) => [s.name, s.default])));
  if (!isMap(doc.contents)) return "";
  for (const pair of doc.contents.items) {
    const key = pair.key;
    if (!isScalar(key)) continue;
    const spec = sorted.find((s) => s.name === key.value);
    if (!spec) continue;
    const tail = spec.choices
      ? ` Valid values are ${spec.choices.map((c) => `'${c}'`).join(", ")}.`
      : ` Type ${spec.type}.`;
    key.commentBefore = wrap(`${spec.help.trim()}${tail}`, 78).map((l) => ` ${l}`).join(
      "\n",
    );
    key.spaceBefore = true;
  }
  return doc.toString();
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}
