import assert from "node:assert/strict";
import { acceptKey } from "../../../codecs/websocket/handshake.ts";
import { HttpFlow, Request, Response } from "../../../core/flow/http.ts";
import { websocketUpgrade } from "../../../layers/http/websocket_upgrade.ts";
import { tclient, tserver } from "../../core/flow/tflow.ts";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

function handshake(
  extraRequest: [string, string][],
  extraResponse: [string, string][],
  status = 101,
) {
  const request = Request.make("GET", "http://example.com/chat", "", [
    ["Host", "example.com"],
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Key", KEY],
    ["Sec-WebSocket-Version", "13"],
    ...extraRequest,
  ]);
  const flow = new HttpFlow(tclient(), tserver(), 0, request);
  flow.response = Response.make(status, "", [
    ["Upgrade", "websocket"],
    ["Connection", "Upgrade"],
    ["Sec-WebSocket-Accept", acceptKey(KEY)],
    ...extraResponse,
  ]);
  return flow;
}

Deno.test("websocket upgrade: an accepted handshake is decoded and gets WebSocket data", () => {
  const flow = handshake([], []);
  const upgrade = websocketUpgrade(flow, true);
  assert.ok(upgrade !== null && typeof upgrade !== "string");
  assert.equal(upgrade.flow, flow);
  assert.equal(upgrade.deflate, null);
  assert.notEqual(flow.websocket, null);
});

Deno.test("websocket upgrade: permessage-deflate agreed on is passed on", () => {
  const deflate: [string, string] = ["Sec-WebSocket-Extensions", "permessage-deflate"];
  const upgrade = websocketUpgrade(handshake([deflate], [deflate]), true);
  assert.ok(upgrade !== null && typeof upgrade !== "string");
  assert.notEqual(upgrade.deflate, null);
});

Deno.test("websocket upgrade: an extension we cannot decode means passthrough, with the reason", () => {
  const flow = handshake([["Sec-WebSocket-Extensions", "x-custom"]], [[
    "Sec-WebSocket-Extensions",
    "x-custom",
  ]]);
  const upgrade = websocketUpgrade(flow, true);
  assert.equal(typeof upgrade, "string");
  assert.match(upgrade as string, /x-custom/);
  assert.equal(flow.websocket, null);
});

Deno.test("websocket upgrade: none when decoding is off or the handshake was not accepted", () => {
  assert.equal(websocketUpgrade(handshake([], []), false), null);
  const wrongAccept = handshake([], []);
  wrongAccept.response!.headers.set("Sec-WebSocket-Accept", "bm9wZQ==");
  assert.equal(websocketUpgrade(wrongAccept, true), null);
  assert.equal(websocketUpgrade(handshake([], [], 200), true), null);
});
