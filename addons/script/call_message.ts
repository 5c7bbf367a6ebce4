/**
 * The call messages the proxy writes (see `protocol.ts`): hook calls and commands.
 *
 * A flow hook's call is written field by field, the flow straight from the live object
 * (`flow_writer.ts`), so nothing is built just to be encoded:
 * `{t: "call", id, hook, flow: <state>, rt: {live, request_stream, response_stream}}`.
 */
import { Flow } from "../../core/flow/flow.ts";
import { writeFlowState } from "./flow_writer.ts";
import type { WireWriter } from "./wire_writer.ts";

/** Runtime-only flow fields, which the state object does not carry. */
function writeRuntime(w: WireWriter, flow: Flow): void {
  const http = flow as { request?: { stream?: boolean }; response?: { stream?: boolean } | null };
  w.dict(3);
  w.key("live");
  w.bool(flow.live === true);
  w.key("request_stream");
  w.bool(http.request?.stream === true);
  w.key("response_stream");
  w.bool(http.response?.stream === true);
}

/** `call` for a flow hook. */
export function writeFlowCall(w: WireWriter, id: number, hook: string, flow: Flow): void {
  w.dict(5);
  w.key("t");
  w.str("call");
  w.key("id");
  w.num(id);
  w.key("hook");
  w.str(hook);
  w.key("flow");
  writeFlowState(w, flow);
  w.key("rt");
  writeRuntime(w, flow);
}

/** `call` for any other hook, its arguments given as message fields. */
export function writeCall(
  w: WireWriter,
  id: number,
  hook: string,
  args: Record<string, unknown>,
): void {
  w.value({ t: "call", id, hook, ...args });
}

function toWireArg(a: unknown): unknown {
  if (a instanceof Flow) return a.getState();
  if (Array.isArray(a)) return a.map(toWireArg);
  return a;
}

/** `command`: flows among the arguments travel as their state objects. */
export function writeCommand(w: WireWriter, id: number, path: string, args: unknown[]): void {
  w.value({ t: "command", id, path, args: args.map(toWireArg) });
}
