import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { WebSocketConnection } from "../../codecs/websocket/connection.ts";
import { Server } from "../../core/flow/connection.ts";
import { Request } from "../../core/flow/http.ts";
import { HttpFlow } from "../../core/flow/http.ts";
import { WebSocketMessage } from "../../core/flow/websocket.ts";
import { ConnectionClosed, DataReceived, MessageInjected, Start } from "../../layers/events.ts";
import { WebSocketLayer } from "../../layers/websocket.ts";
import { closeConnection, hook, playbook, sendData } from "../playbook.ts";
import { latin1Decode, utf8Decode, utf8Encode } from "../../codecs/bytes.ts";
import { tctx } from "../tctx.ts";

const mask = () => new Uint8Array([1, 2, 3, 4]);

function setup() {
  const ctx = tctx();
  ctx.server = new Server({ address: ["example.com", 80] });
  ctx.server.connected = true;
  const flow = new HttpFlow(
    ctx.client,
    ctx.server,
    1,
    Request.make("GET", "http://example.com/ws"),
    true,
  );
  // Peers: a browser (client role) and a server (server role), to make and read frames.
  const browser = new WebSocketConnection({ role: "client", maskKey: mask });
  const origin = new WebSocketConnection({ role: "server" });
  return { ctx, flow, browser, origin, layer: new WebSocketLayer(ctx, flow, null) };
}

/** Decodes what the layer sent to a peer. */
function decoded(peer: WebSocketConnection, text: string) {
  return peer.receiveData(Uint8Array.from(text, (c) => c.charCodeAt(0)));
}

Deno.test("websocket: messages both ways are recorded, hooked, and re-framed", () => {
  const { ctx, flow, browser, origin, layer } = setup();
  let toServer = "";
  let toClient = "";
  playbook(layer)
    .in(new Start())
    .out(hook("websocket_start", flow)).reply()
    .in(new DataReceived(ctx.client, browser.send("hello")))
    .out(hook("websocket_message", flow))
    .do(() => (flow.websocket!.messages.at(-1)!.text = "HELLO"))
    .reply()
    .out(sendData(ctx.server, (t) => ((toServer = t), true)))
    .in(new DataReceived(ctx.server, origin.send(new Uint8Array([0, 1, 2]))))
    .out(hook("websocket_message", flow))
    .reply()
    .out(sendData(ctx.client, (t) => ((toClient = t), true)))
    .check();
  const atServer = decoded(origin, toServer);
  strictEqual(atServer[0].type, "Message");
  strictEqual(utf8Decode((atServer[0] as { data: Uint8Array }).data), "HELLO");
  const atClient = decoded(browser, toClient);
  deepStrictEqual([...(atClient[0] as { data: Uint8Array }).data], [0, 1, 2]);
  deepStrictEqual(flow.websocket!.messages.map((m) => m.from_client), [true, false]);
});

Deno.test("websocket: dropped messages are not forwarded; injected ones are", () => {
  const { ctx, flow, browser, layer } = setup();
  playbook(layer)
    .in(new Start())
    .out(hook("websocket_start", flow)).reply()
    .in(new DataReceived(ctx.client, browser.send("secret")))
    .out(hook("websocket_message", flow))
    .do(() => flow.websocket!.messages.at(-1)!.drop())
    .reply()
    .in(() => new MessageInjected(flow, new WebSocketMessage(1, false, utf8Encode("injected"), 2)))
    .out(hook("websocket_message", flow)).reply()
    .out(sendData(ctx.client, (t) => t.endsWith("injected")))
    .check();
  strictEqual(flow.websocket!.messages[1].injected, true);
});

Deno.test("websocket: close handshake passes through and ends the flow", () => {
  const { ctx, flow, browser, origin, layer } = setup();
  playbook(layer)
    .in(new Start())
    .out(hook("websocket_start", flow)).reply()
    .in(new DataReceived(ctx.client, browser.sendClose(1000, "bye")))
    .out(sendData(ctx.server, (t) => decoded(origin, t)[0].type === "Close"))
    .in(new DataReceived(ctx.server, origin.sendClose(1000, "bye")))
    .out(sendData(ctx.client, (t) => latin1Decode(utf8Encode(t)).length > 0))
    .out(hook("websocket_end", flow)).reply()
    .out(closeConnection(ctx.client))
    .out(closeConnection(ctx.server))
    .check();
  strictEqual(flow.websocket!.close_code, 1000);
  strictEqual(flow.websocket!.closed_by_client, true);
  strictEqual(flow.live, false);
});

Deno.test("websocket: an unmasked client frame is a protocol error that ends both sides", () => {
  const { ctx, flow, layer } = setup();
  const server = new WebSocketConnection({ role: "server" });
  playbook(layer)
    .in(new Start())
    .out(hook("websocket_start", flow)).reply()
    .in(new DataReceived(ctx.client, server.send("unmasked")))
    .out(sendData(ctx.client, () => true))
    .out(sendData(ctx.server, () => true))
    .out(hook("websocket_end", flow)).reply()
    .out(closeConnection(ctx.client))
    .out(closeConnection(ctx.server))
    .check();
  strictEqual(flow.websocket!.close_code, 1002);
  strictEqual(flow.error !== null, true);
});

Deno.test("websocket: a peer vanishing without a close frame ends with 1006", () => {
  const { ctx, flow, layer } = setup();
  playbook(layer)
    .in(new Start())
    .out(hook("websocket_start", flow)).reply()
    .in(new ConnectionClosed(ctx.server))
    .out(hook("websocket_end", flow)).reply()
    .out(closeConnection(ctx.client))
    .out(closeConnection(ctx.server))
    .check();
  strictEqual(flow.websocket!.close_code, 1006);
});
