/**
 * Server specs for `reverse:` and `upstream:` modes (mitmproxy's `server_spec.py`):
 * `[scheme://]host[:port][/]`, IPv6 in brackets, no path.
 */

export const SERVER_SCHEMES = [
  "http",
  "https",
  "http3",
  "tls",
  "dtls",
  "tcp",
  "udp",
  "dns",
  "quic",
] as const;
export type ServerScheme = typeof SERVER_SCHEMES[number];

const DEFAULT_PORTS: Partial<Record<ServerScheme, number>> = {
  http: 80,
  https: 443,
  http3: 443,
  quic: 443,
  dns: 53,
};

export interface ServerSpec {
  readonly scheme: ServerScheme;
  readonly host: string;
  readonly port: number;
}

const SPEC_RE = /^(?:([a-z0-9]+):\/\/)?(\[[0-9a-fA-F:.]+\]|[^:/\[\]\s]+)(?::(\d+))?\/?$/i;

export function parseServerSpec(text: string, defaultScheme: ServerScheme): ServerSpec {
  const match = SPEC_RE.exec(text);
  if (match === null) throw new Error(`Invalid server specification: ${text}`);
  const scheme = (match[1]?.toLowerCase() ?? defaultScheme) as ServerScheme;
  if (!(SERVER_SCHEMES as readonly string[]).includes(scheme)) {
    throw new Error(`Invalid server scheme: ${scheme} (known: ${SERVER_SCHEMES.join(", ")})`);
  }
  const host = match[2].replace(/^\[(.*)\]$/, "$1");
  let port: number;
  if (match[3] !== undefined) {
    port = Number(match[3]);
    if (port < 1 || port > 65535) throw new Error(`Invalid port in server specification: ${text}`);
  } else {
    const fallback = DEFAULT_PORTS[scheme];
    if (fallback === undefined) throw new Error(`Port specification missing: ${text}`);
    port = fallback;
  }
  return { scheme, host, port };
}
