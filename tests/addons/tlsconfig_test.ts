import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  type CertProvider,
  chooseClientAlpn,
  TlsConfig,
  type TlsFiles,
} from "../../addons/tlsconfig.ts";
import { Server } from "../../core/flow/connection.ts";
import type { ClientHelloHookData, TlsHookData } from "../../core/hooks.ts";
import { Master } from "../../core/master.ts";
import type { TlsClientSideSettings, TlsServerSideSettings } from "../../layers/tls_settings.ts";
import { tctx } from "../tctx.ts";

const requests: unknown[] = [];
const FAKE_CERTS: CertProvider = {
  getCert(request) {
    requests.push(request);
    return Promise.resolve({ certChainPem: "LEAF", keyPem: "KEY" });
  },
};
const FILES: TlsFiles = {
  readText: (path) => `PEM(${path})`,
  listDir: (path) => [`${path}/a.pem`, `${path}/example.com.pem`],
  isDirectory: (path) => path.endsWith("dir"),
};

function setup() {
  const master = new Master();
  const addon = new TlsConfig(FILES, FAKE_CERTS);
  master.addons.add(addon);
  master.addons.configureAll();
  return { master, addon };
}

function hookData(ctx = tctx(), conn: "client" | "server" = "client"): TlsHookData {
  return {
    conn: conn === "client" ? ctx.client : ctx.server,
    context: ctx,
    settings: null,
    is_dtls: false,
  };
}

Deno.test("ALPN toward the client follows mitmproxy's rules", () => {
  strictEqual(chooseClientAlpn([], "h2"), null);
  strictEqual(chooseClientAlpn(["h2", "http/1.1"], undefined), "h2");
  strictEqual(chooseClientAlpn(["h2", "http/1.1"], undefined, false), "http/1.1");
  strictEqual(chooseClientAlpn(["h2", "http/1.1"], "http/1.1"), "http/1.1");
  strictEqual(chooseClientAlpn(["http/1.1"], null), "http/1.1");
  strictEqual(chooseClientAlpn(["h2"], undefined, false), null);
  strictEqual(chooseClientAlpn(["spdy/3"], undefined), null);
});

Deno.test("tls_start_client: a forged certificate for SNI and address, upstream names mirrored", async () => {
  const { master } = setup();
  const ctx = tctx();
  ctx.client.sni = "example.com";
  ctx.client.alpn_offers = ["h2", "http/1.1"];
  ctx.server = new Server({ address: ["93.184.216.34", 443] });
  ctx.server.certificate_list = ["UPSTREAM"];
  const data = hookData(ctx);
  await master.addons.trigger("tls_start_client", data);
  const settings = data.settings as TlsServerSideSettings;
  strictEqual(settings.side, "server");
  strictEqual(settings.certChainPem, "LEAF");
  strictEqual(settings.alpn, "h2");
  strictEqual(settings.minVersion, "TLSv1.2");
  deepStrictEqual(requests.at(-1), {
    sni: "example.com",
    address: "93.184.216.34",
    upstreamCertPem: "UPSTREAM",
  });
});

Deno.test("tls_start_server: SNI, verification, trusted CA, IP literals get no SNI", async () => {
  const { master } = setup();
  master.options.update({ ssl_verify_upstream_trusted_ca: "/ca.pem" });
  const ctx = tctx();
  ctx.client.sni = "example.com";
  ctx.client.alpn_offers = ["h2", "http/1.1"];
  ctx.server = new Server({ address: ["example.com", 443] });
  const data = hookData(ctx, "server");
  await master.addons.trigger("tls_start_server", data);
  const settings = data.settings as TlsClientSideSettings;
  strictEqual(settings.sni, "example.com");
  strictEqual(settings.verify, true);
  strictEqual(settings.caPem, "PEM(/ca.pem)");
  deepStrictEqual(settings.alpnOffers, ["h2", "http/1.1"]);

  master.options.update({ ssl_insecure: true, client_certs: "/certs/dir" });
  const ipCtx = tctx();
  ipCtx.server = new Server({ address: ["127.0.0.1", 8443] });
  const ipData = hookData(ipCtx, "server");
  await master.addons.trigger("tls_start_server", ipData);
  const ipSettings = ipData.settings as TlsClientSideSettings;
  strictEqual(ipSettings.sni, null);
  strictEqual(ipSettings.verify, false);
  strictEqual(ipSettings.verifyHost, "127.0.0.1");
  strictEqual(ipSettings.clientCertPem, undefined);
});

Deno.test("tls_clienthello: ignore_hosts matches SNI; pinned clients pass through once failed", async () => {
  const { master } = setup();
  master.options.update({ tls_passthrough_on_failure: true });
  const ctx = tctx({ ignore_hosts: [/^ignored\.example:443$/] });
  ctx.server = new Server({ address: ["1.2.3.4", 443] });
  const hello = (sni: string): ClientHelloHookData => ({
    context: ctx,
    client_hello: {
      sni,
      alpn_protocols: [],
      cipher_suites: [],
      extensions: [],
      raw: new Uint8Array(),
    },
    ignore_connection: false,
    establish_server_tls_first: true,
  });
  const ignored = hello("ignored.example");
  await master.addons.trigger("tls_clienthello", ignored);
  strictEqual(ignored.ignore_connection, true);
  const pinned = hello("pinned.example");
  await master.addons.trigger("tls_clienthello", pinned);
  strictEqual(pinned.ignore_connection, false);
  ctx.client.sni = "pinned.example";
  await master.addons.trigger("tls_failed_client", hookData(ctx));
  const again = hello("pinned.example");
  await master.addons.trigger("tls_clienthello", again);
  strictEqual(again.ignore_connection, true);
});
