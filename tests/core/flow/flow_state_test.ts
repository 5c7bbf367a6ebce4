import assert from "node:assert/strict";
import { Client, Server } from "../../../core/flow/connection.ts";
import { FlowError } from "../../../core/flow/flow.ts";
import { FLOW_FORMAT_VERSION, flowFromState } from "../../../core/flow/flow_state.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { HttpFlow, Request, Response } from "../../../core/flow/http.ts";
import { type StateDict, StateError, type StateValue } from "../../../core/flow/state.ts";
import { TcpFlow } from "../../../core/flow/tcp.ts";
import { WebSocketData } from "../../../core/flow/websocket.ts";
import { tclient, tflow, treq, tresp, tserver, ttcpflow } from "./tflow.ts";

// Key lists and orders from the reference, section 6.1 (mitmproxy HEAD, format 21).
const FLOW_KEYS = [
  "version",
  "type",
  "id",
  "error",
  "client_conn",
  "server_conn",
  "intercepted",
  "is_replay",
  "marked",
  "metadata",
  "comment",
  "timestamp_created",
  "backup",
];
const HTTP_FLOW_KEYS = [...FLOW_KEYS, "request", "response", "websocket"];
const TCP_FLOW_KEYS = [...FLOW_KEYS, "messages"];
const MESSAGE_KEYS = [
  "http_version",
  "headers",
  "content",
  "trailers",
  "timestamp_start",
  "timestamp_end",
];
const REQUEST_KEYS = [...MESSAGE_KEYS, "host", "port", "method", "scheme", "authority", "path"];
const RESPONSE_KEYS = [...MESSAGE_KEYS, "status_code", "reason"];
const CONNECTION_KEYS = [
  "peername",
  "sockname",
  "id",
  "transport_protocol",
  "error",
  "tls",
  "certificate_list",
  "alpn",
  "alpn_offers",
  "cipher",
  "cipher_list",
  "tls_version",
  "sni",
  "timestamp_start",
  "timestamp_end",
  "timestamp_tls_setup",
];
const CLIENT_KEYS = [...CONNECTION_KEYS, "mitmcert", "proxy_mode"];
const SERVER_KEYS = [...CONNECTION_KEYS, "address", "timestamp_tcp_setup", "via"];
const WEBSOCKET_KEYS = [
  "messages",
  "closed_by_client",
  "close_code",
  "close_reason",
  "timestamp_end",
];
const ERROR_KEYS = ["msg", "timestamp"];

const isBytes = (v: unknown) => v instanceof Uint8Array;

Deno.test("HTTP flow state has mitmproxy's keys in mitmproxy's order", () => {
  const s = tflow({ resp: true, err: true, ws: true }).getState();
  assert.deepEqual(Object.keys(s), HTTP_FLOW_KEYS);
  assert.deepEqual(Object.keys(s.request as StateDict), REQUEST_KEYS);
  assert.deepEqual(Object.keys(s.response as StateDict), RESPONSE_KEYS);
  assert.deepEqual(Object.keys(s.client_conn as StateDict), CLIENT_KEYS);
  assert.deepEqual(Object.keys(s.server_conn as StateDict), SERVER_KEYS);
  assert.deepEqual(Object.keys(s.websocket as StateDict), WEBSOCKET_KEYS);
  assert.deepEqual(Object.keys(s.error as StateDict), ERROR_KEYS);
  assert.equal(s.version, 21);
  assert.equal(FLOW_FORMAT_VERSION, 21);
  assert.equal(s.type, "http");
  assert.equal(s.backup, null);
});

Deno.test("TCP flow state keys and message tuples", () => {
  const s = ttcpflow().getState();
  assert.deepEqual(Object.keys(s), TCP_FLOW_KEYS);
  assert.equal(s.type, "tcp");
  const m = (s.messages as unknown[][])[0];
  assert.equal(m.length, 3);
  assert.equal(m[0], true);
  assert.ok(isBytes(m[1]));
  assert.equal(typeof m[2], "number");
});

Deno.test("state value kinds: bytes where mitmproxy has bytes, str where str", () => {
  const s = tflow({ resp: true, ws: true }).getState();
  const req = s.request as StateDict;
  for (const k of ["http_version", "content", "method", "scheme", "authority", "path"]) {
    assert.ok(isBytes(req[k]), `request.${k}`);
  }
  assert.equal(typeof req.host, "string");
  assert.equal(typeof req.port, "number");
  const h = req.headers as Uint8Array[][];
  assert.ok(h.every((f) => f.length === 2 && isBytes(f[0]) && isBytes(f[1])));
  const resp = s.response as StateDict;
  assert.ok(isBytes(resp.reason));
  assert.equal(typeof resp.status_code, "number");
  assert.ok(Array.isArray(resp.trailers));
  const c = s.client_conn as StateDict;
  assert.deepEqual(c.peername, ["127.0.0.1", 22]);
  assert.ok((c.certificate_list as unknown[]).every(isBytes));
  assert.ok(isBytes(c.alpn));
  assert.ok((c.alpn_offers as unknown[]).every(isBytes));
  assert.ok(isBytes(c.mitmcert));
  assert.equal(typeof c.cipher, "string");
  assert.equal(typeof c.proxy_mode, "string");
  assert.equal(c.transport_protocol, "tcp");
  const srv = s.server_conn as StateDict;
  assert.deepEqual(srv.via, ["http", ["upstream", 8080]]);
  assert.deepEqual(srv.address, ["address", 22]);
  assert.equal(srv.alpn, null);
  const ws = s.websocket as StateDict;
  const msg = (ws.messages as unknown[][])[2];
  assert.equal(msg.length, 6);
  assert.deepEqual([msg[0], msg[1], msg[4], msg[5]], [1, false, false, true]);
  assert.ok(isBytes(msg[2]));
});

Deno.test("fromState(getState(x)) reproduces the state", () => {
  const flows = [
    tflow(),
    tflow({ resp: true, err: true, ws: true }),
    ttcpflow({ err: true }),
  ];
  for (const f of flows) {
    const s = f.getState();
    const g = flowFromState(s);
    assert.equal(g.constructor, f.constructor);
    assert.deepEqual(g.getState(), s);
    assert.deepEqual(flowFromState(g.getState()).getState(), s);
  }
  for (const x of [treq(), tresp()]) {
    const cls = x instanceof Request ? Request : Response;
    assert.deepEqual(cls.fromState(x.getState()).getState(), x.getState());
  }
  const c = tclient();
  assert.deepEqual(Client.fromState(c.getState()).getState(), c.getState());
  const sv = tserver();
  assert.deepEqual(Server.fromState(sv.getState()).getState(), sv.getState());
  const ws = tflow({ ws: true }).websocket as WebSocketData;
  assert.deepEqual(WebSocketData.fromState(ws.getState()).getState(), ws.getState());
  const h = new Headers([["A", "\xff\x00"], ["a", "2"]]);
  assert.deepEqual(Headers.fromState(h.toState()).fields, h.fields);
  const e = new FlowError("boom", 1.5);
  assert.deepEqual(FlowError.fromState(e.getState()), e);
});

Deno.test("fromState restores typed objects", () => {
  const f = flowFromState(tflow({ resp: true, ws: true }).getState());
  assert.ok(f instanceof HttpFlow);
  assert.ok(f.request instanceof Request);
  assert.ok(f.response instanceof Response);
  assert.ok(f.request.headers instanceof Headers);
  assert.equal(f.request.headers.get("header"), "qvalue");
  assert.equal(f.request.text, "content");
  assert.ok(f.websocket?.messages[1].is_text);
  assert.equal(f.websocket?.messages[1].text, "hello text");
  assert.deepEqual(f.client_conn.peername, ["127.0.0.1", 22]);
  assert.equal(f.client_conn.mitmcert, tclient().mitmcert);
  assert.deepEqual(f.server_conn.via, ["http", ["upstream", 8080]]);
  const t = flowFromState(ttcpflow().getState());
  assert.ok(t instanceof TcpFlow);
  assert.equal(new TextDecoder().decode(t.messages[1].content), "it's me");
});

Deno.test("flowFromState rejects unknown types, other versions and malformed state", () => {
  const s = tflow().getState();
  assert.throws(() => flowFromState({ ...s, type: "dns" }), /unsupported flow type "dns"/);
  assert.throws(() => flowFromState({ ...s, version: 17 }), /version 17/);
  assert.throws(() => flowFromState("x"), StateError);
  const bad = { ...s, request: { ...(s.request as StateDict), method: "GET" } };
  assert.throws(() => flowFromState(bad), /request\.method: expected bytes, got string/);
});

Deno.test("old WebSocket messages without `injected` load as not injected", () => {
  const s = tflow({ ws: true }).getState();
  const ws = s.websocket as StateDict;
  ws.messages = (ws.messages as StateValue[][]).map((m) => m.slice(0, 5));
  const f = flowFromState(s) as HttpFlow;
  assert.equal(f.websocket?.messages[2].injected, false);
});

Deno.test("metadata is deep-copied into state", () => {
  const f = tflow();
  const s = f.getState();
  ((s.metadata as StateDict).nested as StateDict).a = null;
  assert.notEqual((f.metadata.nested as StateDict).a, null);
});
