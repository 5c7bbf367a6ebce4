import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { applyFlowState, applyServerState } from "../../../addons/script/apply_state.ts";
import { HttpFlow, Response } from "../../../core/flow/http.ts";
import { StateError } from "../../../core/flow/state.ts";
import { tclient, tflow, tserver, ttcpflow } from "../../core/flow/tflow.ts";

/** What a sandbox would send back after running `edit` on a copy of the flow. */
function edited(flow: HttpFlow, edit: (f: HttpFlow) => void) {
  const copy = HttpFlow.fromState(flow.getState());
  copy.live = flow.live;
  edit(copy);
  return copy.getState();
}

Deno.test("apply: changes land in the live objects, connections and id stay", () => {
  const flow = tflow({ resp: true, live: true });
  const { request, response, client_conn, server_conn, id } = flow;
  const state = edited(flow, (f) => {
    f.request.host = "example.com";
    f.request.headers.set("x-new", "1");
    f.request.method = "post";
    f.response!.status_code = 404;
    f.response!.text = "gone";
    f.id = "forged";
    f.server_conn.address = ["evil", 1];
  });
  applyFlowState(flow, state, { request_stream: true });
  strictEqual(flow.request, request);
  strictEqual(flow.response, response);
  strictEqual(flow.client_conn, client_conn);
  strictEqual(flow.server_conn, server_conn);
  strictEqual(flow.id, id);
  strictEqual(server_conn.address?.[0], "address");
  strictEqual(request.host, "example.com");
  strictEqual(request.method, "POST");
  strictEqual(request.headers.get("x-new"), "1");
  strictEqual(request.stream, true);
  strictEqual(response!.status_code, 404);
  strictEqual(response!.text, "gone");
});

Deno.test("apply: a new response is attached; kill and intercept replay", () => {
  const flow = tflow({ live: true });
  applyFlowState(flow, edited(flow, (f) => (f.response = Response.make(204))), {});
  strictEqual(flow.response?.status_code, 204);
  const waiting = tflow({ live: true });
  applyFlowState(waiting, edited(waiting, (f) => f.intercept()), {});
  strictEqual(waiting.intercepted, true);
  applyFlowState(waiting, edited(waiting, (f) => f.kill()), {});
  strictEqual(waiting.error?.msg, "Connection killed.");
  strictEqual(waiting.live, false);
  strictEqual(waiting.intercepted, false);
});

Deno.test("apply: only the fields in the delta change", () => {
  const flow = tflow({ resp: true, live: true });
  const sent = flow.getState();
  applyFlowState(flow, { marked: ":x:", id: "forged", client_conn: null }, {});
  strictEqual(flow.marked, ":x:");
  strictEqual(flow.response?.status_code, 200);
  strictEqual(flow.id, sent.id);
});

Deno.test("apply: invalid states throw StateError and change nothing", () => {
  const bad = [
    (f: HttpFlow) => (f.request.port = 70000),
    (f: HttpFlow) => f.request.headers.set("x", "a\nb"),
    (f: HttpFlow) => (f.request.path = "/a b\r\n"),
    (f: HttpFlow) => f.request.headers.fields.push(["", "empty name"]),
    (f: HttpFlow) => (f.response = Response.make(42)),
  ];
  for (const edit of bad) {
    const flow = tflow({ live: true });
    const before = flow.getState();
    throws(() => applyFlowState(flow, edited(flow, edit), {}), StateError);
    deepStrictEqual(flow.getState(), before);
  }
  const flow = tflow({ live: true });
  const before = flow.getState();
  const garbage = [null, 42, "flow", [], { request: 5 }, { marked: 1 }, ttcpflow().getState()];
  for (const g of garbage) {
    throws(() => applyFlowState(flow, g as never, {}), StateError);
  }
  deepStrictEqual(flow.getState(), before);
});

Deno.test("apply: TCP messages are changed in place", () => {
  const flow = ttcpflow({ live: true });
  const last = flow.messages[1];
  const sent = flow.getState();
  const messages = [...(sent.messages as [boolean, Uint8Array, number][])];
  messages[1] = [false, new TextEncoder().encode("changed"), 1];
  applyFlowState(flow, { messages }, {});
  strictEqual(flow.messages[1], last);
  strictEqual(new TextDecoder().decode(last.content), "changed");
});

Deno.test("apply: server hooks may redirect in server_connect only", () => {
  const data = { server: tserver(), client: tclient() };
  const server = tserver();
  server.address = ["elsewhere", 8080];
  const state = { server: server.getState(), client: data.client.getState() };
  applyServerState(data, state, "server_connected");
  deepStrictEqual(data.server.address, ["address", 22]);
  applyServerState(data, state, "server_connect");
  deepStrictEqual(data.server.address, ["elsewhere", 8080]);
});
