import { strictEqual } from "node:assert/strict";
import { ReverseProxy } from "../../layers/modes.ts";
import { Start } from "../../layers/events.ts";
import { hook, openConnection, placeholder, playbook } from "../playbook.ts";
import { tctx } from "../tctx.ts";
import type { Server } from "../../core/flow/connection.ts";

Deno.test("reverse proxy: points the server at the target and connects eagerly", () => {
  const ctx = tctx({}, "reverse:https://example.com");
  const server = placeholder<Server>("server");
  playbook(new ReverseProxy(ctx, { scheme: "https", host: "example.com", port: 443 }))
    .in(new Start())
    .out(openConnection(server)).reply(null)
    .out(hook("next_layer", placeholder("next layer"))).reply()
    .check();
  strictEqual(ctx.server, server.value);
  strictEqual(ctx.server.tls, true);
  strictEqual(ctx.server.sni, "example.com");
  strictEqual(ctx.server.address?.join(":"), "example.com:443");
});

Deno.test("reverse proxy: lazy strategy waits for the client", () => {
  const ctx = tctx({ connection_strategy: "lazy" }, "reverse:http://example.com");
  playbook(new ReverseProxy(ctx, { scheme: "http", host: "example.com", port: 80 }))
    .in(new Start())
    .out(hook("next_layer", placeholder("next layer"))).reply()
    .check();
  strictEqual(ctx.server.tls, false);
});
