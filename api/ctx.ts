/**
 * `ctx`, as in mitmproxy: `ctx.options.<name>` reads an option (the script's own and the
 * proxy's), `ctx.log.info(...)` (and debug, alert, warn, error) writes to the proxy's log.
 * It works in the script's top-level code and in every hook.
 */
import {
  CTX_KEY,
  type ScriptContext,
  type ScriptLog,
  type ScriptOptions,
} from "../addons/script/ctx_key.ts";

export type { ScriptContext, ScriptLog, ScriptOptions };

function current(): ScriptContext {
  const installed = (globalThis as Record<symbol, unknown>)[CTX_KEY] as ScriptContext | undefined;
  if (installed === undefined) {
    throw new Error("ctx is only available in a script that mitmdeno loads (-s script.ts)");
  }
  return installed;
}

export const ctx: ScriptContext = {
  get options(): ScriptOptions {
    return current().options;
  },
  get log(): ScriptLog {
    return current().log;
  },
};
