/** A master with the script addon, a temp dir for scripts, and the log, for script tests. */
import { defaultAddons } from "../../../addons/default_addons.ts";
import { ScriptLoader } from "../../../addons/script/script.ts";
import type { LogEntry } from "../../../core/log.ts";
import { Master } from "../../../core/master.ts";

export class ScriptHarness {
  readonly master = new Master();
  readonly loader: ScriptLoader;
  readonly logs: LogEntry[] = [];

  private constructor(readonly dir: string, proxy: boolean) {
    this.master.logger.subscribe((e) => this.logs.push(e));
    if (proxy) {
      // The default addons include the script loader, as in the tools.
      this.master.addons.add(...defaultAddons(this.master.addons));
      this.loader = this.master.addons.get("script") as ScriptLoader;
    } else {
      this.loader = new ScriptLoader(this.master.addons);
      this.master.addons.add(this.loader);
    }
  }

  /** With `proxy`, the default addons (proxy server included) come first, as in the tools. */
  static async create(
    options: Record<string, unknown> = {},
    { proxy = false } = {},
  ): Promise<ScriptHarness> {
    const dir = await Deno.makeTempDir({ prefix: "mitmdeno-script-test-" });
    const h = new ScriptHarness(dir, proxy);
    h.master.options.update(options);
    return h;
  }

  /** Writes a script into the temp dir; returns its path. */
  write(name: string, source: string): string {
    const path = `${this.dir}/${name}`;
    Deno.writeTextFileSync(path, source);
    return path;
  }

  /** Sets `scripts` and waits until they are loaded. */
  async load(...scripts: string[]): Promise<void> {
    this.master.options.update({ scripts });
    await this.loader.whenLoaded();
  }

  messages(level?: LogEntry["level"]): string[] {
    return this.logs.filter((e) => level === undefined || e.level === level).map((e) => e.msg);
  }

  errors(): string[] {
    return this.messages("error");
  }

  /** Waits until a log line matches (polling), or fails after `ms`. */
  async waitForLog(re: RegExp, ms = 10_000): Promise<string> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const hit = this.logs.find((e) => re.test(e.msg));
      if (hit) return hit.msg;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no log line matched ${re}; log:\n${this.messages().join("\n")}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.master.addons.trigger("done");
    await Deno.remove(this.dir, { recursive: true });
  }
}

/** Bumps a file's mtime so the 1 s poll sees a change even within the same second. */
export async function touchLater(path: string, source: string): Promise<void> {
  const before = (await Deno.stat(path)).mtime!.getTime();
  await Deno.writeTextFile(path, source);
  const t = new Date(before + 2000);
  await Deno.utime(path, t, t);
}
