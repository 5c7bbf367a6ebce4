/**
 * The hook declarations: what an addon can implement, with which arguments.
 *
 * `HookArgs` is the single source of truth for hook signatures; `HOOKS` describes the same
 * hooks for generated docs (it is checked against `HookArgs` at compile time, so the two
 * cannot drift). An addon is an object whose properties are hook handlers; because `Addon`
 * has no index signature, an object literal with a misspelled hook fails to compile:
 *
 * @example
 * ```ts
 * import type { Addon } from "./hooks.ts";
 * const addon: Addon = {
 *   name: "counter",
 *   request(flow) {
 *     flow.comment = "seen";
 *   },
 * };
 * ```
 */
import type { HttpFlow } from "./flow/http.ts";
import type { TcpFlow } from "./flow/tcp.ts";
import type { Client, Server } from "./flow/connection.ts";
import type { CommandFn, CommandSignature } from "./command.ts";
import type { Logger } from "./log.ts";
import type { OptionSpec, OptionTypeMap, OptionTypeName } from "./option_types.ts";
import type { Options } from "./options.ts";

/** Passed to `load`: how an addon declares its options and commands. */
export interface Loader {
  /**
   * Declares an option (mitmproxy's `loader.add_option`). Declaring the same option again
   * with the same signature is a no-op (scripts re-declare on reload); a different
   * signature replaces it with a warning.
   */
  add_option<K extends OptionTypeName>(
    name: string,
    type: K,
    default_: OptionTypeMap[K],
    help: string,
    choices?: readonly string[],
  ): void;
  /** The same, from a declaration made with `defineOption`. */
  add_option<K extends OptionTypeName>(spec: OptionSpec<K>): void;
  /**
   * Registers a command. Without a signature every parameter of `fn` is a `str` argument.
   * Commands are removed again when the addon is removed.
   */
  add_command(path: string, fn: CommandFn, signature?: CommandSignature): void;
  readonly options: Options;
  readonly logger: Logger;
}

/** Argument of the connection hooks from `server_connect` on. */
export interface ServerConnectionHookData {
  server: Server;
  client: Client;
}

/**
 * Argument of `next_layer`. Core does not know layers, so the context and layer types are
 * parameters; the proxy passes `NextLayerHookData<Context, Layer>` and addons that need them
 * narrow with a cast. Setting `layer` decides the next layer.
 */
export interface NextLayerHookData<C = unknown, L = unknown> {
  readonly context: C;
  layer: L | null;
  /** Bytes received from the client so far on this connection. */
  dataClient(): Uint8Array;
  /** Bytes received from the server so far on this connection. */
  dataServer(): Uint8Array;
}

/** The parsed ClientHello, as `tls_clienthello` addons see it (mitmproxy's `ClientHello`). */
export interface ClientHelloInfo {
  readonly sni: string | null;
  readonly alpn_protocols: readonly string[];
  readonly cipher_suites: readonly number[];
  readonly extensions: readonly (readonly [number, Uint8Array])[];
  readonly raw: Uint8Array;
}

/**
 * Argument of `tls_clienthello`. Set `ignore_connection` to pass the connection through
 * untouched; `establish_server_tls_first` makes the proxy learn the server's certificate
 * and ALPN before answering the client.
 */
export interface ClientHelloHookData<C = unknown> {
  readonly context: C;
  readonly client_hello: ClientHelloInfo;
  ignore_connection: boolean;
  establish_server_tls_first: boolean;
}

/**
 * Argument of the `tls_start_*`, `tls_established_*` and `tls_failed_*` hooks. In
 * `tls_start_*`, an addon (the built-in `tlsconfig`) sets `settings`: what the handshake
 * uses (certificate, ALPN, verification); the proxy carries it out.
 */
export interface TlsHookData<C = unknown, S = unknown> {
  readonly conn: Client | Server;
  readonly context: C;
  settings: S | null;
  readonly is_dtls: boolean;
}

/** Hook name -> handler arguments. Extend by declaration merging when adding hooks. */
export interface HookArgs {
  load: [loader: Loader];
  configure: [updated: ReadonlySet<string>];
  running: [];
  done: [];
  client_connected: [client: Client];
  client_disconnected: [client: Client];
  server_connect: [data: ServerConnectionHookData];
  server_connected: [data: ServerConnectionHookData];
  server_connect_error: [data: ServerConnectionHookData];
  server_disconnected: [data: ServerConnectionHookData];
  next_layer: [data: NextLayerHookData];
  http_connect: [flow: HttpFlow];
  http_connected: [flow: HttpFlow];
  http_connect_error: [flow: HttpFlow];
  requestheaders: [flow: HttpFlow];
  request: [flow: HttpFlow];
  responseheaders: [flow: HttpFlow];
  response: [flow: HttpFlow];
  error: [flow: HttpFlow];
  websocket_start: [flow: HttpFlow];
  websocket_message: [flow: HttpFlow];
  websocket_end: [flow: HttpFlow];
  tcp_start: [flow: TcpFlow];
  tcp_message: [flow: TcpFlow];
  tcp_end: [flow: TcpFlow];
  tcp_error: [flow: TcpFlow];
  tls_clienthello: [data: ClientHelloHookData];
  tls_start_client: [data: TlsHookData];
  tls_start_server: [data: TlsHookData];
  tls_established_client: [data: TlsHookData];
  tls_established_server: [data: TlsHookData];
  tls_failed_client: [data: TlsHookData];
  tls_failed_server: [data: TlsHookData];
}

export type HookName = keyof HookArgs;

export type HookHandler<K extends HookName> = (...args: HookArgs[K]) => void | Promise<void>;

export type HookHandlers = { [K in HookName]?: HookHandler<K> };

/**
 * An addon: an optional name (unique in the manager; defaults to the lower-cased class
 * name), hook handlers, and optional child addons that receive every hook right after
 * their parent. `load` and `configure` must be synchronous: they run inside option
 * updates, which roll back synchronously.
 */
export type Addon =
  & {
    name?: string;
    addons?: Addon[];
  }
  & HookHandlers;

export type HookGroup = "lifecycle" | "connection" | "http" | "websocket" | "tcp" | "tls";

export interface HookSpec {
  readonly name: HookName;
  readonly group: HookGroup;
  readonly args: readonly { readonly name: string; readonly type: string }[];
  readonly description: string;
}

const FLOW_HTTP = [{ name: "flow", type: "HttpFlow" }] as const;
const FLOW_TCP = [{ name: "flow", type: "TcpFlow" }] as const;
const CLIENT = [{ name: "client", type: "Client" }] as const;
const SERVER_DATA = [{ name: "data", type: "ServerConnectionHookData" }] as const;
const TLS_DATA = [{ name: "data", type: "TlsHookData" }] as const;

/** Every hook, in the order the docs list them. */
export const HOOKS = [
  {
    name: "load",
    group: "lifecycle",
    args: [{ name: "loader", type: "Loader" }],
    description: "The addon is being registered: declare options and commands here.",
  },
  {
    name: "configure",
    group: "lifecycle",
    args: [{ name: "updated", type: "ReadonlySet<string>" }],
    description: "Options changed (all names at startup); throw OptionsError to reject the update.",
  },
  {
    name: "running",
    group: "lifecycle",
    args: [],
    description: "The proxy is up: all addons loaded and options set.",
  },
  {
    name: "done",
    group: "lifecycle",
    args: [],
    description: "The addon is being removed, or the proxy is shutting down.",
  },
  {
    name: "client_connected",
    group: "connection",
    args: CLIENT,
    description: "A client connected; setting client.error kills the connection.",
  },
  {
    name: "client_disconnected",
    group: "connection",
    args: CLIENT,
    description: "A client connection was closed.",
  },
  {
    name: "server_connect",
    group: "connection",
    args: SERVER_DATA,
    description: "About to connect upstream; may change the address, setting error aborts.",
  },
  {
    name: "server_connected",
    group: "connection",
    args: SERVER_DATA,
    description: "The upstream connection is established.",
  },
  {
    name: "server_connect_error",
    group: "connection",
    args: SERVER_DATA,
    description: "Connecting upstream failed (exactly one of connected/connect_error fires).",
  },
  {
    name: "server_disconnected",
    group: "connection",
    args: SERVER_DATA,
    description: "An upstream connection was closed.",
  },
  {
    name: "next_layer",
    group: "connection",
    args: [{ name: "data", type: "NextLayerHookData" }],
    description: "A protocol layer is being chosen; set data.layer to decide.",
  },
  {
    name: "http_connect",
    group: "http",
    args: FLOW_HTTP,
    description: "A CONNECT request arrived; a non-2xx flow.response is returned and ends it.",
  },
  {
    name: "http_connected",
    group: "http",
    args: FLOW_HTTP,
    description: "A CONNECT request succeeded.",
  },
  {
    name: "http_connect_error",
    group: "http",
    args: FLOW_HTTP,
    description: "A CONNECT request failed (unreachable server or proxy auth).",
  },
  {
    name: "requestheaders",
    group: "http",
    args: FLOW_HTTP,
    description: "Request headers read, body not yet; set flow.request.stream here.",
  },
  {
    name: "request",
    group: "http",
    args: FLOW_HTTP,
    description: "The full request was read; setting flow.response answers it locally.",
  },
  {
    name: "responseheaders",
    group: "http",
    args: FLOW_HTTP,
    description: "Response headers read, body not yet; set flow.response.stream here.",
  },
  {
    name: "response",
    group: "http",
    args: FLOW_HTTP,
    description: "The full response was read.",
  },
  {
    name: "error",
    group: "http",
    args: FLOW_HTTP,
    description: "An HTTP error (not a 4xx/5xx): every flow gets response xor error.",
  },
  {
    name: "websocket_start",
    group: "websocket",
    args: FLOW_HTTP,
    description: "A WebSocket connection started (after the 101 upgrade); data in flow.websocket.",
  },
  {
    name: "websocket_message",
    group: "websocket",
    args: FLOW_HTTP,
    description:
      "A message arrived from either side; flow.websocket.messages.at(-1) may be changed or dropped.",
  },
  {
    name: "websocket_end",
    group: "websocket",
    args: FLOW_HTTP,
    description: "The WebSocket connection ended (close_code, close_reason, closed_by_client).",
  },
  {
    name: "tcp_start",
    group: "tcp",
    args: FLOW_TCP,
    description: "A TCP connection is being proxied as a TCP flow.",
  },
  {
    name: "tcp_message",
    group: "tcp",
    args: FLOW_TCP,
    description: "A chunk arrived; flow.messages.at(-1) may be modified.",
  },
  {
    name: "tcp_end",
    group: "tcp",
    args: FLOW_TCP,
    description: "The TCP flow ended (end xor error).",
  },
  {
    name: "tcp_error",
    group: "tcp",
    args: FLOW_TCP,
    description: "The TCP flow failed (end xor error).",
  },
  {
    name: "tls_clienthello",
    group: "tls",
    args: [{ name: "data", type: "ClientHelloHookData" }],
    description:
      "A ClientHello was parsed; set data.ignore_connection to pass the connection through.",
  },
  {
    name: "tls_start_client",
    group: "tls",
    args: TLS_DATA,
    description: "A TLS handshake with the client is about to start; set data.settings.",
  },
  {
    name: "tls_start_server",
    group: "tls",
    args: TLS_DATA,
    description: "A TLS handshake with the server is about to start; set data.settings.",
  },
  {
    name: "tls_established_client",
    group: "tls",
    args: TLS_DATA,
    description: "The TLS handshake with the client succeeded.",
  },
  {
    name: "tls_established_server",
    group: "tls",
    args: TLS_DATA,
    description: "The TLS handshake with the server succeeded.",
  },
  {
    name: "tls_failed_client",
    group: "tls",
    args: TLS_DATA,
    description: "The TLS handshake with the client failed (data.conn.error says why).",
  },
  {
    name: "tls_failed_server",
    group: "tls",
    args: TLS_DATA,
    description: "The TLS handshake with the server failed (data.conn.error says why).",
  },
] as const satisfies readonly HookSpec[];

/** The hook names, in `HOOKS` order. */
export const HOOK_NAMES: readonly HookName[] = HOOKS.map((h) => h.name);

/** True if `name` is a known hook name. */
export function isHookName(name: string): name is HookName {
  return (HOOK_NAMES as readonly string[]).includes(name);
}

// Compile-time checks: HOOKS lists every hook of HookArgs once, with the right arity.
type Listed = (typeof HOOKS)[number];
type Unlisted = Exclude<HookName, Listed["name"]>;
type ArityMismatches<T extends readonly HookSpec[]> = {
  [I in keyof T]: T[I] extends
    { name: infer N extends HookName; args: infer A extends readonly unknown[] }
    ? A["length"] extends HookArgs[N]["length"] ? never : N
    : never;
}[number];
type WrongArity = ArityMismatches<typeof HOOKS>;
export type HooksTableCheck = [Unlisted, WrongArity] extends [never, never] ? true
  : { unlisted: Unlisted; wrongArity: WrongArity };
const _hooksTableIsComplete: HooksTableCheck = true;
void _hooksTableIsComplete;
