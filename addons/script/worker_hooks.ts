/**
 * Hook and command calls inside the sandbox worker, and the replies they make.
 *
 * Rules, written once:
 * - A hook call rebuilds the flow (or connection) from its state with the classes of
 *   `core/flow` (the same ones `mitmdeno` exports) and runs every addon's handler in order,
 *   stopping once the flow is killed, like the addon manager.
 * - A flow hook answers with only what changed (`flow_delta.ts`): nothing at all when the
 *   hook left the flow alone. Connection hooks answer with the whole (small) state.
 * - Errors in handlers are collected and sent with the reply; a handler that leaves the
 *   flow impossible to serialise (`flow.response = "oops"`) makes an `invalid` reply.
 */
import { Client, Server } from "../../core/flow/connection.ts";
import { type Flow, KILLED_MESSAGE } from "../../core/flow/flow.ts";
import { flowFromState } from "../../core/flow/flow_state.ts";
import { HttpFlow } from "../../core/flow/http.ts";
import { stateEquals, type StateValue } from "../../core/flow/state.ts";
import type { OptionValue } from "../../core/option_types.ts";
import { type Delta, flowDelta, type FlowSpans, writeDelta } from "./flow_delta.ts";
import { SANDBOX_HOOKS } from "./hook_kinds.ts";
import { type CommandDecl, type ErrorInfo, toErrorInfo } from "./protocol.ts";
import { describeValue, type ScriptAddonObject } from "./script_exports.ts";
import type { WireValue } from "./wire.ts";
import { WireWriter } from "./wire_writer.ts";

type Fn = (...args: unknown[]) => unknown;

export interface WorkerRuntime {
  name: string;
  addons: ScriptAddonObject[];
  options: Record<string, OptionValue>;
  commands: Map<string, { fn: Fn; decl: CommandDecl }>;
}

/** A decoded request from the proxy, with the flow it carried (read by `flow_reader.ts`). */
export interface Incoming {
  readonly m: Record<string, WireValue>;
  readonly flow: { readonly flow: Flow; readonly spans: FlowSpans } | { error: unknown } | null;
}

export interface Reply {
  errors: ErrorInfo[];
  warnings: string[];
  changed?: boolean;
  /** The changed flow fields, already encoded. */
  delta?: Delta;
  /** A connection hook's whole state, or a command's result. */
  state?: unknown;
  result?: unknown;
  rt?: Record<string, boolean>;
  invalid?: string;
}

/** The reply fields written only when set (besides `delta`). */
const OPTIONAL = ["state", "result", "rt", "invalid"] as const;

/** Writes a reply message. Throws `WireError` if a value in it cannot be encoded. */
export function writeReply(w: WireWriter, id: WireValue, r: Reply): void {
  let n = r.delta === undefined ? 5 : 6;
  for (const k of OPTIONAL) if (r[k] !== undefined) n++;
  w.dict(n);
  w.key("t");
  w.str("reply");
  w.key("id");
  w.value(id);
  w.key("errors");
  w.value(r.errors);
  w.key("warnings");
  w.value(r.warnings);
  w.key("changed");
  w.bool(r.changed === true);
  for (const k of OPTIONAL) {
    if (r[k] === undefined) continue;
    w.key(k);
    w.value(r[k]);
  }
  if (r.delta !== undefined) {
    w.key("state");
    writeDelta(w, r.delta);
  }
}

function isKilled(subject: unknown): boolean {
  const error = (subject as { error?: { msg?: unknown } | null } | null)?.error;
  return error?.msg === KILLED_MESSAGE;
}

/** Runs one hook on every addon in order, like the addon manager does. */
async function runAddons(rt: WorkerRuntime, hook: string, args: unknown[]): Promise<Reply> {
  const result: Reply = { errors: [], warnings: [] };
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

/** Runs a hook call (`call {hook, ...args}`). Never throws. */
export async function callHook(rt: WorkerRuntime, msg: Incoming): Promise<Reply> {
  const { m } = msg;
  const hook = String(m.hook);
  try {
    switch (SANDBOX_HOOKS[hook]) {
      case "flow":
        return await flowCall(rt, hook, msg);
      case "client": {
        const client = Client.fromState(m.client as StateValue);
        const before = client.getState();
        const r = await runAddons(rt, hook, [client]);
        const after = client.getState();
        return { ...r, changed: !stateEquals(before, after), state: after };
      }
      case "server": {
        const data = {
          server: Server.fromState(m.server as StateValue),
          client: Client.fromState(m.client as StateValue),
        };
        const before = { server: data.server.getState(), client: data.client.getState() };
        const r = await runAddons(rt, hook, [data]);
        const after = { server: data.server.getState(), client: data.client.getState() };
        return { ...r, changed: !stateEquals(before, after), state: after };
      }
      case "configure":
        Object.assign(rt.options, m.values);
        return await runAddons(rt, hook, [new Set(m.updated as string[])]);
      case "plain":
        return await runAddons(rt, hook, []);
      default:
        return { errors: [], warnings: [] };
    }
  } catch (e) {
    // A handler left an object that cannot be serialised (e.g. `flow.response = "oops"`).
    return { errors: [], warnings: [], invalid: invalidWhy(e) };
  }
}

function invalidWhy(e: unknown): string {
  const info = toErrorInfo(e);
  return `${info.name}: ${info.message}`;
}

const scratch = new WireWriter(16 * 1024);

async function flowCall(rt: WorkerRuntime, hook: string, msg: Incoming): Promise<Reply> {
  const { m } = msg;
  if (msg.flow === null) throw new TypeError(`${hook}: the call carries no flow`);
  if ("error" in msg.flow) throw msg.flow.error;
  const { flow, spans } = msg.flow;
  const given = (m.rt ?? {}) as Record<string, WireValue>;
  flow.live = given.live === true;
  if (flow instanceof HttpFlow) {
    flow.request.stream = given.request_stream === true;
    if (flow.response) flow.response.stream = given.response_stream === true;
  }
  const rtBefore = flowRuntime(flow);
  const r = await runAddons(rt, hook, [flow]);
  const rtAfter = flowRuntime(flow);
  // Only the fields that changed go back: less to encode here and to check there.
  const delta = flowDelta(flow, spans, scratch);
  const changed = delta.bytes !== null || !stateEquals(rtBefore, rtAfter);
  return changed ? { ...r, changed, delta, rt: rtAfter } : r;
}

/** Runs a command the script registered (`command {path, args}`). Never throws. */
export async function runCommand(rt: WorkerRuntime, m: Record<string, WireValue>): Promise<Reply> {
  const cmd = rt.commands.get(String(m.path));
  if (cmd === undefined) {
    return { errors: [toErrorInfo(new Error(`no such command: ${m.path}`))], warnings: [] };
  }
  const given = Array.isArray(m.args) ? m.args : [];
  try {
    const args = given.map((a, i) => {
      const type = cmd.decl.args[i]?.type;
      if (type === "flow") return flowFromState(a as StateValue);
      if ((type === "flow[]" || type === "flows") && Array.isArray(a)) {
        return a.map((s) => flowFromState(s as StateValue));
      }
      return a;
    });
    let result = cmd.fn(...args);
    if (typeof (result as PromiseLike<unknown> | null)?.then === "function") result = await result;
    const value = result === undefined ? null : result;
    // Fail here, not when sending, if the result cannot cross the channel.
    new WireWriter(256).value(value);
    return { errors: [], warnings: [], result: value };
  } catch (e) {
    return { errors: [toErrorInfo(e)], warnings: [] };
  }
}
