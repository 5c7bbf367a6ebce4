/**
 * The addon manager (mitmproxy's `addonmanager.py`): registers addons in order, runs their
 * hooks, and wires `configure` into option updates.
 *
 * Rules, written once:
 * - Order: addons run in the order they were added; an addon's `addons` children run right
 *   after it, depth first (mitmproxy's `traverse`).
 * - Names are unique: `name`, else the lower-cased class name, else a generated `addonN`.
 * - `add()` calls `load(loader)` on the addon and its children, applies pending option values
 *   the new options unlock, and, once the proxy is running, calls `configure` with every
 *   option name on the new addons.
 * - An exception in a hook is logged as `Addon error in <name>.<hook>: <message>` plus the
 *   stack, and the next addon still runs. The exception: an `OptionsError` from `configure`
 *   during an option update rejects the update (it is rolled back and rethrown).
 * - After each addon, if the hook's first argument is a flow that has been killed
 *   (`flow.error.msg === "Connection killed."`), later addons are skipped for that hook.
 * - For each hook the list of implementing addons is computed once and reused until addons
 *   are added or removed, so a hook nobody implements costs one map lookup.
 */
import type { CommandFn, CommandManager, CommandSignature } from "./command.ts";
import { KILLED_MESSAGE } from "./flow/flow.ts";
import type { Addon, HookArgs, HookName, Loader } from "./hooks.ts";
import type { Logger } from "./log.ts";
import {
  normalizeHelp,
  OptionsError,
  type OptionSpec,
  type OptionTypeName,
  type OptionValue,
  optionValuesEqual,
} from "./option_types.ts";
import type { Options } from "./options.ts";

export interface AddonManagerDeps {
  options: Options;
  commands: CommandManager;
  logger: Logger;
}

export class AddonManagerError extends Error {
  override name = "AddonManagerError";
}

interface HandlerEntry {
  readonly addon: Addon;
  readonly name: string;
  readonly fn: (...args: unknown[]) => unknown;
}

const RESOLVED: Promise<void> = Promise.resolve();

export class AddonManager {
  readonly options: Options;
  readonly commands: CommandManager;
  readonly logger: Logger;
  #chain: Addon[] = [];
  #lookup = new Map<string, Addon>();
  #names = new WeakMap<Addon, string>();
  #commandsBy = new Map<Addon, Map<string, CommandFn>>();
  #handlers = new Map<HookName, readonly HandlerEntry[]>();
  #generated = 0;
  #running = false;

  constructor(deps: AddonManagerDeps) {
    this.options = deps.options;
    this.commands = deps.commands;
    this.logger = deps.logger;
    this.options.addValidator((updated) => this.#configure(this.#entries("configure"), updated));
  }

  /** The top-level addons, in order. */
  get chain(): readonly Addon[] {
    return this.#chain;
  }

  /** True once `running` has been triggered. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Adds addons to the end of the chain (see the rules at the top of this file). A failing
   * `load` or a rejected pending option value throws.
   */
  add(...addons: Addon[]): void {
    for (const addon of addons) {
      this.register(addon);
      this.#chain.push(addon);
      this.#handlers.clear();
      this.options.applyPending();
      if (this.#running) {
        this.#configureLogged(this.#collect([addon], "configure"), new Set(this.options.names()));
      }
    }
  }

  /**
   * Loads an addon and its children without putting it in the chain: for an addon that
   * manages children through its own `addons` array (it then adds this one there).
   */
  register(addon: Addon): Addon {
    this.#checkNames(traverse([addon]));
    try {
      this.#loadTree(addon, new Set());
    } catch (e) {
      for (const a of traverse([addon])) this.#dropCommands(a);
      const name = this.#nameOf(addon);
      throw new AddonManagerError(`Addon ${name} failed to load: ${errorText(e)}`, { cause: e });
    }
    const tree = traverse([addon]);
    this.#checkNames(tree);
    for (const a of tree) this.#lookup.set(this.#nameOf(a), a);
    this.#handlers.clear();
    return addon;
  }

  /** Removes an addon and its children (and the commands they added), then runs `done`. */
  async remove(addon: Addon): Promise<void> {
    const tree = traverse([addon]);
    for (const a of tree) {
      const name = this.#nameOf(a);
      if (this.#lookup.get(name) !== a) throw new AddonManagerError(`No such addon: ${name}`);
    }
    this.#chain = this.#chain.filter((a) => a !== addon);
    for (const a of tree) {
      this.#lookup.delete(this.#nameOf(a));
      this.#dropCommands(a);
    }
    this.#handlers.clear();
    await this.#run(this.#collect([addon], "done"), "done", []);
  }

  /** Removes every addon, running `done` on each. */
  async clear(): Promise<void> {
    for (const addon of [...this.#chain].reverse()) await this.remove(addon);
  }

  /** The addon registered under `name`. */
  get(name: string): Addon | undefined {
    return this.#lookup.get(name);
  }

  has(addonOrName: Addon | string): boolean {
    if (typeof addonOrName === "string") return this.#lookup.has(addonOrName);
    return this.#lookup.get(this.#nameOf(addonOrName)) === addonOrName;
  }

  /** Names of all registered addons, children included, in hook order. */
  names(): string[] {
    return traverse(this.#chain).map((a) => this.#nameOf(a));
  }

  /** The name an addon is (or would be) registered under. */
  nameOf(addon: Addon): string {
    return this.#nameOf(addon);
  }

  /** True if any registered addon implements the hook. */
  hasHook(name: HookName): boolean {
    return this.#entries(name).length > 0;
  }

  /**
   * Forgets the cached hook lists; call it after an addon changed its `addons` children or
   * its handlers while registered.
   */
  refresh(): void {
    this.#handlers.clear();
  }

  /** Runs a hook on every addon in order, awaiting async handlers. Never rejects. */
  trigger<K extends HookName>(name: K, ...args: HookArgs[K]): Promise<void> {
    if (name === "running") this.#running = true;
    const entries = this.#entries(name);
    if (entries.length === 0) return RESOLVED;
    return this.#runFrom(entries, 0, name, args) ?? RESOLVED;
  }

  /**
   * Like `trigger`, but returns undefined when every handler finished synchronously: the
   * per-request hooks of the built-in addons then cost no promise and no event-loop turn.
   */
  triggerSync<K extends HookName>(name: K, ...args: HookArgs[K]): Promise<void> | undefined {
    if (name === "running") this.#running = true;
    const entries = this.#entries(name);
    if (entries.length === 0) return undefined;
    return this.#runFrom(entries, 0, name, args);
  }

  /** Runs a hook on one addon and its children only (mitmproxy's `invoke_addon`). */
  invoke<K extends HookName>(addon: Addon, name: K, ...args: HookArgs[K]): Promise<void> {
    return this.#run(this.#collect([addon], name), name, args);
  }

  /**
   * Runs `configure` with every option name on all addons, synchronously (at startup, once
   * options are loaded). An `OptionsError` from an addon is thrown.
   */
  configureAll(): void {
    this.#configure(this.#entries("configure"), new Set(this.options.names()));
  }

  #run(entries: readonly HandlerEntry[], hook: HookName, args: unknown[]): Promise<void> {
    return this.#runFrom(entries, 0, hook, args) ?? RESOLVED;
  }

  /** Runs handlers from `start` on; goes async at the first handler that returns a promise. */
  #runFrom(
    entries: readonly HandlerEntry[],
    start: number,
    hook: HookName,
    args: unknown[],
  ): Promise<void> | undefined {
    const subject = args[0];
    for (let i = start; i < entries.length; i++) {
      const entry = entries[i];
      let result: unknown;
      try {
        result = entry.fn.apply(entry.addon, args);
      } catch (e) {
        this.#logError(entry.name, hook, e);
      }
      if (isThenable(result)) return this.#continueAfter(result, entries, i, hook, args);
      if (isKilled(subject)) return undefined;
    }
    return undefined;
  }

  async #continueAfter(
    pending: PromiseLike<unknown>,
    entries: readonly HandlerEntry[],
    index: number,
    hook: HookName,
    args: unknown[],
  ): Promise<void> {
    try {
      await pending;
    } catch (e) {
      this.#logError(entries[index].name, hook, e);
    }
    if (isKilled(args[0])) return;
    await this.#runFrom(entries, index + 1, hook, args);
  }

  #configure(entries: readonly HandlerEntry[], updated: ReadonlySet<string>): void {
    for (const entry of entries) {
      let result: unknown;
      try {
        result = entry.fn.call(entry.addon, updated);
      } catch (e) {
        if (e instanceof OptionsError) throw e;
        this.#logError(entry.name, "configure", e);
        continue;
      }
      if (isThenable(result)) {
        this.logger.error(
          `Addon error in ${entry.name}.configure: configure must be synchronous ` +
            `(it runs inside option updates, which cannot wait for it)`,
        );
        result.then(undefined, (e: unknown) => this.#logError(entry.name, "configure", e));
      }
    }
  }

  #configureLogged(entries: readonly HandlerEntry[], updated: ReadonlySet<string>): void {
    for (const entry of entries) {
      try {
        this.#configure([entry], updated);
      } catch (e) {
        this.#logError(entry.name, "configure", e);
      }
    }
  }

  #entries(hook: HookName): readonly HandlerEntry[] {
    let entries = this.#handlers.get(hook);
    if (entries === undefined) {
      entries = this.#collect(this.#chain, hook);
      this.#handlers.set(hook, entries);
    }
    return entries;
  }

  #collect(roots: readonly Addon[], hook: HookName): HandlerEntry[] {
    const out: HandlerEntry[] = [];
    for (const addon of traverse(roots)) {
      const fn: unknown = addon[hook];
      if (typeof fn === "function") {
        out.push({ addon, name: this.#nameOf(addon), fn: fn as HandlerEntry["fn"] });
      } else if (fn !== undefined) {
        throw new AddonManagerError(`Addon handler ${hook} (${this.#nameOf(addon)}) not callable`);
      }
    }
    return out;
  }

  #loadTree(addon: Addon, seen: Set<Addon>): void {
    if (seen.has(addon)) return;
    seen.add(addon);
    if (typeof addon.load === "function") {
      const result: unknown = addon.load.call(addon, this.#loader(addon));
      if (isThenable(result)) {
        result.then(undefined, () => {});
        throw new Error("load must be synchronous");
      }
    }
    for (const child of addon.addons ?? []) this.#loadTree(child, seen);
  }

  #loader(addon: Addon): Loader {
    const { options, logger, commands } = this;
    const registered = this.#commandsBy;
    return {
      options,
      logger,
      add_option(
        nameOrSpec: string | OptionSpec,
        type?: OptionTypeName,
        default_?: OptionValue,
        help?: string,
        choices?: readonly string[],
      ): void {
        const spec: OptionSpec = typeof nameOrSpec === "string"
          ? { name: nameOrSpec, type: type!, default: default_!, help: help ?? "", choices }
          : nameOrSpec;
        if (!options.has(spec.name)) return options.add(spec);
        if (sameDeclaration(options.spec(spec.name), spec)) return;
        logger.warn(`Over-riding existing option ${spec.name}`);
        options.add(spec, { replace: true });
      },
      add_command(path: string, fn: CommandFn, signature?: CommandSignature): void {
        commands.add(
          path,
          fn,
          signature ?? {
            args: Array.from(
              { length: fn.length },
              (_, i) => ({ name: `arg${i + 1}`, type: "str" }),
            ),
            help: "",
          },
        );
        if (!registered.has(addon)) registered.set(addon, new Map());
        registered.get(addon)!.set(path, fn);
      },
    };
  }

  #dropCommands(addon: Addon): void {
    for (const [path, fn] of this.#commandsBy.get(addon) ?? []) {
      // Only if nobody has replaced it since.
      if (this.commands.fn(path) === fn) this.commands.remove(path);
    }
    this.#commandsBy.delete(addon);
  }

  #checkNames(tree: readonly Addon[]): void {
    const seen = new Set<string>();
    for (const a of tree) {
      const name = this.#nameOf(a);
      const existing = this.#lookup.get(name);
      if ((existing !== undefined && existing !== a) || seen.has(name)) {
        throw new AddonManagerError(`An addon called '${name}' already exists.`);
      }
      seen.add(name);
    }
  }

  #nameOf(addon: Addon): string {
    let name = this.#names.get(addon);
    if (name === undefined) {
      const ctor = (addon as { constructor?: { name?: string } }).constructor?.name;
      if (typeof addon.name === "string" && addon.name !== "") name = addon.name;
      else if (ctor && ctor !== "Object") name = ctor.toLowerCase();
      else name = `addon${++this.#generated}`;
      this.#names.set(addon, name);
    }
    return name;
  }

  #logError(addon: string, hook: string, error: unknown): void {
    let text = errorText(error);
    if (error instanceof Error && error.stack) {
      const header = String(error);
      const frames = error.stack.startsWith(header)
        ? error.stack.slice(header.length).replace(/^\n/, "")
        : error.stack;
      if (frames) text += `\n${frames}`;
    }
    this.logger.error(`Addon error in ${addon}.${hook}: ${text}`);
  }
}

/** The addon and its children, depth first (each addon once). */
function traverse(roots: readonly Addon[], seen = new Set<Addon>()): Addon[] {
  const out: Addon[] = [];
  for (const addon of roots) {
    if (seen.has(addon)) continue;
    seen.add(addon);
    out.push(addon, ...traverse(addon.addons ?? [], seen));
  }
  return out;
}

function sameDeclaration(a: OptionSpec, b: OptionSpec): boolean {
  const choices = (c?: readonly string[]) => (c ? c.join("\0") : null);
  return a.type === b.type && optionValuesEqual(a.default, b.default) &&
    normalizeHelp(a.help) === normalizeHelp(b.help) && choices(a.choices) === choices(b.choices);
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.name === "Error" ? error.message : `${error.name}: ${error.message}`;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}

function isKilled(subject: unknown): boolean {
  if (typeof subject !== "object" || subject === null || !("error" in subject)) return false;
  const error = (subject as { error?: { msg?: unknown } | null }).error;
  return error?.msg === KILLED_MESSAGE;
}
