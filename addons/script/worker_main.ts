/**
 * The runtime inside a script's sandbox worker. The sandbox process starts the worker from
 * a two-line module: `import { boot } from "<this file>"; boot(() => import("<script>"))`.
 *
 * Rules, written once:
 * - Nothing runs before `init`: it brings the option values, so `ctx.options` works even
 *   in the script's top-level code. Then the script is imported and each addon's `load`
 *   runs with a loader that records options and commands; `ready` lists the hooks defined.
 * - Hook calls (`worker_hooks.ts`) run concurrently: an awaiting hook delays only its own
 *   flow. Frames come and go through `worker_channel.ts` (stdin and stdout, read and written
 *   by this worker); when stdin ends the process is told to exit.
 * - Errors in handlers are collected and sent with the reply; uncaught errors outside a
 *   hook are reported too, and the worker keeps running.
 * - `console.*` goes to the proxy's log, not to stdout (which carries the channel).
 */
import { isOptionTypeName, type OptionValue } from "../../core/option_types.ts";
import { CTX_KEY, formatLogArgs, optionsView, type ScriptContext } from "./ctx_key.ts";
import { readFlow } from "./flow_reader.ts";
import { INPROCESS_ONLY_HOOKS, SANDBOX_HOOKS } from "./hook_kinds.ts";
import { type CommandDecl, EXIT_MESSAGE, type OptionDecl, toErrorInfo } from "./protocol.ts";
import { addonsFromModule } from "./script_exports.ts";
import type { WireValue } from "./wire.ts";
import { WireReader } from "./wire_reader.ts";
import {
  callHook,
  type Incoming,
  type Reply,
  runCommand,
  type WorkerRuntime,
  writeReply,
} from "./worker_hooks.ts";
import { WorkerChannel } from "./worker_channel.ts";

interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(
    type: string,
    fn: (e: Event & { error?: unknown; reason?: unknown }) => void,
  ): void;
}

type Fn = (...args: unknown[]) => unknown;

interface CommandSignatureInput {
  args?: { name: string; type: string; optional?: boolean; variadic?: boolean }[];
  returns?: string;
  help?: string;
}

interface Runtime extends WorkerRuntime {
  load: () => Promise<unknown>;
}

const scope = globalThis as unknown as WorkerScope;

let channel: WorkerChannel | null = null;

function send(message: unknown): void {
  channel?.send((w) => w.value(message));
}

function log(level: string, msg: string): void {
  send({ t: "log", level, msg });
}

/** Reads a frame; a flow in it is built at once, keeping the encoding of its fields. */
function decodeIncoming(frame: Uint8Array): Incoming {
  const r = WireReader.frame(frame);
  const n = r.dict();
  const m: Record<string, WireValue> = {};
  let flow: Incoming["flow"] = null;
  for (let i = 0; i < n; i++) {
    const key = r.key();
    if (key !== "flow") m[key] = r.value(1);
    else {
      const start = r.pos;
      try {
        flow = readFlow(r);
      } catch (e) {
        // A flow the sandbox cannot rebuild (a type it does not know): the call says so.
        flow = { error: e };
        r.seek(start);
        r.skip();
      }
    }
  }
  r.finish();
  return { m, flow };
}

/** Installs `ctx`, `console` and the error listeners, then waits for `init`. */
export function boot(load: () => Promise<unknown>): void {
  const rt: Runtime = { name: "script", addons: [], options: {}, commands: new Map(), load };
  const context: ScriptContext = {
    options: optionsView((name) => rt.options[name]),
    log: {
      debug: (...a) => log("debug", formatLogArgs(a)),
      info: (...a) => log("info", formatLogArgs(a)),
      alert: (...a) => log("alert", formatLogArgs(a)),
      warn: (...a) => log("warn", formatLogArgs(a)),
      error: (...a) => log("error", formatLogArgs(a)),
    },
  };
  (globalThis as Record<symbol, unknown>)[CTX_KEY] = context;
  const levels: Record<string, string> = {
    log: "info",
    info: "info",
    debug: "debug",
    trace: "debug",
    warn: "warn",
    error: "error",
  };
  const con = console as unknown as Record<string, Fn>;
  for (const [method, level] of Object.entries(levels)) {
    con[method] = (...a: unknown[]) => log(level, formatLogArgs(a));
  }
  scope.addEventListener("error", (e) => {
    e.preventDefault();
    send({ t: "uncaught", error: toErrorInfo(e.error) });
  });
  scope.addEventListener("unhandledrejection", (e) => {
    e.preventDefault();
    send({ t: "uncaught", error: toErrorInfo(e.reason) });
  });
  channel = new WorkerChannel({
    frame: (frame) => {
      let msg: Incoming;
      try {
        msg = decodeIncoming(frame);
      } catch (err) {
        send({ t: "uncaught", error: toErrorInfo(err) });
        return;
      }
      void handle(rt, msg);
    },
    badInput: (err) => send({ t: "uncaught", error: toErrorInfo(err) }),
    closed: () => scope.postMessage(EXIT_MESSAGE),
  });
  void channel.run();
}

async function handle(rt: Runtime, msg: Incoming): Promise<void> {
  const { m } = msg;
  switch (m.t) {
    case "init":
      rt.name = String(m.name);
      Object.assign(rt.options, m.options);
      try {
        send(await init(rt));
      } catch (e) {
        send({ t: "fatal", error: toErrorInfo(e) });
      }
      return;
    case "options":
      Object.assign(rt.options, m.values);
      return;
    case "call":
      reply(m.id, await callHook(rt, msg));
      return;
    case "command":
      reply(m.id, await runCommand(rt, m));
      return;
  }
}

/** Sends a reply; if it cannot be encoded (a cycle, a BigInt), says so instead. */
function reply(id: WireValue, r: Reply): void {
  try {
    channel?.send((w) => writeReply(w, id, r));
  } catch (e) {
    const invalid = `the result cannot be sent to the proxy: ${toErrorInfo(e).message}`;
    channel?.send((w) => writeReply(w, id, { errors: [], warnings: [], invalid }));
  }
}

async function init(rt: Runtime): Promise<unknown> {
  rt.addons = addonsFromModule(await rt.load() as Record<string, unknown>);
  const warnings: string[] = [];
  const options: OptionDecl[] = [];
  const loader = {
    add_option(
      name: string,
      type: string,
      default_: OptionValue,
      help: string,
      choices?: readonly string[],
    ): void {
      if (typeof name !== "string" || !isOptionTypeName(type)) {
        throw new TypeError(`add_option(${String(name)}, ${String(type)}): unknown option type`);
      }
      options.push({ name, type, default: default_, help: help ?? "", choices: choices ?? null });
      if (!(name in rt.options)) rt.options[name] = default_;
    },
    add_command(path: string, fn: Fn, signature?: CommandSignatureInput): void {
      if (typeof fn !== "function") throw new TypeError(`add_command(${path}): not a function`);
      const args: NonNullable<CommandSignatureInput["args"]> = signature?.args ??
        Array.from({ length: fn.length }, (_, i) => ({ name: `arg${i + 1}`, type: "str" }));
      const decl: CommandDecl = {
        path: String(path),
        args: args.map((a) => ({
          name: String(a.name),
          type: String(a.type),
          optional: a.optional === true,
          variadic: a.variadic === true,
        })),
        returns: signature?.returns ?? null,
        help: signature?.help ?? "",
      };
      rt.commands.set(decl.path, { fn, decl });
    },
  };
  for (const addon of rt.addons) {
    const fn = addon.load;
    if (typeof fn === "function") await fn.call(addon, loader);
  }
  const hooks = Object.keys(SANDBOX_HOOKS).filter((h) =>
    rt.addons.some((a) => typeof a[h] === "function")
  );
  for (const hook of INPROCESS_ONLY_HOOKS) {
    if (rt.addons.some((a) => typeof a[hook] === "function")) {
      warnings.push(
        `hook ${hook} gets live proxy objects and is not available in the sandbox;` +
          ` it will not be called (run the script with --inprocess if you trust it)`,
      );
    }
  }
  const commands = [...rt.commands.values()].map((c) => c.decl);
  return { t: "ready", hooks, options, commands, warnings };
}
