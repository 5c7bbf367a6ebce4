/**
 * The option registry (mitmproxy's `optmanager.py`): typed options declared by addons,
 * `--set` parsing, `config.yaml` loading, and transactional updates.
 *
 * Rules, written once:
 * - Precedence, low to high: defaults -> config.yaml -> command line -> runtime updates.
 * - `update()` is all-or-nothing: every value is type-checked first, then all are applied,
 *   then the validators run (the addon manager's `configure` hooks). If a validator throws,
 *   every value of that update goes back to what it was, the validators run once more with
 *   the same names so addons can re-read the old values, and the error is rethrown.
 * - Subscribers hear about an update once it stands, with only the names whose value
 *   actually changed. Updates made by validators during an update are folded into the
 *   outer update: rolled back with it, announced with it.
 * - Values for options nobody has declared yet (`--set` for a script's option, config keys
 *   with `defer`) wait in a pending list and are applied by `applyPending()` once declared.
 *
 * @example
 * ```ts
 * import { Options } from "./options.ts";
 * const options = new Options();
 * options.add({ name: "listen_port", type: "optional int", default: null, help: "Port." });
 * options.update(options.parseSetArgs(["listen_port=8081"]));
 * if (options.get("listen_port") !== 8081) throw new Error("unexpected");
 * ```
 */
import {
  checkOptionValue,
  isOptionTypeName,
  normalizeHelp,
  OptionsError,
  type OptionSpec,
  type OptionTypeMap,
  type OptionTypeName,
  type OptionValue,
  optionValuesEqual,
  parseSetValues,
} from "./option_types.ts";
import { didYouMean } from "./option_suggest.ts";
import {
  coerceYamlValue,
  dumpDefaultsYaml,
  parseConfigYaml,
  stringifyOptions,
} from "./option_yaml.ts";

export { OptionsError } from "./option_types.ts";
export type { OptionSpec, OptionTypeMap, OptionTypeName, OptionValue } from "./option_types.ts";

/** Runs inside an update; throwing (an `OptionsError`) rolls the whole update back. */
export type OptionValidator = (changed: ReadonlySet<string>) => void;
/** Told about an update that stands, with the names whose value changed. */
export type OptionSubscriber = (changed: ReadonlySet<string>) => void;

/** One option as the web API and `--options` describe it (mitmproxy's `dump_dicts`). */
export interface OptionDescription {
  type: OptionTypeName;
  default: OptionValue;
  value: OptionValue;
  help: string;
  choices: readonly string[] | null;
}

type Pending =
  | { kind: "set"; values: (string | null)[] }
  | { kind: "yaml"; value: unknown; source: string };

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class Options {
  #specs = new Map<string, OptionSpec>();
  #values = new Map<string, OptionValue>();
  #validators: OptionValidator[] = [];
  #subscribers: { fn: OptionSubscriber; names: ReadonlySet<string> | null }[] = [];
  #pending = new Map<string, Pending>();
  #depth = 0;

  /**
   * Declares an option. Its value starts at the default; a pending value for it is applied
   * by the next `applyPending()`. Declaring a name twice is an error unless `replace` is set
   * (the new declaration then wins and the value is reset to its default).
   */
  add<K extends OptionTypeName>(spec: OptionSpec<K>, opts: { replace?: boolean } = {}): void {
    if (!NAME_RE.test(spec.name)) {
      throw new OptionsError(`Invalid option name ${JSON.stringify(spec.name)}`);
    }
    if (this.#specs.has(spec.name) && !opts.replace) {
      throw new OptionsError(`Option "${spec.name}" is already declared`);
    }
    if (!isOptionTypeName(spec.type)) {
      throw new OptionsError(`Option "${spec.name}" has an unknown type "${spec.type}"`);
    }
    if (spec.choices && !["str", "optional str", "sequence of str"].includes(spec.type)) {
      throw new OptionsError(`Option "${spec.name}" of type ${spec.type} cannot have choices`);
    }
    let value: OptionValue;
    try {
      value = checkOptionValue(spec, spec.default);
    } catch (e) {
      throw new OptionsError(`Bad default for option "${spec.name}": ${(e as Error).message}`);
    }
    const help = normalizeHelp(spec.help);
    const choices = spec.choices ? Object.freeze([...spec.choices]) : undefined;
    this.#specs.set(
      spec.name,
      Object.freeze({ name: spec.name, type: spec.type, default: value, help, choices }),
    );
    this.#values.set(spec.name, value);
  }

  has(name: string): boolean {
    return this.#specs.has(name);
  }

  /** Option names in declaration order. */
  names(): string[] {
    return [...this.#specs.keys()];
  }

  /** The declaration of one option. */
  spec(name: string): OptionSpec {
    const spec = this.#specs.get(name);
    if (!spec) throw this.#unknown([name]);
    return spec;
  }

  /** All declarations, sorted by name (for `--options` and generated docs). */
  specs(): OptionSpec[] {
    return [...this.#specs.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * The current value. With a declaration constant the type follows from it; with a name,
   * give the type you expect (`options.get<boolean>("block_global")`). Sequences are frozen.
   */
  get<K extends OptionTypeName>(spec: OptionSpec<K>): OptionTypeMap[K];
  get<T extends OptionValue = OptionValue>(name: string): T;
  get(key: string | OptionSpec): OptionValue {
    const name = typeof key === "string" ? key : key.name;
    const value = this.#values.get(name);
    if (value === undefined) throw this.#unknown([name]);
    if (typeof key !== "string" && this.#specs.get(name)?.type !== key.type) {
      throw new OptionsError(
        `Option "${name}" is declared as ${this.#specs.get(name)?.type}, read as ${key.type}`,
      );
    }
    return value;
  }

  default(name: string): OptionValue {
    return this.spec(name).default;
  }

  hasChanged(name: string): boolean {
    return !optionValuesEqual(this.get(name), this.default(name));
  }

  /**
   * Sets several options at once, all or nothing (see the rules at the top of this file).
   * Unknown names and ill-typed values throw before anything changes. Returns the names
   * whose value changed.
   */
  update(changes: Readonly<Record<string, unknown>>): Set<string> {
    const entries = Object.entries(changes);
    const unknown = entries.map(([k]) => k).filter((k) => !this.#specs.has(k));
    if (unknown.length > 0) throw this.#unknown(unknown);
    const checked = entries.map(([k, v]) => [k, checkOptionValue(this.spec(k), v)] as const);

    const snapshot = new Map(this.#values);
    const changed = new Set<string>();
    for (const [k, v] of checked) {
      if (!optionValuesEqual(this.#values.get(k)!, v)) {
        this.#values.set(k, v);
        changed.add(k);
      }
    }
    if (changed.size === 0) return changed;

    this.#depth++;
    try {
      for (const validate of [...this.#validators]) validate(changed);
    } catch (e) {
      for (const [k, v] of snapshot) this.#values.set(k, v);
      for (const validate of [...this.#validators]) {
        try {
          validate(changed);
        } catch {
          // The old values were accepted before; a complaint now cannot be acted on.
        }
      }
      throw e;
    } finally {
      this.#depth--;
    }
    if (this.#depth === 0) {
      const all = new Set<string>();
      for (const [k, v] of this.#values) {
        const before = snapshot.get(k);
        if (before !== undefined && !optionValuesEqual(before, v)) all.add(k);
      }
      if (all.size > 0) this.#notify(all);
    }
    return changed;
  }

  /** Sets options back to their defaults (all of them without `names`), as one update. */
  reset(names: readonly string[] = this.names()): Set<string> {
    return this.update(Object.fromEntries(names.map((n) => [n, this.default(n)])));
  }

  /** Adds a validator that runs inside every update; returns the remover. */
  addValidator(fn: OptionValidator): () => void {
    this.#validators.push(fn);
    return () => {
      const i = this.#validators.indexOf(fn);
      if (i >= 0) this.#validators.splice(i, 1);
    };
  }

  /**
   * Calls `fn` after each update that changed any of `names` (or any option at all without
   * `names`). Returns the unsubscribe function. If subscribers throw, all still run and the
   * first error is rethrown from `update()` afterwards (the update stands).
   */
  subscribe(fn: OptionSubscriber, names?: readonly string[]): () => void {
    const entry = { fn, names: names ? new Set(names) : null };
    this.#subscribers.push(entry);
    return () => {
      const i = this.#subscribers.indexOf(entry);
      if (i >= 0) this.#subscribers.splice(i, 1);
    };
  }

  /**
   * Converts `--set` arguments (`name=value`, or a bare `name`) to typed values, following
   * mitmproxy: repeated `--set` of a sequence option accumulates, an empty value clears it.
   * Unknown names throw with close matches, or with `defer` wait until the option is
   * declared (see `applyPending()`).
   */
  parseSetArgs(
    args: readonly string[],
    opts: { defer?: boolean } = {},
  ): Record<string, OptionValue> {
    const grouped = new Map<string, (string | null)[]>();
    for (const arg of args) {
      const eq = arg.indexOf("=");
      const name = eq < 0 ? arg : arg.slice(0, eq);
      const value = eq < 0 ? null : arg.slice(eq + 1);
      if (!grouped.has(name)) grouped.set(name, []);
      grouped.get(name)!.push(value);
    }
    const unknown = [...grouped.keys()].filter((k) => !this.#specs.has(k));
    if (unknown.length > 0 && !opts.defer) throw this.#unknown(unknown);
    const out: Record<string, OptionValue> = {};
    for (const [name, values] of grouped) {
      const spec = this.#specs.get(name);
      if (spec) out[name] = parseSetValues(spec, values, this.#values.get(name)!);
      else this.#pending.set(name, { kind: "set", values });
    }
    return out;
  }

  /** `update(parseSetArgs(args, opts))`. */
  applySetArgs(args: readonly string[], opts: { defer?: boolean } = {}): Set<string> {
    return this.update(this.parseSetArgs(args, opts));
  }

  /**
   * Applies pending values whose options have since been declared, as one update (mitmproxy's
   * `process_deferred`). They leave the pending list even if the update fails.
   */
  applyPending(): Set<string> {
    const values: Record<string, unknown> = {};
    const sources = new Map<string, string>();
    for (const [name, pending] of this.#pending) {
      const spec = this.#specs.get(name);
      if (!spec) continue;
      this.#pending.delete(name);
      if (pending.kind === "set") {
        values[name] = parseSetValues(spec, pending.values, this.#values.get(name)!);
      } else {
        values[name] = coerceYamlValue(spec, pending.value);
        sources.set(name, pending.source);
        try {
          checkOptionValue(spec, values[name]);
        } catch (e) {
          throw new OptionsError(`Error reading ${pending.source}: ${(e as Error).message}`);
        }
      }
    }
    if (Object.keys(values).length === 0) return new Set();
    return this.update(values);
  }

  /** Names with a value waiting for a declaration. */
  pendingNames(): string[] {
    return [...this.#pending.keys()];
  }

  /**
   * Throws if values are still waiting for options that were never declared; call it once
   * every addon (scripts included) is loaded. The message names the file for config keys.
   */
  assertNoPending(): void {
    if (this.#pending.size === 0) return;
    const messages: string[] = [];
    const fromSet = [...this.#pending].filter(([, p]) => p.kind === "set").map(([k]) => k);
    if (fromSet.length > 0) messages.push(this.#unknown(fromSet).message);
    for (const [name, p] of this.#pending) {
      if (p.kind === "yaml") {
        messages.push(`Error reading ${p.source}: ${this.#unknown([name]).message}`);
      }
    }
    throw new OptionsError(messages.join("\n"));
  }

  /**
   * Loads YAML config text (mitmproxy's `optmanager.load`) as one update. Errors name
   * `sourceName` and the offending key. Unknown keys throw, or with `defer` wait for their
   * option to be declared.
   */
  loadYaml(text: string, sourceName: string, opts: { defer?: boolean } = {}): Set<string> {
    const prefix = (msg: string) => new OptionsError(`Error reading ${sourceName}: ${msg}`);
    let data: Record<string, unknown>;
    try {
      data = parseConfigYaml(text);
    } catch (e) {
      throw prefix((e as Error).message);
    }
    const values: Record<string, unknown> = {};
    const unknown: string[] = [];
    for (const [name, raw] of Object.entries(data)) {
      const spec = this.#specs.get(name);
      if (spec) values[name] = coerceYamlValue(spec, raw);
      else unknown.push(name);
    }
    if (unknown.length > 0 && !opts.defer) throw prefix(this.#unknown(unknown).message);
    try {
      const changed = this.update(values);
      for (const name of unknown) {
        this.#pending.set(name, { kind: "yaml", value: data[name], source: sourceName });
      }
      return changed;
    } catch (e) {
      if (!(e instanceof OptionsError)) throw e;
      throw prefix(e.message);
    }
  }

  /**
   * Loads a YAML config file (`~` is expanded). A missing file is not an error: returns
   * false. See `loadYaml()`.
   */
  async loadFile(path: string, opts: { defer?: boolean } = {}): Promise<boolean> {
    const full = expandHome(path);
    let text: string;
    try {
      text = await Deno.readTextFile(full);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.IsADirectory) {
        return false;
      }
      throw new OptionsError(`Error reading ${full}: ${(e as Error).message}`);
    }
    this.loadYaml(text, full, opts);
    return true;
  }

  /** YAML of the options that differ from their defaults (all of them with `defaults`). */
  serialize(opts: { defaults?: boolean } = {}): string {
    const values = new Map<string, OptionValue>();
    for (const [name, value] of this.#values) {
      if (opts.defaults || this.hasChanged(name)) values.set(name, value);
    }
    return stringifyOptions(values);
  }

  /** An annotated YAML file of all defaults (mitmproxy's `dump_defaults`, `--options`). */
  dumpDefaults(): string {
    return dumpDefaultsYaml(this.specs());
  }

  /** Type, default, value, help and choices per option, sorted by name. */
  describe(names: readonly string[] = this.names()): Record<string, OptionDescription> {
    const out: Record<string, OptionDescription> = {};
    for (const name of [...names].sort()) {
      const spec = this.spec(name);
      out[name] = {
        type: spec.type,
        default: spec.default,
        value: this.get(name),
        help: spec.help,
        choices: spec.choices ?? null,
      };
    }
    return out;
  }

  #notify(changed: ReadonlySet<string>): void {
    let first: { error: unknown } | null = null;
    for (const { fn, names } of [...this.#subscribers]) {
      if (names && ![...changed].some((n) => names.has(n))) continue;
      try {
        fn(changed);
      } catch (error) {
        first ??= { error };
      }
    }
    if (first) throw first.error;
  }

  #unknown(names: readonly string[]): OptionsError {
    const parts = names.map((n) => `"${n}"${didYouMean(n, this.#specs.keys())}`);
    return new OptionsError(
      `Unknown option${names.length > 1 ? "s" : ""}: ${parts.join(", ")}`,
    );
  }
}

function expandHome(path: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? "";
  return home + path.slice(1);
}
