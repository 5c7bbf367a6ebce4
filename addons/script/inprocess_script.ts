/**
 * A trusted script run inside the proxy (`--inprocess` in its `-s` value, or the
 * `script_inprocess` option): imported with a dynamic `import()`, its addons registered like
 * built-in ones. It has all of the proxy's permissions, sees live flows, may use every hook
 * (TLS and `next_layer` included), and cannot be stopped if it hangs.
 *
 * Reload imports the file again under a new URL (`?mtime=`); modules it imports are not
 * reloaded. `import ... from "mitmdeno"` resolves through the proxy's own import map, which
 * needs `"mitmdeno": "./api/mod.ts"` in deno.json.
 */
import type { Addon } from "../../core/hooks.ts";
import type { EntryContext, ScriptEntry } from "./script_entry.ts";
import { addonsFromModule } from "./script_exports.ts";
import type { ScriptSpec } from "./script_spec.ts";

export class InprocessScript implements ScriptEntry {
  addon: Addon | null = null;
  readonly #ctx: EntryContext;
  #queue: Promise<void> = Promise.resolve();

  constructor(readonly spec: ScriptSpec, ctx: EntryContext) {
    this.#ctx = ctx;
  }

  load(): Promise<void> {
    this.#queue = this.#queue.then(() => this.#load());
    return this.#queue;
  }

  async stop(): Promise<void> {
    await this.#queue;
    await this.#ctx.install(this, null);
  }

  async #load(): Promise<void> {
    const path = this.spec.path;
    let addons: Addon[];
    try {
      const stat = await Deno.stat(this.spec.absPath);
      const url = new URL(`file://${this.spec.absPath}`);
      url.searchParams.set("mtime", String(stat.mtime?.getTime() ?? Date.now()));
      const module = await import(url.href);
      addons = addonsFromModule(module) as Addon[];
    } catch (e) {
      let msg = e instanceof Error
        ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}`
        : String(e);
      if (msg.includes('"mitmdeno"')) {
        msg += ` (in-process scripts resolve "mitmdeno" through the proxy's deno.json imports: ` +
          `add "mitmdeno": "./api/mod.ts" there, or import api/mod.ts by path)`;
      }
      this.#ctx.logger.error(`Script ${path} failed to load: ${msg}`);
      await this.#ctx.install(this, null);
      return;
    }
    addons.forEach((a, i) => {
      // Name plain objects after the script, so hook errors say where they come from.
      if (a.name === undefined && Object.getPrototypeOf(a) === Object.prototype) {
        a.name = addons.length > 1 ? `${path}[${i}]` : `${path} (addon)`;
      }
    });
    await this.#ctx.install(this, { name: path, addons });
  }
}
