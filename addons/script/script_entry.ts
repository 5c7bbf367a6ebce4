/** What the script addon and its per-script runners (sandboxed, in process) share. */
import type { Addon, HookArgs, HookName } from "../../core/hooks.ts";
import type { Logger } from "../../core/log.ts";
import type { Options } from "../../core/options.ts";
import type { SandboxEnv } from "./sandbox_env.ts";
import type { ScriptSpec } from "./script_spec.ts";

/** The part of the addon manager the script addon uses (`AddonManager` implements it). */
export interface ScriptHost {
  register(addon: Addon): Addon;
  remove(addon: Addon): Promise<void>;
  refresh(): void;
  invoke<K extends HookName>(addon: Addon, name: K, ...args: HookArgs[K]): Promise<void>;
  readonly running: boolean;
}

/** Given to each runner by the script addon. */
export interface EntryContext {
  readonly logger: Logger;
  readonly options: Options;
  /** Seconds a hook may take before the script is stopped. */
  timeoutSeconds(): number;
  /** The sandbox process's V8 heap limit in MiB. */
  memoryMb(): number;
  sandboxEnv(): Promise<SandboxEnv>;
  /**
   * Makes `addon` the entry's registered addon (null: none). The previous one is removed
   * first (its `done` runs); the new one is registered, configured and, if the proxy is
   * running, started. Returns false if registering failed (logged).
   */
  install(entry: ScriptEntry, addon: Addon | null): Promise<boolean>;
  /** Runs `configure` (every option) and, if the proxy is running, `running` on `addon`. */
  start(addon: Addon): Promise<void>;
}

/** One loaded script. */
export interface ScriptEntry {
  readonly spec: ScriptSpec;
  /** The addon currently registered for it, if any. */
  addon: Addon | null;
  /** Loads the script (first time, or after the file changed). Never rejects. */
  load(): Promise<void>;
  /** Unloads it: `done`, then the sandbox is stopped. Never rejects. */
  stop(): Promise<void>;
}
