import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Server } from "../../core/flow/connection.ts";
import type { ClientHelloHookData, TlsHookData } from "../../core/hooks.ts";
import { StartTls } from "../../layers/commands.ts";
import { ConnectionClosed, DataReceived, Start } from "../../layers/events.ts";
import { NextLayer } from "../../layers/next_layer.ts";
import { TcpLayer } from "../../layers/tcp.ts";
import { ClientTlsLayer } from "../../layers/tls.ts";
import type {
  TlsClientSideSettings,
  TlsHandshakeResult,
  TlsServerSideSettings,
} from "../../layers/tls_settings.ts";
import {
  bytes,
  closeConnection,
  hook,
  openConnection,
  placeholder,
  playbook,
  sendData,
  where,
} from "../playbook.ts";
import { tctx } from "../tctx.ts";
import {
  alpnExtension,
  helloMessage,
  inRecords,
  sniExtension,
} from "../codecs/tls/tls_test_util.ts";

const HELLO = inRecords(
  helloMessage({ extensions: [sniExtension("example.com"), alpnExtension(["http/1.1"])] }),
);

const SERVER_SETTINGS: TlsClientSideSettings = {
  side: "client",
  sni: "example.com",
  alpnOffers: ["http/1.1"],
  verify: true,
  verifyHost: "example.com",
};
const CLIENT_SETTINGS: TlsServerSideSettings = {
  side: "server",
  certChainPem: "CERT",
  keyPem: "KEY",
  alpn: "http/1.1",
  prefix: new Uint8Array(0),
};
const OK: TlsHandshakeResult = {
  ok: true,
  alpn: "http/1.1",
  tlsVersion: "TLSv1.3",
  cipher: "TLS_AES_256_GCM_SHA384",
  peerCertificates: ["PEM"],
  authorized: true,
};

function tlsContext(options = {}) {
  const ctx = tctx({ upstream_cert: true, ...options });
  ctx.server = new Server({ address: ["example.com", 443] });
  return ctx;
}

const startTls = (side: "client" | "server") =>
  where(`StartTls(${side})`, (c) => c instanceof StartTls && c.settings.side === side, true);

Deno.test("tls: intercepts with the server handshake first, then hands plaintext to the child", () => {
  const ctx = tlsContext();
  const hello = placeholder<ClientHelloHookData>("hello");
  const serverData = placeholder<TlsHookData>("server tls");
  const clientData = placeholder<TlsHookData>("client tls");
  const layer = new ClientTlsLayer(ctx, (c) => new NextLayer(c));
  let clientStart: StartTls | null = null;
  playbook(layer)
    .in(new Start())
    .in(new DataReceived(ctx.client, HELLO.subarray(0, 20)))
    .in(new DataReceived(ctx.client, HELLO.subarray(20)))
    .out(hook("tls_clienthello", hello))
    .do(() => {
      strictEqual(hello.value.client_hello.sni, "example.com");
      strictEqual(hello.value.establish_server_tls_first, true);
    })
    .reply()
    .out(openConnection(ctx.server)).reply(null)
    .out(hook("tls_start_server", serverData))
    .do(() => (serverData.value.settings = SERVER_SETTINGS))
    .reply()
    .out(startTls("client")).reply(OK)
    .out(hook("tls_established_server", serverData)).reply()
    .out(hook("tls_start_client", clientData))
    .do(() => (clientData.value.settings = CLIENT_SETTINGS))
    .reply()
    .out(where("StartTls(server side, with the hello)", (c) => {
      if (!(c instanceof StartTls) || c.settings.side !== "server") return false;
      clientStart = c;
      return c.settings.prefix.length === HELLO.length;
    }, true))
    .reply(OK)
    .out(hook("tls_established_client", clientData)).reply()
    .out(hook("next_layer", placeholder("next layer"))).reply()
    .in(new DataReceived(ctx.client, bytes("GET / HTTP/1.1\r\n\r\n")))
    .out(hook("next_layer", placeholder("next layer 2"))).reply()
    .check();
  strictEqual(clientStart !== null, true);
  strictEqual(ctx.client.tls, true);
  strictEqual(ctx.client.alpn, "http/1.1");
  strictEqual(ctx.client.sni, "example.com");
  deepStrictEqual(ctx.client.alpn_offers, ["http/1.1"]);
  strictEqual(ctx.server.tls, true);
  deepStrictEqual(ctx.server.certificate_list, ["PEM"]);
});

Deno.test("tls: ignore_connection passes the hello through to a raw relay", () => {
  const ctx = tlsContext();
  ctx.server.connected = true;
  const hello = placeholder<ClientHelloHookData>("hello");
  playbook(
    new ClientTlsLayer(
      ctx,
      (c, passthrough) => passthrough ? new TcpLayer(c, true) : new NextLayer(c),
    ),
  )
    .in(new DataReceived(ctx.client, HELLO))
    .out(hook("tls_clienthello", hello))
    .do(() => (hello.value.ignore_connection = true))
    .reply()
    .out(sendData(ctx.server, (t) => t.length === HELLO.length))
    .check();
});

Deno.test("tls: the client rejecting our certificate fails cleanly with a log and a close", () => {
  const ctx = tlsContext({ upstream_cert: false });
  const clientData = placeholder<TlsHookData>("client tls");
  playbook(new ClientTlsLayer(ctx, (c) => new NextLayer(c)), { logs: true })
    .in(new DataReceived(ctx.client, HELLO))
    .out(hook("tls_clienthello", placeholder("hello"))).reply()
    .out(hook("tls_start_client", clientData))
    .do(() => (clientData.value.settings = CLIENT_SETTINGS))
    .reply()
    .out(startTls("server")).reply({ ok: false, error: "received fatal alert: UnknownCA" })
    .out(hook("tls_failed_client", clientData)).reply()
    .out(
      where("Log(does not trust)", (c) =>
        "message" in c &&
        String(c.message).includes("does not trust the proxy's certificate for example.com")),
    )
    .out(closeConnection(ctx.client))
    .check();
  strictEqual(ctx.client.error, "received fatal alert: UnknownCA");
});

Deno.test("tls: plain HTTP where TLS was expected is refused", () => {
  const ctx = tlsContext();
  playbook(new ClientTlsLayer(ctx, (c) => new NextLayer(c)))
    .in(new DataReceived(ctx.client, bytes("GET / HTTP/1.1\r\n\r\n")))
    .out(closeConnection(ctx.client))
    .check();
});

Deno.test("tls: no tlsconfig settings is a clear error, not a hang", () => {
  const ctx = tlsContext({ upstream_cert: false });
  playbook(new ClientTlsLayer(ctx, (c) => new NextLayer(c)), { hooks: false, logs: true })
    .in(new DataReceived(ctx.client, HELLO))
    .out(
      where(
        "Log(no TLS settings)",
        (c) => "message" in c && String(c.message).includes("no TLS settings"),
      ),
    )
    .out(closeConnection(ctx.client))
    .check();
});

Deno.test("tls: a client that hangs up mid-hello is closed", () => {
  const ctx = tlsContext();
  playbook(new ClientTlsLayer(ctx, (c) => new NextLayer(c)))
    .in(new DataReceived(ctx.client, HELLO.subarray(0, 10)))
    .in(new ConnectionClosed(ctx.client))
    .out(closeConnection(ctx.client))
    .check();
});
