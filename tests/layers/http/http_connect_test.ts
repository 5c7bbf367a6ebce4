import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { nextLayerAddon } from "../../../addons/next_layer.ts";
import type { NextLayerData } from "../../../layers/next_layer.ts";
import type { TcpFlow } from "../../../core/flow/tcp.ts";
import { Response } from "../../../core/flow/http.ts";
import { ConnectionClosed, DataReceived } from "../../../layers/events.ts";
import {
  bytes,
  checkPlaybook,
  closeConnection,
  hook,
  openConnection,
  placeholder,
  playbook,
  sendData,
} from "../../playbook.ts";
import { tctx } from "../../tctx.ts";
import { flowPlaceholder, regularHttpLayer, serverPlaceholder } from "./http_helpers.ts";

const CONNECT = "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n";

Deno.test("CONNECT: 200 after the server connection opens, then a raw TCP tunnel", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    const nl = placeholder<NextLayerData>("next_layer");
    const nl2 = placeholder<NextLayerData>("next_layer 2");
    const tcp = placeholder<TcpFlow>("tcp flow");
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(CONNECT)))
      .out(hook("http_connect", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(ctx.client, "HTTP/1.1 200 Connection established\r\n\r\n"))
      .out(hook("next_layer", nl))
      .do(() => nextLayerAddon.next_layer(nl.value))
      .reply()
      .do(() => assertEquals(nl.value.layer, null))
      .in(new DataReceived(ctx.client, bytes("hello")))
      .out(hook("next_layer", nl2))
      .do(() => nextLayerAddon.next_layer(nl2.value))
      .reply()
      .out(hook("tcp_start", tcp)).reply()
      .out(hook("tcp_message", tcp)).reply()
      .out(sendData(server, "hello"))
      .in(() => new DataReceived(server.value, bytes("world")))
      .out(hook("tcp_message", tcp)).reply()
      .out(sendData(ctx.client, "world"))
      .in(new ConnectionClosed(ctx.client))
      .out(closeConnection(server, true))
      .in(() => new ConnectionClosed(server.value))
      .out(closeConnection(ctx.client))
      .out(closeConnection(server))
      .out(hook("tcp_end", tcp)).reply()
      .do(() => {
        assertEquals(server.value.address, ["example.com", 443]);
        assertEquals(tcp.value.messages.map((m) => m.from_client), [true, false]);
      });
  }, []);
});

Deno.test("CONNECT refused by an addon with a non-2xx response", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(CONNECT)))
      .out(hook("http_connect", flow))
      .do(() => (flow.value.response = Response.make(403, "nope", [], 1)))
      .reply()
      .out(
        sendData(
          ctx.client,
          (t) => t.startsWith("HTTP/1.1 403 Forbidden\r\n") && t.endsWith("nope"),
        ),
      );
    // The connection stays open: a client may retry (e.g. with proxy credentials).
  });
});

Deno.test("CONNECT to an unreachable server: 502 naming the cause", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(CONNECT)))
      .out(hook("http_connect", flow)).reply()
      .out(openConnection(() => true)).reply("name not resolved")
      .out(hook("error", flow)).reply()
      .out(
        sendData(
          ctx.client,
          (t) => t.startsWith("HTTP/1.1 502 ") && t.includes("name not resolved"),
        ),
      )
      .out(closeConnection(ctx.client));
  });
});

Deno.test("CONNECT to an ignored host passes through untouched (no flow)", () => {
  checkPlaybook(() => {
    const ctx = tctx({ ignore_hosts: [/^example\.com:443$/] });
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    const nl = placeholder<NextLayerData>("next_layer");
    const hello = "\x16\x03\x01\x00\x05hello";
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(CONNECT + hello)))
      .out(hook("http_connect", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(ctx.client, "HTTP/1.1 200 Connection established\r\n\r\n"))
      .out(hook("next_layer", nl))
      .do(() => nextLayerAddon.next_layer(nl.value))
      .reply()
      .out(sendData(server, hello));
  }, []);
});
