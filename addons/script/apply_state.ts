/**
 * Applies what a sandboxed hook returned to the live objects the proxy is working with.
 *
 * Rules, written once:
 * - Validate first, then change: the returned state is rebuilt with the flow classes'
 *   `fromState` (which checks every field), plus the checks the wire needs (ports and status
 *   codes are integers in range, no CR/LF/NUL in header fields, the request line or the
 *   reason). Any problem throws `StateError` before the live object is touched.
 * - Change in place: the proxy's layers hold the live request, response, message and
 *   connection objects, so their fields are overwritten rather than the objects replaced.
 *   A response the hook created (`flow.response = Response.make(...)`) is new and is
 *   attached as is.
 * - The flow's id, connections and backup are never taken from a script; `flow.kill()`,
 *   `intercept()` and `resume()` are replayed through the live flow's own methods.
 */
import { latin1Decode } from "../../codecs/bytes.ts";
import { type Client, type Server } from "../../core/flow/connection.ts";
import { Client as ClientClass, Server as ServerClass } from "../../core/flow/connection.ts";
import { type Flow, KILLED_MESSAGE } from "../../core/flow/flow.ts";
import { flowFromState } from "../../core/flow/flow_state.ts";
import type { Headers } from "../../core/flow/headers.ts";
import { HttpFlow, type Request, type Response } from "../../core/flow/http.ts";
import { asDict, StateError, type StateValue } from "../../core/flow/state.ts";
import { TcpFlow } from "../../core/flow/tcp.ts";
import type { WebSocketData } from "../../core/flow/websocket.ts";
import type { FlowRuntime } from "./protocol.ts";

const BAD_CHARS = /[\r\n\0]/;

function checkText(value: string, where: string): void {
  if (BAD_CHARS.test(value)) throw new StateError(`${where}: contains CR, LF or NUL`);
}

function checkHeaders(headers: Headers | null, where: string): void {
  if (headers === null) return;
  for (const [i, [name, value]] of headers.fields.entries()) {
    if (name === "" || /[\s:]/.test(name)) {
      throw new StateError(`${where}[${i}]: invalid header name ${JSON.stringify(name)}`);
    }
    checkText(value, `${where}[${i}] (${name})`);
  }
}

function checkInt(value: number, lo: number, hi: number, where: string): void {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new StateError(`${where}: expected an integer from ${lo} to ${hi}, got ${value}`);
  }
}

function checkHttp(flow: HttpFlow): void {
  const r = flow.request;
  checkInt(r.port, 0, 65535, "request.port");
  for (const [k, v] of Object.entries({ method: r.method, path: r.path, host: r.host })) {
    checkText(v, `request.${k}`);
  }
  checkText(r.authority, "request.authority");
  checkHeaders(r.headers, "request.headers");
  checkHeaders(r.trailers, "request.trailers");
  const s = flow.response;
  if (s !== null) {
    checkInt(s.status_code, 100, 999, "response.status_code");
    checkText(s.reason, "response.reason");
    checkHeaders(s.headers, "response.headers");
    checkHeaders(s.trailers, "response.trailers");
  }
}

function copyRequest(dst: Request, src: Request, rawMethod: string): void {
  dst.http_version = src.http_version;
  dst.scheme = src.scheme;
  // The host and port setters rewrite Host and authority; both are overwritten below.
  dst.host = src.host;
  dst.port = src.port;
  dst.method = rawMethod;
  dst.path = src.path;
  dst.authority = src.authority;
  dst.headers.fields = src.headers.fields;
  dst.raw_content = src.raw_content;
  dst.trailers = src.trailers;
  dst.timestamp_start = src.timestamp_start;
  dst.timestamp_end = src.timestamp_end;
}

function copyResponse(dst: Response, src: Response): void {
  dst.http_version = src.http_version;
  dst.status_code = src.status_code;
  dst.reason = src.reason;
  dst.headers.fields = src.headers.fields;
  dst.raw_content = src.raw_content;
  dst.trailers = src.trailers;
  dst.timestamp_start = src.timestamp_start;
  dst.timestamp_end = src.timestamp_end;
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

function applyCommon(live: Flow, fresh: Flow): void {
  live.marked = fresh.marked;
  live.comment = fresh.comment;
  live.metadata = fresh.metadata;
  live.is_replay = fresh.is_replay;
  const killed = (f: Flow) => f.error?.msg === KILLED_MESSAGE;
  if (killed(fresh) && !killed(live) && live.killable) live.kill(fresh.error!.timestamp);
  else if (fresh.error?.msg !== live.error?.msg) live.error = fresh.error;
  if (fresh.intercepted && !live.intercepted) live.intercept();
  else if (!fresh.intercepted && live.intercepted) live.resume();
}

/**
 * Validates `state` (a flow state as the sandbox returned it) and applies it to `live`.
 * Throws `StateError` without changing anything if the state is not a valid flow of the
 * same type.
 */
export function applyFlowState(live: Flow, state: StateValue, rt: Partial<FlowRuntime>): void {
  const fresh = flowFromState(state);
  if (fresh.type !== live.type) {
    throw new StateError(`flow type changed from ${live.type} to ${fresh.type}`);
  }
  if (fresh instanceof HttpFlow && live instanceof HttpFlow) {
    checkHttp(fresh);
    const rawMethod = latin1Decode(
      asDict(asDict(state, "state").request, "request").method as Uint8Array,
    );
    copyRequest(live.request, fresh.request, rawMethod);
    if (fresh.response === null) live.response = null;
    else if (live.response === null) live.response = fresh.response;
    else copyResponse(live.response, fresh.response);
    copyWebSocket(live, fresh.websocket);
    if (typeof rt.request_stream === "boolean") live.request.stream = rt.request_stream;
    if (live.response && typeof rt.response_stream === "boolean") {
      live.response.stream = rt.response_stream;
    }
  } else if (fresh instanceof TcpFlow && live instanceof TcpFlow) {
    copyList(live.messages, fresh.messages, (d, s) => Object.assign(d, s));
  } else {
    // Flow types without in-place rules yet: take the state, keep the live connections.
    const { client_conn, server_conn } = live;
    live.setState(fresh.getState());
    live.client_conn = client_conn;
    live.server_conn = server_conn;
  }
  applyCommon(live, fresh);
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
