import assert from "node:assert/strict";
import { Client, Server } from "../../../core/flow/connection.ts";
import { StateError } from "../../../core/flow/state.ts";

Deno.test("Client defaults match mitmproxy's dataclass defaults", () => {
  const c = new Client({
    peername: ["1.2.3.4", 5],
    sockname: ["0.0.0.0", 8080],
    timestamp_start: 1,
  });
  const s = c.getState();
  assert.match(c.id, /^[0-9a-f-]{36}$/);
  assert.deepEqual({ ...s, id: "" }, {
    peername: ["1.2.3.4", 5],
    sockname: ["0.0.0.0", 8080],
    id: "",
    transport_protocol: "tcp",
    error: null,
    tls: false,
    certificate_list: [],
    alpn: null,
    alpn_offers: [],
    cipher: null,
    cipher_list: [],
    tls_version: null,
    sni: null,
    timestamp_start: 1,
    timestamp_end: null,
    timestamp_tls_setup: null,
    mitmcert: null,
    proxy_mode: "regular",
  });
  assert.equal(c.connected, false);
  assert.equal(c.tls_established, false);
  c.timestamp_tls_setup = 2;
  assert.equal(c.tls_established, true);
  assert.equal("connected" in s, false);
});

Deno.test("Server defaults and via", () => {
  const s = new Server({ address: ["example.com", 443] });
  const st = s.getState();
  assert.equal(st.peername, null);
  assert.equal(st.timestamp_start, null);
  assert.equal(st.via, null);
  assert.deepEqual(st.address, ["example.com", 443]);
  s.via = ["https", ["proxy", 3128]];
  assert.deepEqual(Server.fromState(s.getState()).via, ["https", ["proxy", 3128]]);
  assert.notEqual(new Server({ address: null }).id, s.id);
});

Deno.test("PEM strings in memory, bytes in state", () => {
  const pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  const c = new Client({
    peername: null,
    sockname: null,
    timestamp_start: 0,
    certificate_list: [pem],
    mitmcert: pem,
    alpn: "h2",
  });
  const s = c.getState();
  assert.deepEqual(s.mitmcert, new TextEncoder().encode(pem));
  assert.deepEqual(s.alpn, new TextEncoder().encode("h2"));
  const back = Client.fromState(s);
  assert.equal(back.mitmcert, pem);
  assert.deepEqual(back.certificate_list, [pem]);
  assert.equal(back.alpn, "h2");
});

Deno.test("fromState validates", () => {
  const s = new Server({ address: ["a", 1] }).getState();
  assert.throws(() => Server.fromState({ ...s, tls: "yes" }), /server_conn\.tls: expected bool/);
  assert.throws(() => Server.fromState({ ...s, transport_protocol: "sctp" }), StateError);
  assert.throws(() => Server.fromState({ ...s, address: ["a"] }), /\[host, port\]/);
});
