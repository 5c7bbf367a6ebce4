/** Shared pieces for HTTP layer playbooks. */
import { Server } from "../../../core/flow/connection.ts";
import type { HttpFlow } from "../../../core/flow/http.ts";
import { HttpLayer } from "../../../layers/http/http_layer.ts";
import { NextLayer } from "../../../layers/next_layer.ts";
import type { Context } from "../../../layers/context.ts";
import { Placeholder, placeholder } from "../../playbook.ts";
import { nextLayerAddon } from "../../../addons/next_layer.ts";
import type { NextLayerData } from "../../../layers/next_layer.ts";
import type { StartHook } from "../../../layers/commands.ts";

/** For `hooks: false` playbooks: answers `next_layer` with the built-in decision. */
export function builtinNextLayer(command: StartHook): void {
  if (command.name === "next_layer") nextLayerAddon.next_layer(command.args[0] as NextLayerData);
}

export function regularHttpLayer(context: Context): HttpLayer {
  const layer = new HttpLayer(context, { kind: "regular" }, (c) => new NextLayer(c));
  context.layers.push(layer);
  return layer;
}

export function flowPlaceholder(): Placeholder<HttpFlow> {
  return placeholder<HttpFlow>("flow");
}

export function serverPlaceholder(): Placeholder<Server> {
  return placeholder<Server>("server");
}

export const GET_REQUEST = "GET http://example.com/path HTTP/1.1\r\nHost: example.com\r\n\r\n";
export const GET_UPSTREAM = "GET /path HTTP/1.1\r\nHost: example.com\r\n\r\n";
export const OK_RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nHello World!";
