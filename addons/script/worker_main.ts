/**
 * The runtime inside a script's sandbox worker. The sandbox process starts the worker from
 * a two-line module: `import { boot } from "<this file>"; boot(() => import("<script>"))`.
 *
 * Rules, written once:
 * - Nothing runs before `init`: it brings the option values, so `ctx.options` works even
 *   in the script's top-level code. Then the script is imported and each addon's `load`
 *   runs with a loader that records options and commands; `ready` lists the hooks defined.
 * - A hook call rebuilds the flow from its state with the classes of `core/flow` (the same
 *   ones `mitmdeno` exports), runs every addon's handler in order (stopping once the flow
 *   is killed), and answers with the top-level fields that changed (none: nothing changed).
 * - Hook calls run concurrently: an awaiting hook delays only its own flow.
 * - Errors in handlers are collected and sent with the reply; uncaught errors outside a
 *   hook are reported too, and the worker keeps running.
 * - `console.*` goes to the proxy's log, not to stdout (which carries the channel).
 */
import type { Client as ClientType } from "../../core/flow/connection.ts";
import { Client, Server } from "../../core/flow/connection.ts";
import { type Flow, KILLED_MESSAGE } from "../../core/flow/flow.ts";
import { flowFromState } from "../../core/flow/flow_state.ts";
import { HttpFlow } from "../../core/flow/http.ts";
import { type StateDict, stateEquals, type StateValue } from "../../core/flow/state.ts";
import { isOptionTypeName, type OptionValue } from "../../core/option_types.ts";
import { CTX_KEY, formatLogArgs, optionsView, type ScriptContext } from "./ctx_key.ts";
import { INPROCESS_ONLY_HOOKS, SANDBOX_HOOKS } from "./hook_kinds.ts";
import { type CommandDecl, type ErrorInfo, type OptionDecl, toErrorInfo } from "./protocol.ts";
import { addonsFromModule, describeValue, type ScriptAddonObject } from "./script_exports.ts";
import { concatBytes } from "../../codecs/bytes.ts";
import { decodeFrame, encodeFrame, FrameSplitter, type WireValue } from "./wire.ts";

interface WorkerScope {
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((e: MessageEvent<ArrayBuffer>) => void) | null;
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

interface Runtime {
  name: string;
  addons: ScriptAddonObject[];
  options: Record<string, OptionValue>;
  commands: Map<string, { fn: Fn; decl: CommandDecl }>;
  load: () => Promise<unknown>;
}

const scope = globalThis as unknown as WorkerScope;

let outbox: Uint8Array<ArrayBuffer>[] = [];

/** Queues a frame; frames queued in the same turn go out as one message (one write). */
function send(message: unknown): void {
  outbox.push(encodeFrame(message));
  if (outbox.length === 1) queueMicrotask(flush);
}

function flush(): void {
  const frames = outbox;
  outbox = [];
  const out = (frames.length === 1 ? frames[0] : concatBytes(frames)) as Uint8Array<ArrayBuffer>;
  scope.postMessage(out.buffer, [out.buffer]);
}

function log(level: string, msg: string): void {
  send({ t: "log", level, msg });
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
  const splitter = new FrameSplitter();
  scope.onmessage = (e) => {
    let messages: WireValue[];
    try {
      messages = splitter.push(new Uint8Array(e.data)).map(decodeFrame);
    } catch (err) {
      send({ t: "uncaught", error: toErrorInfo(err) });
      return;
    }
    for (const m of messages) void handle(rt, m as Record<string, WireValue>);
  };
}

async function handle(rt: Runtime, m: Record<string, WireValue>): Promise<void> {
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
      reply(m.id, await call(rt, m));
      return;
    case "command":
      reply(m.id, await command(rt, m));
      return;
  }
}

/** Sends a reply; if it cannot be encoded (a cycle, a BigInt), says so instead. */
function reply(id: WireValue, message: unknown): void {
  try {
    send(message);
  } catch (e) {
    const why = `the result cannot be sent to the proxy: ${toErrorInfo(e).message}`;
    send({ t: "reply", id, errors: [], changed: false, invalid: why });
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

interface RunResult {
  errors: ErrorInfo[];
  warnings: string[];
}

function isKilled(subject: unknown): boolean {
  const error = (subject as { error?: { msg?: unknown } | null } | null)?.error;
  return error?.msg === KILLED_MESSAGE;
}

/** Runs one hook on every addon in order, like the addon manager does. */
async function runAddons(rt: Runtime, hook: string, args: unknown[]): Promise<RunResult> {
  const result: RunResult = { errors: [], warnings: [] };
  for (const [i, addon] of rt.addons.entries()) {
    const fn = addon[hook];
    if (typeof fn !== "function") continue;
    try {
      let value = fn.apply(addon, args);
      if (typeof (value as PromiseLike<unknown> | null)?.then === "function") value = await value;
      if (value !== undefined) {
        result.warnings.push(
          `${hook} returned ${describeValue(value)}; the return value is ignored ` +
            `(hooks change the flow in place)`,
        );
      }
    } catch (e) {
      const info = toErrorInfo(e);
      const where = rt.addons.length > 1 ? ` (addon ${i})` : "";
      result.errors.push({ ...info, message: info.message + where });
    }
    if (isKilled(args[0])) break;
  }
  return result;
}

function flowRuntime(flow: Flow): Record<string, boolean> {
  const http = flow instanceof HttpFlow ? flow : null;
  return {
    live: flow.live === true,
    request_stream: http?.request?.stream === true,
    response_stream: http?.response?.stream === true,
  };
}

async function call(rt: Runtime, m: Record<string, WireValue>): Promise<unknown> {
  const id = m.id;
  const hook = String(m.hook);
  const base = { t: "reply", id, errors: [] as ErrorInfo[], changed: false };
  try {
    switch (SANDBOX_HOOKS[hook]) {
      case "flow":
        return { ...base, ...(await flowCall(rt, hook, m)) };
      case "client": {
        const client = Client.fromState(m.client as StateValue);
        const before = client.getState();
        const r = await runAddons(rt, hook, [client]);
        const after = client.getState();
        return { ...base, ...r, changed: !stateEquals(before, after), state: after };
      }
      case "server": {
        const data = {
          server: Server.fromState(m.server as StateValue),
          client: Client.fromState(m.client as StateValue) as ClientType,
        };
        const before = { server: data.server.getState(), client: data.client.getState() };
        const r = await runAddons(rt, hook, [data]);
        const after = { server: data.server.getState(), client: data.client.getState() };
        return { ...base, ...r, changed: !stateEquals(before, after), state: after };
      }
      case "configure":
        Object.assign(rt.options, m.values);
        return { ...base, ...(await runAddons(rt, hook, [new Set(m.updated as string[])])) };
      case "plain":
        return { ...base, ...(await runAddons(rt, hook, [])) };
      default:
        return base;
    }
  } catch (e) {
    // A handler left an object that cannot be serialised (e.g. `flow.response = "oops"`).
    return { ...base, invalid: `${toErrorInfo(e).name}: ${toErrorInfo(e).message}` };
  }
}

async function flowCall(rt: Runtime, hook: string, m: Record<string, WireValue>) {
  const flow = flowFromState(m.flow as StateValue);
  const given = (m.rt ?? {}) as Record<string, WireValue>;
  flow.live = given.live === true;
  if (flow instanceof HttpFlow) {
    flow.request.stream = given.request_stream === true;
    if (flow.response) flow.response.stream = given.response_stream === true;
  }
  // The state as received is what an unchanged flow serialises to again.
  const before = m.flow as StateDict;
  const rtBefore = flowRuntime(flow);
  const r = await runAddons(rt, hook, [flow]);
  const after: StateDict = flow.getState();
  const rtAfter = flowRuntime(flow);
  // Only the top-level fields that changed go back: less to encode here and to check there.
  const delta: StateDict = {};
  for (const key of Object.keys(after)) {
    if (!stateEquals(before[key] ?? null, after[key])) delta[key] = after[key];
  }
  const changed = Object.keys(delta).length > 0 || !stateEquals(rtBefore, rtAfter);
  return changed ? { ...r, changed, state: delta, rt: rtAfter } : r;
}

async function command(rt: Runtime, m: Record<string, WireValue>): Promise<unknown> {
  const base = { t: "reply", id: m.id, errors: [] as ErrorInfo[], changed: false };
  const cmd = rt.commands.get(String(m.path));
  if (cmd === undefined) {
    return { ...base, errors: [toErrorInfo(new Error(`no such command: ${m.path}`))] };
  }
  const given = Array.isArray(m.args) ? m.args : [];
  const args = given.map((a, i) => {
    const type = cmd.decl.args[i]?.type;
    if (type === "flow") return flowFromState(a as StateValue);
    if ((type === "flow[]" || type === "flows") && Array.isArray(a)) {
      return a.map((s) => flowFromState(s as StateValue));
    }
    return a;
  });
  try {
    let result = cmd.fn(...args);
    if (typeof (result as PromiseLike<unknown> | null)?.then === "function") result = await result;
    const wire = result === undefined ? null : result;
    // Fail here, not in send(), if the result cannot cross the channel.
    encodeFrame(wire);
    return { ...base, result: wire };
  } catch (e) {
    return { ...base, errors: [toErrorInfo(e)] };
  }
}
