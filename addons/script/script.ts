/**
 * The `script` addon (mitmproxy's `addons/script.py`): loads user scripts given with `-s`
 * (the `scripts` option), each in its own permission sandbox unless trusted, and reloads
 * them when their file changes.
 *
 * Rules, written once:
 * - `scripts` values are `path [--allow-NAME[=list] ...] [--inprocess]` (`script_spec.ts`).
 *   A bad value, a duplicate or a missing file rejects the option update.
 * - Each script is one entry: a `SandboxedScript` (default) or an `InprocessScript`. Its
 *   addon (when loaded) is one of this addon's children, in `scripts` order, so it gets
 *   hooks right after this addon, like mitmproxy's script children.
 * - Loading is asynchronous; `whenLoaded()` resolves when every script configured so far
 *   has loaded or failed (a tool awaits it before checking for unknown `--set` options).
 * - Each script's grants are logged when it is loaded (at `running` for scripts given at
 *   start-up, so the terminal log shows them).
 * - The files are polled once a second; a changed mtime reloads the script.
 */
import type { Addon, Loader } from "../../core/hooks.ts";
import type { Logger } from "../../core/log.ts";
import { defineOption, OptionsError, type OptionValue } from "../../core/option_types.ts";
import type { Options } from "../../core/options.ts";
import { CTX_KEY, formatLogArgs, optionsView, type ScriptContext } from "./ctx_key.ts";
import { InprocessScript } from "./inprocess_script.ts";
import { SandboxedScript } from "./sandboxed_script.ts";
import { SandboxEnv } from "./sandbox_env.ts";
import type { EntryContext, ScriptEntry, ScriptHost } from "./script_entry.ts";
import {
  describeGrants,
  parseScriptSpec,
  type ScriptSpec,
  ScriptSpecError,
} from "./script_spec.ts";

export type { ScriptHost } from "./script_entry.ts";

export const SCRIPTS = defineOption({
  name: "scripts",
  type: "sequence of str",
  default: [],
  help: "Execute a script: a path, then the permissions it gets, written like Deno's flags " +
    "(--allow-net=host:port,..., --allow-read=path, --allow-write, --allow-env=VAR, " +
    "--allow-run, --allow-sys, --allow-ffi; none by default), or --inprocess for a trusted " +
    "script. May be passed multiple times.",
});

export const SCRIPT_TIMEOUT = defineOption({
  name: "script_timeout",
  type: "int",
  default: 10,
  help: "Seconds a sandboxed script's hook may run before the script is stopped and " +
    "restarted (the flow continues unchanged).",
});

export const SCRIPT_INPROCESS = defineOption({
  name: "script_inprocess",
  type: "bool",
  default: false,
  help: "Run every script inside the proxy process with all of its permissions, without a " +
    "sandbox. Only for scripts you trust.",
});

export const SCRIPT_MEMORY_LIMIT = defineOption({
  name: "script_memory_limit",
  type: "int",
  default: 1024,
  help: "V8 heap limit of each sandboxed script's process, in MiB.",
});

const POLL_MS = 1000;

export class ScriptLoader {
  readonly name = "script";
  /** The loaded scripts' addons, in `scripts` order. */
  addons: Addon[] = [];
  readonly #host: ScriptHost;
  #options: Options | null = null;
  #logger: Logger | null = null;
  #entries: ScriptEntry[] = [];
  readonly #mtimes = new Map<ScriptEntry, number>();
  #unannounced: ScriptSpec[] = [];
  #env: Promise<SandboxEnv> | null = null;
  #loading: Promise<void> = Promise.resolve();
  #poll: ReturnType<typeof setInterval> | null = null;
  #polling = false;
  #ctxInstalled = false;

  constructor(host: ScriptHost) {
    this.#host = host;
  }

  load(loader: Loader): void {
    this.#options = loader.options;
    this.#logger = loader.logger;
    for (const spec of [SCRIPTS, SCRIPT_TIMEOUT, SCRIPT_INPROCESS, SCRIPT_MEMORY_LIMIT]) {
      loader.add_option(spec as Parameters<Loader["add_option"]>[0]);
    }
  }

  configure(updated: ReadonlySet<string>): void {
    const options = this.#options!;
    if (updated.has(SCRIPT_TIMEOUT.name) && options.get(SCRIPT_TIMEOUT) < 1) {
      throw new OptionsError("script_timeout must be at least 1 (second)");
    }
    if (updated.has(SCRIPT_MEMORY_LIMIT.name) && options.get(SCRIPT_MEMORY_LIMIT) < 16) {
      throw new OptionsError("script_memory_limit must be at least 16 (MiB)");
    }
    if (!updated.has(SCRIPTS.name) && !updated.has(SCRIPT_INPROCESS.name)) return;
    const specs = this.#parse(options.get(SCRIPTS));
    const keep = new Map(this.#entries.map((e) => [this.#key(e.spec), e]));
    const next: ScriptEntry[] = [];
    const started: ScriptEntry[] = [];
    for (const spec of specs) {
      const existing = keep.get(this.#key(spec));
      keep.delete(this.#key(spec));
      if (existing !== undefined) {
        next.push(existing);
        continue;
      }
      const entry = this.#inprocess(spec)
        ? new InprocessScript(spec, this.#context())
        : new SandboxedScript(spec, this.#context());
      next.push(entry);
      started.push(entry);
    }
    for (const gone of keep.values()) {
      this.#mtimes.delete(gone);
      void gone.stop();
    }
    this.#entries = next;
    this.#sync();
    for (const entry of started) {
      this.#mtimes.set(entry, mtimeSync(entry.spec.absPath));
      this.#unannounced.push(entry.spec);
    }
    if (this.#host.running) this.#announce();
    this.#loading = Promise.all([this.#loading, ...started.map((e) => e.load())]).then(() => {});
    if (this.#entries.length > 0) this.#startPolling();
  }

  running(): void {
    this.#announce();
  }

  /** Resolves once every script configured so far has loaded (or failed to). */
  whenLoaded(): Promise<void> {
    return this.#loading;
  }

  async done(): Promise<void> {
    if (this.#poll !== null) clearInterval(this.#poll);
    this.#poll = null;
    const entries = this.#entries;
    this.#entries = [];
    await Promise.all(entries.map((e) => e.stop()));
    this.#sync();
    const env = this.#env;
    this.#env = null;
    await env?.then((e) => e.dispose(), () => {});
    if (this.#ctxInstalled) delete (globalThis as Record<symbol, unknown>)[CTX_KEY];
  }

  #key(spec: ScriptSpec): string {
    return `${this.#inprocess(spec)}\0${spec.spec}`;
  }

  #inprocess(spec: ScriptSpec): boolean {
    return spec.inprocess || this.#options!.get(SCRIPT_INPROCESS);
  }

  #parse(values: readonly string[]): ScriptSpec[] {
    const cwd = Deno.cwd();
    const seen = new Set<string>();
    return values.map((value) => {
      let spec: ScriptSpec;
      try {
        spec = parseScriptSpec(value, cwd);
      } catch (e) {
        if (e instanceof ScriptSpecError) throw new OptionsError(`Invalid script: ${e.message}`);
        throw e;
      }
      if (seen.has(spec.absPath)) throw new OptionsError(`Duplicate script: ${spec.path}`);
      seen.add(spec.absPath);
      try {
        if (!Deno.statSync(spec.absPath).isFile) throw new Deno.errors.NotFound();
      } catch {
        throw new OptionsError(`No such script: ${spec.path}`);
      }
      return spec;
    });
  }

  #announce(): void {
    for (const spec of this.#unannounced) {
      const how = this.#inprocess(spec)
        ? "in process, with all of the proxy's permissions"
        : `sandboxed, permissions: ${describeGrants(spec.grants)}`;
      this.#logger!.info(`Loading script ${spec.path} (${how})`);
    }
    this.#unannounced = [];
  }

  #sync(): void {
    this.addons = this.#entries.flatMap((e) => (e.addon === null ? [] : [e.addon]));
    this.#host.refresh();
  }

  #context(): EntryContext {
    const options = this.#options!;
    const logger = this.#logger!;
    if (!this.#ctxInstalled) this.#installCtx(options, logger);
    return {
      logger,
      options,
      timeoutSeconds: () => options.get(SCRIPT_TIMEOUT),
      memoryMb: () => options.get(SCRIPT_MEMORY_LIMIT),
      sandboxEnv: () => {
        this.#env ??= SandboxEnv.create();
        const env = this.#env;
        env.catch(() => {
          if (this.#env === env) this.#env = null;
        });
        return env;
      },
      install: (entry, addon) => this.#install(entry, addon),
      start: (addon) => this.#start(addon),
    };
  }

  /** `ctx` for in-process scripts (sandboxed ones get theirs inside the worker). */
  #installCtx(options: Options, logger: Logger): void {
    const log = (level: "debug" | "info" | "alert" | "warn" | "error") => (...a: unknown[]) =>
      logger.log(level, formatLogArgs(a));
    const ctx: ScriptContext = {
      options: optionsView((n) => (options.has(n) ? options.get<OptionValue>(n) : undefined)),
      log: {
        debug: log("debug"),
        info: log("info"),
        alert: log("alert"),
        warn: log("warn"),
        error: log("error"),
      },
    };
    (globalThis as Record<symbol, unknown>)[CTX_KEY] = ctx;
    this.#ctxInstalled = true;
  }

  async #install(entry: ScriptEntry, addon: Addon | null): Promise<boolean> {
    const prev = entry.addon;
    if (prev !== null) {
      entry.addon = null;
      this.#sync();
      await this.#host.remove(prev).catch((e) => this.#logger!.error(`${errorText(e)}`));
    }
    if (addon === null) return true;
    try {
      this.#host.register(addon);
    } catch (e) {
      this.#logger!.error(`Script ${entry.spec.path} failed to load: ${errorText(e)}`);
      return false;
    }
    entry.addon = addon;
    this.#sync();
    try {
      this.#options!.applyPending();
    } catch (e) {
      this.#logger!.error(`Script ${entry.spec.path}: ${errorText(e)}`);
    }
    await this.#start(addon);
    return true;
  }

  async #start(addon: Addon): Promise<void> {
    await this.#host.invoke(addon, "configure", new Set(this.#options!.names()));
    if (this.#host.running) await this.#host.invoke(addon, "running");
  }

  #startPolling(): void {
    if (this.#poll !== null) return;
    this.#poll = setInterval(() => void this.#checkFiles(), POLL_MS);
  }

  async #checkFiles(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const entry of this.#entries) {
        const mtime = await Deno.stat(entry.spec.absPath).then((s) => s.mtime?.getTime() ?? 0)
          .catch(() => null);
        if (mtime === null || mtime === this.#mtimes.get(entry)) continue;
        this.#mtimes.set(entry, mtime);
        this.#logger!.info(`Reloading script ${entry.spec.path}`);
        void entry.load();
      }
    } finally {
      this.#polling = false;
    }
  }
}

function mtimeSync(path: string): number {
  try {
    return Deno.statSync(path).mtime?.getTime() ?? 0;
  } catch {
    return 0;
  }
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return e.name === "Error" || e.name === "AddonManagerError"
    ? e.message
    : `${e.name}: ${e.message}`;
}
