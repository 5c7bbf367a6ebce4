/**
 * The addon API for mitmdeno scripts. Scripts import it as `"mitmdeno"`:
 *
 * ```ts
 * import { ctx, defineAddon, Response } from "mitmdeno";
 *
 * export default defineAddon({
 *   request(flow) {
 *     if (flow.request.path === "/ping") flow.response = Response.make(200, "pong");
 *     ctx.log.info(`${flow.request.method} ${flow.request.url}`);
 *   },
 * });
 * ```
 *
 * The proxy starts every sandboxed script with an import map that maps `mitmdeno` to this
 * file, so the specifier works wherever the script lives. The flow classes are the proxy's
 * own (`core/flow`), with mitmproxy's names: `flow.request.headers.set(...)`,
 * `flow.request.text = ...`, `flow.response = Response.make(...)`, `flow.kill()`.
 */
export { defineAddon } from "./addon.ts";
export type { HookResult, ScriptAddon, ScriptLoader, ServerConnectionData } from "./addon.ts";
export { ctx } from "./ctx.ts";
export type { ScriptContext, ScriptLog, ScriptOptions } from "./ctx.ts";
export { HttpFlow, type MakeHeaders, Request, Response } from "../core/flow/http.ts";
export { Headers } from "../core/flow/headers.ts";
export { Flow, FlowError } from "../core/flow/flow.ts";
export { TcpFlow, TcpMessage } from "../core/flow/tcp.ts";
export { Opcode, WebSocketData, WebSocketMessage } from "../core/flow/websocket.ts";
export { Client, Server } from "../core/flow/connection.ts";
export type { CommandSignature } from "../core/command.ts";
export type { OptionTypeName } from "../core/option_types.ts";
