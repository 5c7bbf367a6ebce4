import { strictEqual } from "node:assert/strict";
import { decideNextLayer } from "../../addons/next_layer.ts";
import { Server } from "../../core/flow/connection.ts";
import { HttpLayer } from "../../layers/http/http_layer.ts";
import { NextLayer, NextLayerData } from "../../layers/next_layer.ts";
import { TcpLayer } from "../../layers/tcp.ts";
import { ClientTlsLayer } from "../../layers/tls.ts";
import { ReverseProxy } from "../../layers/modes.ts";
import type { LayerOptions } from "../../layers/context.ts";
import { bytes } from "../playbook.ts";
import { tctx } from "../tctx.ts";

/** A tunnel context: as after CONNECT, three layers deep with a known server. */
function tunnelData(
  client: string,
  options: Partial<LayerOptions> = {},
  server = "",
  final = false,
) {
  const ctx = tctx(options);
  ctx.server = new Server({ address: ["example.com", 443] });
  const top = new NextLayer(ctx);
  ctx.layers.push(top, top, top);
  return new NextLayerData(ctx, bytes(client), bytes(server), final);
}

Deno.test("regular mode at the top: HTTP", () => {
  const ctx = tctx();
  ctx.layers.push(new NextLayer(ctx));
  const layer = decideNextLayer(new NextLayerData(ctx, bytes(""), bytes(""), false));
  strictEqual(layer instanceof HttpLayer, true);
  strictEqual((layer as HttpLayer).mode.kind, "regular");
});

Deno.test("in a tunnel: wait for data, then HTTP, TCP or passthrough", () => {
  strictEqual(decideNextLayer(tunnelData("")), null);
  const http = decideNextLayer(tunnelData("GET / HTTP/1.1\r\n"));
  strictEqual(http instanceof HttpLayer && http.mode.kind === "transparent", true);
  const tcp = decideNextLayer(tunnelData("\x00\x01binary"));
  strictEqual(tcp instanceof TcpLayer && !tcp.ignore, true);
  const ssh = decideNextLayer(tunnelData("SSH-2.0-OpenSSH\r\n"));
  strictEqual(ssh instanceof TcpLayer, true);
  const serverFirst = decideNextLayer(tunnelData("", {}, "220 smtp ready\r\n"));
  strictEqual(serverFirst instanceof TcpLayer, true);
  const tls = decideNextLayer(tunnelData("\x16\x03\x01\x02\x00"));
  strictEqual(tls instanceof ClientTlsLayer, true);
});

Deno.test("ignore_hosts / allow_hosts / tcp_hosts / rawtcp", () => {
  const ignored = decideNextLayer(tunnelData("", { ignore_hosts: [/example\.com/i] }));
  strictEqual(ignored instanceof TcpLayer && ignored.ignore, true);
  const notAllowed = decideNextLayer(tunnelData("", { allow_hosts: [/other\.org/i] }));
  strictEqual(notAllowed instanceof TcpLayer && notAllowed.ignore, true);
  const tcpHost = decideNextLayer(tunnelData("GET / HTTP/1.1\r\n", { tcp_hosts: [/:443$/] }));
  strictEqual(tcpHost instanceof TcpLayer && !tcpHost.ignore, true);
  const noRaw = decideNextLayer(tunnelData("\x00\x01binary", { rawtcp: false }));
  strictEqual(noRaw instanceof HttpLayer, true);
});

Deno.test("reverse proxy: client TLS first, then HTTP or TCP by the target's scheme", () => {
  const make = (scheme: string, client: string) => {
    const ctx = tctx({}, `reverse:${scheme}://example.com:8443`);
    const top = new ReverseProxy(ctx, { scheme, host: "example.com", port: 8443 });
    ctx.layers.push(top);
    return decideNextLayer(new NextLayerData(ctx, bytes(client), bytes(""), false));
  };
  strictEqual(make("https", ""), null);
  const tls = make("https", "\x16\x03\x01\x02\x00");
  strictEqual(tls instanceof ClientTlsLayer && tls.serverTls, true);
  const plainTls = make("http", "\x16\x03\x01\x02\x00");
  strictEqual(plainTls instanceof ClientTlsLayer && !plainTls.serverTls, true);
  const http = make("https", "GET / HTTP/1.1\r\n");
  strictEqual(http instanceof HttpLayer && http.mode.kind === "reverse" && http.mode.tls, true);
  strictEqual(make("tcp", "hello") instanceof TcpLayer, true);
});
