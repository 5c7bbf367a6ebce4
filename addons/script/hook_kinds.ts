/**
 * Which hooks a sandboxed script may implement, and how their arguments cross the channel.
 *
 * - `flow`: the flow's state object goes over, the script's changes come back and are
 *   applied to the live flow (HTTP, TCP and WebSocket hooks; UDP and DNS as their flows
 *   land in `core/flow/flow_state.ts`).
 * - `client`: `Client` state; a script may set `client.error` to refuse the connection.
 * - `server`: `{ server, client }` states; a script may set `server.address` (in
 *   `server_connect`) and `server.error`.
 * - `configure`: the names of the updated options (their values travel with them).
 * - `plain`: no arguments (`running`, `done`).
 *
 * The hooks in `INPROCESS_ONLY_HOOKS` take live proxy objects (layers, TLS settings) that
 * cannot be copied into a sandbox; a sandboxed script that defines one gets a warning.
 * `load` runs inside the sandbox when the script starts.
 */

export type SandboxHookKind = "flow" | "client" | "server" | "configure" | "plain";

export const SANDBOX_HOOKS: Readonly<Record<string, SandboxHookKind>> = {
  configure: "configure",
  running: "plain",
  done: "plain",
  client_connected: "client",
  client_disconnected: "client",
  server_connect: "server",
  server_connected: "server",
  server_connect_error: "server",
  server_disconnected: "server",
  http_connect: "flow",
  http_connected: "flow",
  http_connect_error: "flow",
  requestheaders: "flow",
  request: "flow",
  responseheaders: "flow",
  response: "flow",
  error: "flow",
  websocket_start: "flow",
  websocket_message: "flow",
  websocket_end: "flow",
  tcp_start: "flow",
  tcp_message: "flow",
  tcp_end: "flow",
  tcp_error: "flow",
  udp_start: "flow",
  udp_message: "flow",
  udp_end: "flow",
  udp_error: "flow",
  dns_request: "flow",
  dns_response: "flow",
  dns_error: "flow",
};

export const INPROCESS_ONLY_HOOKS: readonly string[] = [
  "next_layer",
  "tls_clienthello",
  "tls_start_client",
  "tls_start_server",
  "tls_established_client",
  "tls_established_server",
  "tls_failed_client",
  "tls_failed_server",
];

/** The hook names a script's addon object is checked for. */
export const SCRIPT_HOOK_NAMES: readonly string[] = [
  "load",
  ...Object.keys(SANDBOX_HOOKS),
  ...INPROCESS_ONLY_HOOKS,
];

/** True if the hook's first argument is a flow that can be killed. */
export function isFlowHook(name: string): boolean {
  return SANDBOX_HOOKS[name] === "flow";
}
