/**
 * The one piece of global state scripts see: `ctx` (mitmproxy's `ctx.options`, `ctx.log`).
 * The sandbox worker (or, for in-process scripts, the script addon) installs the context
 * under this key; `api/mod.ts` reads it. A registered symbol, so the two sides share it
 * without importing each other.
 */
import type { OptionValue } from "../../core/option_types.ts";

export const CTX_KEY: unique symbol = Symbol.for("mitmdeno.script.ctx") as never;

/** Log functions, one per level of `core/log.ts`. */
export interface ScriptLog {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  alert(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

/** Current option values by name; reading an unknown name throws. */
export type ScriptOptions = Readonly<Record<string, OptionValue>>;

export interface ScriptContext {
  readonly options: ScriptOptions;
  readonly log: ScriptLog;
}

/** Formats log arguments like `console.log` does: strings as is, other values inspected. */
export function formatLogArgs(args: readonly unknown[]): string {
  return args.map((a) => (typeof a === "string" ? a : Deno.inspect(a))).join(" ");
}

/** A read-only view of option values that throws a clear error for unknown names. */
export function optionsView(get: (name: string) => OptionValue | undefined): ScriptOptions {
  return new Proxy({}, {
    get(_target, key) {
      if (typeof key !== "string") return undefined;
      const value = get(key);
      if (value === undefined) throw new Error(`No such option: ${key}`);
      return value;
    },
    has(_target, key) {
      return typeof key === "string" && get(key) !== undefined;
    },
    set(_target, key) {
      throw new Error(`Options are read-only in scripts (tried to set ${String(key)})`);
    },
  }) as ScriptOptions;
}
