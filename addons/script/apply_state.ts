/**
 * Applies what a sandboxed hook returned to the live objects the proxy is working with.
 *
 * Rules, written once:
 * - A hook's reply carries only the top-level flow fields it changed (`marked`, ...), and of
 *   `request` and `response` only the keys that changed (`apply_message.ts`). Other fields
 *   are rebuilt with the flow classes' `fromState` (which checks every field), plus the
 *   checks the wire needs (ports and status codes are integers in range, no CR/LF/NUL in
 *   header fields, the request line or the reason).
 * - Validate first, then change: any problem throws `StateError` before the live object is
 *   touched.
 * - Change in place: the proxy's layers hold the live request, response, message and
 *   connection objects, so their fields are overwritten rather than the objects replaced.
 *   A response the hook created (`flow.response = Response.make(...)`) is new: it comes
 *   whole, is checked like a delta and attached as is.
 * - The flow's id, connections and backup are never taken from a script; `flow.kill()`,
 *   `intercept()` and `resume()` are replayed through the live flow's own methods.
 */
import { type Client, type Server } from "../../core/flow/connection.ts";
import { Client as ClientClass, Server as ServerClass } from "../../core/flow/connection.ts";
import { type Flow, FlowError, KILLED_MESSAGE, type ReplayKind } from "../../core/flow/flow.ts";
import { flowFromState } from "../../core/flow/flow_state.ts";
import { HttpFlow, Response } from "../../core/flow/http.ts";
import {
  asBool,
  asDict,
  asList,
  asStr,
  FLOW_FORMAT_VERSION,
  orNull,
  type StateDict,
  StateError,
  type StateValue,
} from "../../core/flow/state.ts";
import { TcpFlow, TcpMessage } from "../../core/flow/tcp.ts";
import { WebSocketData } from "../../core/flow/websocket.ts";
import { checkInt, checkText, messageDelta, REQUEST_KEYS, RESPONSE_KEYS } from "./apply_message.ts";
import { NOT_APPLIED } from "./flow_delta.ts";
import type { FlowRuntime } from "./protocol.ts";

/** Keys a response the hook made must have (`trailers` may be left out). */
const WHOLE_RESPONSE = ["http_version", "headers", "content", "timestamp_start"]
  .concat(["timestamp_end", "status_code", "reason"]);

/** A response the hook made: it comes whole, checked by the rules of a response delta. */
function newResponse(state: StateValue): Response {
  const d = asDict(state, "response");
  for (const key of WHOLE_RESPONSE) {
    if (!(key in d)) throw new StateError(`response.${key}: missing`);
  }
  const fill = messageDelta(d, RESPONSE_KEYS, "response");
  const response = new Response({
    http_version: "HTTP/1.1",
    status_code: 200,
    reason: "",
    headers: [],
    content: null,
    trailers: null,
    timestamp_start: 0,
    timestamp_end: null,
  });
  fill(response);
  return response;
}

/** Overwrites list items in place (layers may hold the last message), then fixes the length. */
function copyList<T>(dst: T[], src: readonly T[], copy: (d: T, s: T) => void): void {
  const n = Math.min(dst.length, src.length);
  for (let i = 0; i < n; i++) copy(dst[i], src[i]);
  if (src.length > dst.length) dst.push(...src.slice(dst.length));
  dst.length = src.length;
}

function copyWebSocket(live: HttpFlow, fresh: WebSocketData | null): void {
  const ws = live.websocket;
  if (ws === null || fresh === null) {
    live.websocket = fresh;
    return;
  }
  copyList(ws.messages, fresh.messages, (d, s) => Object.assign(d, s));
  ws.closed_by_client = fresh.closed_by_client;
  ws.close_code = fresh.close_code;
  ws.close_reason = fresh.close_reason;
  ws.timestamp_end = fresh.timestamp_end;
}

/** The common flow fields of a delta, checked. Absent keys stay undefined. */
interface CommonDelta {
  marked?: string;
  comment?: string;
  metadata?: Record<string, StateValue>;
  is_replay?: ReplayKind | null;
  intercepted?: boolean;
  error?: FlowError | null;
}

function commonDelta(d: StateDict): CommonDelta {
  const out: CommonDelta = {};
  if ("marked" in d) out.marked = asStr(d.marked, "marked");
  if ("comment" in d) out.comment = asStr(d.comment, "comment");
  if ("metadata" in d) out.metadata = asDict(d.metadata, "metadata");
  if ("intercepted" in d) out.intercepted = asBool(d.intercepted, "intercepted");
  if ("error" in d) out.error = orNull(d.error, "error", FlowError.fromState);
  if ("is_replay" in d) {
    const r = orNull(d.is_replay, "is_replay", asStr);
    if (r !== null && r !== "request" && r !== "response") {
      throw new StateError(`is_replay: expected "request", "response" or null, got ${r}`);
    }
    out.is_replay = r;
  }
  return out;
}

function applyCommon(live: Flow, c: CommonDelta): void {
  if (c.marked !== undefined) live.marked = c.marked;
  if (c.comment !== undefined) live.comment = c.comment;
  if (c.metadata !== undefined) live.metadata = c.metadata;
  if (c.is_replay !== undefined) live.is_replay = c.is_replay;
  if (c.error !== undefined) {
    const killed = c.error?.msg === KILLED_MESSAGE;
    if (killed && live.killable) live.kill(c.error!.timestamp);
    else if (c.error?.msg !== live.error?.msg) live.error = c.error;
  }
  if (c.intercepted === true && !live.intercepted) live.intercept();
  else if (c.intercepted === false && live.intercepted) live.resume();
}

/**
 * Validates `delta` (the top-level flow fields a sandboxed hook changed; a whole state
 * works too) and applies it to `live`. Throws `StateError` without changing anything if a
 * field is not valid.
 */
export function applyFlowState(live: Flow, delta: StateValue, rt: Partial<FlowRuntime>): void {
  const d = asDict(delta, "flow");
  const fixed: StateDict = { version: FLOW_FORMAT_VERSION, type: live.type };
  for (const key of ["version", "type"]) {
    if (key in d && d[key] !== fixed[key]) {
      throw new StateError(`flow ${key} changed from ${fixed[key]} to ${String(d[key])}`);
    }
  }
  const common = commonDelta(d);
  if (live instanceof HttpFlow) {
    const request = "request" in d ? messageDelta(d.request, REQUEST_KEYS, "request") : null;
    let response: Response | null | undefined = undefined;
    let responseDelta: ((r: Response) => void) | null = null;
    if ("response" in d) {
      if (d.response === null) response = null;
      else if (live.response === null) response = newResponse(d.response);
      else responseDelta = messageDelta(d.response, RESPONSE_KEYS, "response");
    }
    const websocket = "websocket" in d
      ? (d.websocket === null ? null : WebSocketData.fromState(d.websocket))
      : undefined;
    request?.(live.request);
    if (responseDelta !== null) responseDelta(live.response!);
    else if (response !== undefined) live.response = response;
    if (websocket !== undefined) copyWebSocket(live, websocket);
    if (typeof rt.request_stream === "boolean") live.request.stream = rt.request_stream;
    if (live.response && typeof rt.response_stream === "boolean") {
      live.response.stream = rt.response_stream;
    }
  } else if (live instanceof TcpFlow) {
    if ("messages" in d) {
      const messages = asList(d.messages, "messages").map((m, i) =>
        TcpMessage.fromState(m, `messages[${i}]`)
      );
      copyList(live.messages, messages, (dst, src) => Object.assign(dst, src));
    }
  } else {
    // Flow types without in-place rules yet: rebuild, keep the live connections.
    const merged: StateDict = live.getState();
    for (const [k, v] of Object.entries(d)) if (!NOT_APPLIED.has(k)) merged[k] = v;
    const fresh = flowFromState(merged);
    const { client_conn, server_conn } = live;
    live.setState(fresh.getState());
    live.client_conn = client_conn;
    live.server_conn = server_conn;
  }
  applyCommon(live, common);
}

/** A hook may refuse a connection by setting `client.error`. */
export function applyClientState(live: Client, state: StateValue): void {
  const fresh = ClientClass.fromState(state);
  if (fresh.error !== null) checkText(fresh.error, "client.error");
  live.error = fresh.error;
}

/** `server_connect` may redirect (`server.address`); any server hook may set errors. */
export function applyServerState(
  live: { server: Server; client: Client },
  state: StateValue,
  hook: string,
): void {
  const s = asDict(state, "state");
  const server = ServerClass.fromState(s.server);
  const client = ClientClass.fromState(s.client);
  if (server.address !== null) {
    checkText(server.address[0], "server.address");
    checkInt(server.address[1], 0, 65535, "server.address port");
  }
  if (hook === "server_connect") live.server.address = server.address;
  live.server.error = server.error;
  live.client.error = client.error;
}
