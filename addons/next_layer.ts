/**
 * The built-in `next_layer` decision (mitmproxy's order, §1.4 of the behaviour reference):
 * an explicit proxy speaks HTTP; inside a tunnel, ignored hosts pass through untouched,
 * TLS is intercepted, `tcp_hosts` and non-HTTP data become raw TCP, everything else HTTP.
 * It never overrides a layer that another addon already chose.
 */
import type { Layer } from "../layers/layer.ts";
import { NextLayer, type NextLayerData } from "../layers/next_layer.ts";
import { HttpLayer } from "../layers/http/http_layer.ts";
import { TcpLayer } from "../layers/tcp.ts";
import { ClientTlsLayer } from "../layers/tls.ts";
import { ReverseProxy, type ReverseTarget, targetUsesTls } from "../layers/modes.ts";
import { looksLikeTls } from "../codecs/tls/client_hello.ts";
import type { Context } from "../layers/context.ts";

const tunnel = (context: Context): Layer => new NextLayer(context);
const HTTP_ALPNS = ["h2", "http/1.1", "http/1.0", "http/0.9"];
const afterTls = (context: Context, passthrough: boolean): Layer =>
  passthrough ? new TcpLayer(context, true) : new NextLayer(context);

/** Returns the layer for this connection, or null while more data is needed. */
export function decideNextLayer(data: NextLayerData): Layer | null {
  const context = data.context.fork();
  const { client, server, options } = context;
  const depth = data.context.layers.length;
  if (depth <= 1 && client.proxy_mode.startsWith("regular")) {
    return new HttpLayer(context, { kind: "regular" }, tunnel);
  }
  const top = data.context.layers[0];
  if (top instanceof ReverseProxy) return decideReverse(data, context, top.target);
  const address = server.address;
  if (address === null) return new TcpLayer(context, true);
  const hostPort = `${address[0]}:${address[1]}`;
  const ignored = options.ignore_hosts.some((r) => r.test(hostPort)) ||
    (options.allow_hosts.length > 0 && !options.allow_hosts.some((r) => r.test(hostPort)));
  if (ignored) return new TcpLayer(context, true);
  const clientData = data.clientData;
  if (client.tls && client.alpn !== null && HTTP_ALPNS.includes(client.alpn)) {
    // The TLS handshake already settled the protocol (§1.4 step 5a): no need to sniff, and
    // an HTTP/2 server speaks first (SETTINGS), which would look like a raw TCP server.
    return new HttpLayer(
      context,
      { kind: "transparent", address: [address[0], address[1]] },
      tunnel,
    );
  }
  if (clientData.length === 0 && data.serverData.length === 0 && !data.final) return null;
  if (clientData.length >= 3 && looksLikeTls(clientData)) {
    return new ClientTlsLayer(context, afterTls);
  }
  if (options.tcp_hosts.some((r) => r.test(hostPort))) return new TcpLayer(context);
  if (options.rawtcp && probablyNotHttp(clientData, data.serverData.length > 0)) {
    return new TcpLayer(context);
  }
  return new HttpLayer(context, { kind: "transparent", address: [address[0], address[1]] }, tunnel);
}

function probablyNotHttp(data: Uint8Array, serverSpokeFirst: boolean): boolean {
  if (serverSpokeFirst || data.length < 3) return true;
  const firstLineEnd = data.indexOf(0x0a);
  const firstLine = data.subarray(0, firstLineEnd < 0 ? data.length : firstLineEnd);
  if (!firstLine.includes(0x20)) return true;
  const isAlpha = (b: number) => (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
  if (!isAlpha(data[0]) || !isAlpha(data[1]) || !isAlpha(data[2])) return true;
  return data[0] === 0x53 && data[1] === 0x53 && data[2] === 0x48; // "SSH"
}

/** Reverse proxy (§1.3): [client TLS if the client speaks it] / HTTP or TCP per scheme. */
function decideReverse(data: NextLayerData, context: Context, target: ReverseTarget): Layer | null {
  const clientData = data.clientData;
  if (!context.client.tls) {
    if (clientData.length === 0 && data.serverData.length === 0 && !data.final) return null;
    if (clientData.length >= 3 && looksLikeTls(clientData)) {
      return new ClientTlsLayer(context, afterTls, targetUsesTls(target));
    }
  }
  if (target.scheme === "http" || target.scheme === "https") {
    const mode = {
      kind: "reverse" as const,
      address: [target.host, target.port] as [string, number],
      tls: targetUsesTls(target),
    };
    return new HttpLayer(context, mode, tunnel);
  }
  return new TcpLayer(context);
}

export const nextLayerAddon = {
  name: "next_layer",
  next_layer(data: NextLayerData): void {
    if (data.layer !== null) return;
    data.layer = decideNextLayer(data);
  },
};
