/**
 * The shape of a script's addon: hook methods named exactly like mitmproxy's, each optional,
 * each may be async. Wrap the default export in `defineAddon` to get the flow types in your
 * editor and a compile error for a misspelled hook.
 */
import type { CommandSignature } from "../core/command.ts";
import type { Client, Server } from "../core/flow/connection.ts";
import type { HttpFlow } from "../core/flow/http.ts";
import type { TcpFlow } from "../core/flow/tcp.ts";
import type { OptionTypeMap, OptionTypeName } from "../core/option_types.ts";

export type HookResult = void | Promise<void>;

/** Passed to `load`: declare options and commands here. */
export interface ScriptLoader {
  /** Declares an option; set it with `--set name=value`, read it as `ctx.options.name`. */
  add_option<K extends OptionTypeName>(
    name: string,
    type: K,
    default_: OptionTypeMap[K],
    help: string,
    choices?: readonly string[],
  ): void;
  /** Registers a command (every parameter is a `str` unless a signature says otherwise). */
  add_command(path: string, fn: (...args: never[]) => unknown, signature?: CommandSignature): void;
}

/** Argument of the `server_*` hooks. */
export interface ServerConnectionData {
  server: Server;
  client: Client;
}

export interface ScriptAddon {
  /** Shown in logs; optional. */
  name?: string;
  load?(loader: ScriptLoader): void | Promise<void>;
  configure?(updated: ReadonlySet<string>): HookResult;
  running?(): HookResult;
  done?(): HookResult;
  client_connected?(client: Client): HookResult;
  client_disconnected?(client: Client): HookResult;
  server_connect?(data: ServerConnectionData): HookResult;
  server_connected?(data: ServerConnectionData): HookResult;
  server_connect_error?(data: ServerConnectionData): HookResult;
  server_disconnected?(data: ServerConnectionData): HookResult;
  http_connect?(flow: HttpFlow): HookResult;
  http_connected?(flow: HttpFlow): HookResult;
  http_connect_error?(flow: HttpFlow): HookResult;
  requestheaders?(flow: HttpFlow): HookResult;
  request?(flow: HttpFlow): HookResult;
  responseheaders?(flow: HttpFlow): HookResult;
  response?(flow: HttpFlow): HookResult;
  error?(flow: HttpFlow): HookResult;
  websocket_start?(flow: HttpFlow): HookResult;
  websocket_message?(flow: HttpFlow): HookResult;
  websocket_end?(flow: HttpFlow): HookResult;
  tcp_start?(flow: TcpFlow): HookResult;
  tcp_message?(flow: TcpFlow): HookResult;
  tcp_end?(flow: TcpFlow): HookResult;
  tcp_error?(flow: TcpFlow): HookResult;
}

/**
 * Returns its argument; only for types: hooks get their argument types, and a misspelled
 * hook name fails to compile.
 *
 * @example
 * ```ts
 * import { defineAddon } from "./mod.ts";
 * export default defineAddon({
 *   request(flow) {
 *     flow.request.headers.set("x-seen", "1");
 *   },
 * });
 * ```
 */
export function defineAddon(addon: ScriptAddon): ScriptAddon;
export function defineAddon(addons: ScriptAddon[]): ScriptAddon[];
export function defineAddon(a: ScriptAddon | ScriptAddon[]): ScriptAddon | ScriptAddon[] {
  return a;
}
