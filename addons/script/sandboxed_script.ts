/**
 * One sandboxed script: its sandbox process, the proxy-side addon standing in for it, hot
 * reload, restarts and error reports.
 *
 * Rules, written once:
 * - The proxy-side addon has exactly the hooks the script defines (as `ready` listed them).
 *   Each hook sends the flow's state, waits for the reply and applies the changes
 *   (`apply_state.ts`); a reply that does not validate is reported and the flow is left
 *   as it was.
 * - A version is one load of the file. Reload (the file changed) starts a new version; the
 *   old addon is removed (its `done` runs) and its process retires once its in-flight calls
 *   are answered. A script that fails to load is reported and has no addon until the file
 *   changes again (like mitmproxy).
 * - A hang or a crash restarts the same version: calls arriving meanwhile wait for the
 *   restart. After `MAX_FAILURES` failures in a row (no successful call in between) the
 *   script is unloaded until the file changes.
 * - Every problem is logged with the script's path. The same error from the same hook is
 *   logged once per version; repeats go to the debug log with a count.
 */
import { type Client, type Server } from "../../core/flow/connection.ts";
import { Flow } from "../../core/flow/flow.ts";
import { StateError, type StateValue } from "../../core/flow/state.ts";
import type { Addon } from "../../core/hooks.ts";
import type { LogLevel } from "../../core/log.ts";
import type { OptionTypeName, OptionValue } from "../../core/option_types.ts";
import type { CommandArgType, CommandReturnType } from "../../core/command.ts";
import { applyClientState, applyFlowState, applyServerState } from "./apply_state.ts";
import { writeCall, writeCommand, writeFlowCall } from "./call_message.ts";
import type { EntryContext, ScriptEntry } from "./script_entry.ts";
import { SANDBOX_HOOKS } from "./hook_kinds.ts";
import {
  type ErrorInfo,
  type FlowRuntime,
  isPermissionError,
  type ReadyMessage,
  type ReplyMessage,
} from "./protocol.ts";
import { CallAborted, type CallWriter, formatError, SandboxProcess } from "./sandbox_process.ts";
import { describeGrants, type ScriptSpec } from "./script_spec.ts";

export const MAX_FAILURES = 3;

interface Version {
  proc: SandboxProcess | null;
  restart: Promise<void> | null;
  readonly hooks: string;
}

type Handler = (...args: never[]) => unknown;

export class SandboxedScript implements ScriptEntry {
  addon: Addon | null = null;
  readonly #ctx: EntryContext;
  readonly #procs = new Set<SandboxProcess>();
  readonly #reported = new Map<string, number>();
  #current: Version | null = null;
  #queue: Promise<void> = Promise.resolve();
  #failures = 0;
  #stopped = false;
  readonly #unsubscribe: () => void;

  constructor(readonly spec: ScriptSpec, ctx: EntryContext) {
    this.#ctx = ctx;
    this.#unsubscribe = ctx.options.subscribe((changed) => {
      this.#current?.proc?.post({ t: "options", values: this.#values(changed) });
    });
  }

  load(): Promise<void> {
    return this.#enqueue(() => this.#load());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe();
    await this.#queue;
    await this.#ctx.install(this, null);
    await Promise.all([...this.#procs].map((p) => p.stop()));
  }

  #enqueue(op: () => Promise<void>): Promise<void> {
    const next = this.#queue.then(op).catch((e) => {
      this.#log("error", `Script ${this.spec.path}: internal error: ${formatError(errInfo(e))}`);
    });
    this.#queue = next;
    return next;
  }

  #values(names: Iterable<string>): Record<string, OptionValue> {
    const out: Record<string, OptionValue> = {};
    for (const n of names) if (this.#ctx.options.has(n)) out[n] = this.#ctx.options.get(n);
    return out;
  }

  #log(level: LogLevel, msg: string): void {
    this.#ctx.logger.log(level, msg);
  }

  /** Logs once per version and key; repeats go to the debug log with a count. */
  #once(key: string, level: LogLevel, msg: string): void {
    const n = (this.#reported.get(key) ?? 0) + 1;
    this.#reported.set(key, n);
    if (n === 1) this.#log(level, msg);
    else this.#log("debug", `${msg.split("\n")[0]} (repeated, ${n} times)`);
  }

  #reportError(hook: string, e: ErrorInfo): void {
    const path = this.spec.path;
    const msg = isPermissionError(e)
      ? `Script ${path}: ${hook} was refused a permission: ${e.message} ` +
        `(granted: ${describeGrants(this.spec.grants)}; grant more in its -s value, ` +
        `e.g. -s '${path} --allow-read=/some/dir')`
      : `Script ${path}: error in ${hook}: ${formatError(e)}`;
    this.#once(`${hook}\0${e.name}\0${e.message}`, "error", msg);
  }

  #report(hook: string, reply: ReplyMessage): void {
    for (const e of reply.errors) this.#reportError(hook, e);
    for (const w of reply.warnings) this.#once(`w\0${w}`, "warn", `Script ${this.spec.path}: ${w}`);
  }

  #rejected(hook: string, why: string): void {
    this.#once(
      `invalid\0${hook}\0${why}`,
      "error",
      `Script ${this.spec.path}: ${hook} returned an invalid flow (${why}); the flow was not changed`,
    );
  }

  async #start(version: Version): Promise<SandboxProcess> {
    const holder: { proc?: SandboxProcess } = {};
    const proc = await SandboxProcess.start({
      env: await this.#ctx.sandboxEnv(),
      script: this.spec,
      timeoutMs: this.#ctx.timeoutSeconds() * 1000,
      memoryMb: this.#ctx.memoryMb(),
      options: this.#values(this.#ctx.options.names()),
      events: {
        log: (level, msg) => this.#log(level, msg),
        uncaught: (e) => this.#reportError("code outside a hook", e),
        failed: (reason) => this.#onFailed(version, holder.proc!, reason),
      },
    });
    holder.proc = proc;
    this.#procs.add(proc);
    void proc.exited.then(() => this.#procs.delete(proc));
    for (const w of proc.ready.warnings) this.#log("warn", `Script ${this.spec.path}: ${w}`);
    return proc;
  }

  async #load(): Promise<void> {
    if (this.#stopped) return;
    const old = this.#current;
    const version: Version = { proc: null, restart: null, hooks: "" };
    let proc: SandboxProcess;
    try {
      proc = await this.#start(version);
    } catch (e) {
      this.#log("error", `Script ${this.spec.path} failed to load: ${errInfo(e).message}`);
      this.#current = null;
      await this.#ctx.install(this, null);
      retire(old);
      return;
    }
    if (this.#stopped) {
      await proc.stop();
      return;
    }
    const next: Version = { ...version, proc, hooks: [...proc.ready.hooks].sort().join() };
    // The failure handler holds `version`; make it see the one we install.
    Object.assign(version, next);
    this.#current = version;
    this.#failures = 0;
    this.#reported.clear();
    const ok = await this.#ctx.install(this, this.#makeAddon(version, proc.ready));
    retire(old);
    if (!ok) {
      this.#current = null;
      await proc.stop();
    }
  }

  #onFailed(version: Version, proc: SandboxProcess, reason: string): void {
    if (this.#stopped) return;
    const path = this.spec.path;
    if (version !== this.#current || version.proc !== proc) {
      // A retired version, still answering calls that were in flight at reload.
      this.#log("error", `Script ${path} (previous version): ${reason}.`);
      return;
    }
    version.proc = null;
    this.#failures++;
    if (this.#failures >= MAX_FAILURES) {
      this.#log(
        "error",
        `Script ${path}: ${reason}. Unloaded after ${MAX_FAILURES} failures in a row; ` +
          `it loads again when the file changes.`,
      );
      void this.#enqueue(() => this.#ctx.install(this, null).then(() => {}));
      return;
    }
    this.#log("error", `Script ${path}: ${reason}; restarting it (the flows go on unchanged).`);
    version.restart = this.#enqueue(() => this.#restart(version));
  }

  async #restart(version: Version): Promise<void> {
    try {
      if (this.#stopped || this.#current !== version) return;
      let proc: SandboxProcess;
      try {
        proc = await this.#start(version);
      } catch (e) {
        this.#log("error", `Script ${this.spec.path} failed to restart: ${errInfo(e).message}`);
        await this.#ctx.install(this, null);
        return;
      }
      if ([...proc.ready.hooks].sort().join() !== version.hooks) {
        // The file changed under us: the hook set differs, so this is a reload.
        await proc.stop();
        version.restart = null;
        await this.#load();
        return;
      }
      version.proc = proc;
      // A fresh worker: it needs configure (and running) like a first load.
      if (this.addon !== null) await this.#ctx.start(this.addon);
    } finally {
      version.restart = null;
    }
  }

  async #call(version: Version, hook: string, write: CallWriter) {
    if (version.restart !== null) await version.restart;
    const proc = version.proc;
    if (proc === null || !proc.alive) return null;
    try {
      const reply = await proc.call(hook, write);
      this.#failures = 0;
      return reply;
    } catch (e) {
      if (e instanceof CallAborted) return null;
      throw e;
    }
  }

  #makeAddon(version: Version, ready: ReadyMessage): Addon {
    const addon: Record<string, unknown> = {
      name: this.spec.path,
      load: (loader: Parameters<NonNullable<Addon["load"]>>[0]) => {
        for (const o of ready.options) {
          loader.add_option({
            name: o.name,
            type: o.type as OptionTypeName,
            default: o.default as OptionValue,
            help: o.help,
            choices: o.choices ?? undefined,
          });
        }
        for (const c of ready.commands) {
          loader.add_command(
            c.path,
            (...args: unknown[]) => this.#command(version, c.path, args),
            {
              args: c.args.map((a) => ({
                name: a.name,
                type: a.type as CommandArgType,
                optional: a.optional,
                variadic: a.variadic,
              })),
              returns: (c.returns ?? undefined) as CommandReturnType | undefined,
              help: c.help,
            },
          );
        }
      },
    };
    for (const hook of ready.hooks) {
      const kind = SANDBOX_HOOKS[hook];
      if (kind !== undefined) addon[hook] = this.#handler(version, hook, kind);
    }
    return addon as Addon;
  }

  #handler(version: Version, hook: string, kind: string): Handler {
    const call = (msg: Record<string, unknown>) =>
      this.#call(version, hook, (w, id) => writeCall(w, id, hook, msg));
    switch (kind) {
      case "flow":
        return async (flow: Flow) => {
          const reply = await this.#call(
            version,
            hook,
            (w, id) => writeFlowCall(w, id, hook, flow),
          );
          if (reply === null) return;
          this.#report(hook, reply);
          if (reply.invalid !== null) return this.#rejected(hook, reply.invalid);
          if (!reply.changed) return;
          const rt = (reply.rt ?? {}) as Partial<FlowRuntime>;
          this.#apply(hook, () => applyFlowState(flow, reply.state as StateValue, rt));
        };
      case "client":
        return async (client: Client) => {
          const reply = await call({ client: client.getState() });
          if (reply === null) return;
          this.#report(hook, reply);
          if (reply.changed) {
            this.#apply(hook, () => applyClientState(client, reply.state as StateValue));
          }
        };
      case "server":
        return async (data: { server: Server; client: Client }) => {
          const reply = await call({
            server: data.server.getState(),
            client: data.client.getState(),
          });
          if (reply === null) return;
          this.#report(hook, reply);
          if (reply.changed) {
            this.#apply(hook, () => applyServerState(data, reply.state as StateValue, hook));
          }
        };
      case "configure":
        // configure must return at once (it runs inside option updates): fire and report.
        return (updated: ReadonlySet<string>) => {
          void call({ updated: [...updated], values: this.#values(updated) }).then((r) => {
            if (r !== null) this.#report(hook, r);
          });
        };
      default:
        return async () => {
          const reply = await call({});
          if (reply !== null) this.#report(hook, reply);
        };
    }
  }

  #apply(hook: string, apply: () => void): void {
    try {
      apply();
    } catch (e) {
      if (!(e instanceof StateError || e instanceof TypeError)) throw e;
      this.#rejected(hook, e.message);
    }
  }

  async #command(version: Version, path: string, args: unknown[]): Promise<unknown> {
    const reply = await this.#call(
      version,
      `command ${path}`,
      (w, id) => writeCommand(w, id, path, args),
    );
    if (reply === null) throw new Error(`Script ${this.spec.path} is not running`);
    if (reply.errors.length > 0) {
      throw new Error(`Script ${this.spec.path}: ${formatError(reply.errors[0])}`);
    }
    if (reply.invalid !== null) throw new Error(`Script ${this.spec.path}: ${reply.invalid}`);
    return reply.result;
  }
}

/** Lets the old version's process finish its in-flight calls, then exit. */
function retire(version: Version | null): void {
  const proc = version?.proc;
  if (version) version.proc = null;
  proc?.retire();
}

function errInfo(e: unknown): ErrorInfo {
  return e instanceof Error
    ? { name: e.name, message: e.message, stack: e.stack ?? "" }
    : { name: "Error", message: String(e), stack: "" };
}
