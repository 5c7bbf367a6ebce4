import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { latin1Encode } from "../../../codecs/bytes.ts";
import { flowFromState } from "../../../core/flow/flow_state.ts";
import type { HttpFlow } from "../../../core/flow/http.ts";
import { cloneState, type StateDict, stateEquals } from "../../../core/flow/state.ts";
import { FlowMigrator, migrateFlow, MigrationError } from "../../../core/io/compat.ts";
import { tflow, ttcpflow } from "../flow/tflow.ts";

/** A state laid out like mitmproxy 8.1.1 (format 17) writes it, from a current one. */
function asVersion17(current: StateDict): StateDict {
  const s = cloneState(current);
  s.version = 17;
  const client = s.client_conn as StateDict;
  const server = s.server_conn as StateDict;
  for (const conn of [client, server]) {
    delete conn.transport_protocol;
    conn.tls_established = conn.timestamp_tls_setup !== null;
    conn.cipher_name = conn.cipher;
    delete conn.cipher;
    conn.state = 0;
  }
  client.address = client.peername;
  delete client.peername;
  delete client.proxy_mode;
  client.tls_extensions = [];
  server.ip_address = server.peername;
  delete server.peername;
  server.source_address = server.sockname;
  delete server.sockname;
  server.via2 = server.via;
  delete server.via;
  delete s.backup;
  return s;
}

Deno.test("version 17 (mitmproxy 8) migrates to 21 and matches the current state", () => {
  for (const flow of [tflow({ resp: true }), tflow({ err: true, ws: true }), ttcpflow()]) {
    const current = flow.getState();
    const migrated = migrateFlow(asVersion17(current));
    strictEqual(migrated.version, 21);
    ok(stateEquals(flowFromState(migrated).getState(), current));
  }
});

Deno.test("18 -> 19: bytes hosts become str, a missing client timestamp becomes 0.0", () => {
  const s = asVersion17(tflow().getState());
  const client = s.client_conn as StateDict;
  client.address = [latin1Encode("127.0.0.1"), 22];
  client.timestamp_start = null;
  (s.server_conn as StateDict).sni = true;
  const m = migrateFlow(s);
  deepStrictEqual((m.client_conn as StateDict).peername, ["127.0.0.1", 22]);
  strictEqual((m.client_conn as StateDict).timestamp_start, 0);
  strictEqual((m.server_conn as StateDict).sni, "address");
});

Deno.test("20 -> 21: tls_version QUIC becomes QUICv1", () => {
  const s = tflow().getState();
  s.version = 20;
  (s.client_conn as StateDict).tls_version = "QUIC";
  const m = migrateFlow(s);
  strictEqual((m.client_conn as StateDict).tls_version, "QUICv1");
  strictEqual((m.server_conn as StateDict).tls_version, "TLSv1.2");
});

Deno.test("12 -> 13, 13 -> 14, 14 -> 15, 15 -> 16: markers, comments, ws injected, created", () => {
  const s = asVersion17(tflow({ resp: true, ws: true }).getState());
  s.version = 12;
  s.marked = true;
  delete s.comment;
  delete s.timestamp_created;
  s.mode = "regular";
  const ws = s.websocket as StateDict;
  ws.messages = (ws.messages as StateDict[][]).map((m) => m.slice(0, 5));
  const response = s.response as StateDict;
  response.timestamp_start = null;
  const m = migrateFlow(s);
  strictEqual(m.marked, ":default:");
  strictEqual(m.comment, "");
  strictEqual(m.timestamp_created, 946681200);
  strictEqual("mode" in m, false);
  deepStrictEqual(
    (m.websocket as StateDict).messages,
    tflow({ ws: true }).websocket!.messages.map((x) => [...x.getState().slice(0, 5), false]),
  );
  strictEqual((m.response as StateDict).timestamp_start, 946681201);
  strictEqual((m.response as StateDict).timestamp_end, 946681202);
});

Deno.test("11 -> 12: a legacy WebSocket flow merges into its handshake flow", () => {
  const handshake = asVersion17(tflow({ resp: true }).getState());
  for (const k of ["websocket", "comment", "timestamp_created"]) delete handshake[k];
  handshake.version = 11;
  handshake.marked = false;
  handshake.mode = "regular";
  handshake.id = "hs";
  handshake.metadata = { websocket: true };
  const base = cloneState(handshake);
  const wsState = (id: string): StateDict => {
    const ws = cloneState(base);
    delete ws.request;
    delete ws.response;
    return {
      ...ws,
      type: "websocket",
      id,
      metadata: { websocket_handshake: "hs" },
      messages: [[1, true, "hi", 5, false], [2, false, latin1Encode("\x00"), 6, false]],
      close_sender: "server",
      close_code: 1000,
      close_reason: "bye",
    };
  };
  const ws = wsState("ws");
  const migrator = new FlowMigrator();
  const first = migrator.migrate(handshake);
  strictEqual(first.websocket, null);
  const merged = flowFromState(migrator.migrate(ws)) as HttpFlow;
  strictEqual(merged.id, "hs");
  strictEqual(merged.type, "http");
  strictEqual(merged.websocket?.messages.length, 2);
  strictEqual(merged.websocket?.messages[0].text, "hi");
  strictEqual(merged.websocket?.messages[0].injected, false);
  strictEqual(merged.websocket?.closed_by_client, false);
  strictEqual(merged.websocket?.close_reason, "bye");
  ok(String(merged.metadata.duplicated).includes("may appear duplicated"));
  // The handshake was used up: another WebSocket flow for it gets a made-up handshake.
  const orphan = flowFromState(migrator.migrate(wsState("ws2"))) as HttpFlow;
  strictEqual(orphan.id, "ws2");
  strictEqual(orphan.request.url, "http://unknown/");
});

Deno.test("versions that cannot be read fail with a clear message", () => {
  const s = tflow().getState();
  throws(() => migrateFlow({ ...s, version: [0, 10, 1] }), {
    name: "MigrationError",
    message: "flow file version 0.10 is too old to read",
  });
  throws(() => migrateFlow({ ...s, version: 22 }), {
    message: "flow file version 22 is newer than this mitmdeno supports; please update",
  });
  throws(() => migrateFlow({ ...s, version: [3, 1] }), {
    message: "unknown flow file version 3.1",
  });
  throws(() => migrateFlow({ ...s, version: "x" }), MigrationError);
  throws(() => migrateFlow({ ...s, version: 17, client_conn: null }), {
    message: '17 -> 18: expected "client_conn" to be a dict, got None',
  });
});

Deno.test("4 -> 5: connections with the same start and address share an id", () => {
  const make = (ts: number): StateDict => {
    const s = asVersion17(tflow({ resp: true }).getState());
    s.version = 4;
    s.mode = "regular";
    s.marked = false;
    for (const k of ["websocket", "comment", "timestamp_created", "is_replay"]) delete s[k];
    const request = s.request as StateDict;
    request.first_line_format = "relative";
    delete request.authority;
    delete request.trailers;
    delete (s.response as StateDict).trailers;
    for (const key of ["client_conn", "server_conn"]) {
      const conn = s[key] as StateDict;
      conn.ssl_established = conn.tls_established;
      conn.timestamp_ssl_setup = conn.timestamp_tls_setup;
      conn.alpn_proto_negotiated = conn.alpn;
      for (
        const k of [
          "tls_established",
          "timestamp_tls_setup",
          "alpn",
          "tls",
          "error",
          "alpn_offers",
          "cipher_list",
          "certificate_list",
          "state",
          "via2",
          "sockname",
          "tls_extensions",
        ]
      ) delete conn[k];
      conn.timestamp_start = ts;
    }
    const server = s.server_conn as StateDict;
    server.via = null;
    server.cert = null;
    (s.client_conn as StateDict).clientcert = null;
    return s;
  };
  const migrator = new FlowMigrator();
  const a = migrator.migrate(make(1));
  const b = migrator.migrate(make(1));
  const c = migrator.migrate(make(2));
  strictEqual((a.client_conn as StateDict).id, (b.client_conn as StateDict).id);
  strictEqual((a.server_conn as StateDict).id, (b.server_conn as StateDict).id);
  ok((a.client_conn as StateDict).id !== (c.client_conn as StateDict).id);
  const flow = flowFromState(a) as HttpFlow;
  strictEqual(flow.request.url, "http://address:22/path");
  strictEqual(flow.client_conn.tls, true);
  deepStrictEqual(flow.server_conn.peername, ["192.168.0.1", 22]);
  deepStrictEqual(flow.client_conn.sockname, ["", 0]);
});
