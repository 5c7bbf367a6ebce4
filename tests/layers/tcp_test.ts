import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Server } from "../../core/flow/connection.ts";
import { type TcpFlow, TcpMessage } from "../../core/flow/tcp.ts";
import { ConnectionClosed, DataReceived, MessageInjected, Start } from "../../layers/events.ts";
import { TcpLayer } from "../../layers/tcp.ts";
import {
  bytes,
  closeConnection,
  hook,
  openConnection,
  placeholder,
  playbook,
  sendData,
} from "../playbook.ts";
import { tctx } from "../tctx.ts";

function tcpContext() {
  const ctx = tctx();
  ctx.server = new Server({ address: ["example.com", 22] });
  return ctx;
}

Deno.test("tcp: opens the server lazily, relays both ways with hooks, mirrors half-close", () => {
  const ctx = tcpContext();
  const flow = placeholder<TcpFlow>("flow");
  playbook(new TcpLayer(ctx))
    .in(new Start())
    .out(hook("tcp_start", flow)).reply()
    .out(openConnection(ctx.server)).reply(null)
    .in(new DataReceived(ctx.client, bytes("ping")))
    .out(hook("tcp_message", flow)).reply()
    .out(sendData(ctx.server, "ping"))
    .in(new DataReceived(ctx.server, bytes("pong")))
    .out(hook("tcp_message", flow))
    .do(() => (flow.value.messages.at(-1)!.content = bytes("PONG")))
    .reply()
    .out(sendData(ctx.client, "PONG"))
    .in(new ConnectionClosed(ctx.server))
    .out(closeConnection(ctx.client, true))
    .in(new ConnectionClosed(ctx.client))
    .out(closeConnection(ctx.client))
    .out(closeConnection(ctx.server))
    .out(hook("tcp_end", flow)).reply()
    .check();
  deepStrictEqual(flow.value.messages.map((m) => m.from_client), [true, false]);
  strictEqual(flow.value.live, false);
});

Deno.test("tcp: a failed server connection ends the flow with tcp_error", () => {
  const ctx = tcpContext();
  const flow = placeholder<TcpFlow>("flow");
  playbook(new TcpLayer(ctx))
    .in(new Start())
    .out(hook("tcp_start", flow)).reply()
    .out(openConnection(ctx.server)).reply("connection refused")
    .out(hook("tcp_error", flow)).reply()
    .out(closeConnection(ctx.client))
    .check();
  strictEqual(flow.value.error?.msg.includes("connection refused"), true);
});

Deno.test("tcp passthrough (ignore): no flow, no hooks, bytes untouched", () => {
  const ctx = tcpContext();
  ctx.server.connected = true;
  playbook(new TcpLayer(ctx, true))
    .in(new Start())
    .in(new DataReceived(ctx.client, bytes("\x16\x03\x01")))
    .out(sendData(ctx.server, "\x16\x03\x01"))
    .in(new DataReceived(ctx.server, bytes("reply")))
    .out(sendData(ctx.client, "reply"))
    .check();
});

Deno.test("tcp: killing the flow in tcp_message closes both sides", () => {
  const ctx = tcpContext();
  ctx.server.connected = true;
  const flow = placeholder<TcpFlow>("flow");
  playbook(new TcpLayer(ctx))
    .in(new Start())
    .out(hook("tcp_start", flow)).reply()
    .in(new DataReceived(ctx.client, bytes("x")))
    .out(hook("tcp_message", flow))
    .do(() => flow.value.kill())
    .reply()
    .out(closeConnection(ctx.client))
    .out(closeConnection(ctx.server))
    .out(hook("tcp_error", flow)).reply()
    .check();
});

Deno.test("tcp: an injected message is recorded, hooked and sent", () => {
  const ctx = tcpContext();
  ctx.server.connected = true;
  const flow = placeholder<TcpFlow>("flow");
  playbook(new TcpLayer(ctx))
    .in(new Start())
    .out(hook("tcp_start", flow)).reply()
    .in(() => new MessageInjected(flow.value, new TcpMessage(false, bytes("hi client"), 1)))
    .out(hook("tcp_message", flow)).reply()
    .out(sendData(ctx.client, "hi client"))
    .check();
  strictEqual(flow.value.messages.length, 1);
});
