/**
 * The intercepting proxies of the HTTPS benchmark, each with its own CA directory (created on
 * first start and kept for the run, so the client can trust it) and told to trust the bench
 * origin's CA upstream (verification on, the default) or all told not to verify it.
 *
 * How a peer picks the upstream differs, and so does the CONNECT target the client sends:
 * mitmdeno and mitmdump connect to the CONNECT address and forge the leaf from the SNI, so the
 * client CONNECTs to 127.0.0.1:PORT and puts the test name in the SNI only; http-mitm-proxy
 * forges the leaf for the CONNECT host name and connects to the Host header's address, so the
 * client CONNECTs to NAME:PORT and sends `Host: 127.0.0.1:PORT`.
 */

import { type Listening, startOnFreePort } from "./listeners.ts";
import { commandExists, makeTempDir, runCommand } from "./processes.ts";
import { installHttpMitmProxy } from "./peers.ts";

export const TLS_PEER_NAMES = ["direct", "mitmdeno", "http-mitm-proxy", "mitmdump"] as const;
export type TlsPeerName = typeof TLS_PEER_NAMES[number];

/** How a proxy treats the origin's certificate. */
export type UpstreamTrust = { insecure: true } | { insecure: false; caFile: string };

function upstreamOptions(trust: UpstreamTrust): string[] {
  return trust.insecure
    ? ["--set", "ssl_insecure=true"]
    : ["--set", `ssl_verify_upstream_trusted_ca=${trust.caFile}`];
}

export interface TlsPeer {
  name: Exclude<TlsPeerName, "direct">;
  /** null when ready; otherwise why this peer is skipped. */
  prepare(): Promise<string | null>;
  start(upstream: UpstreamTrust): Promise<Listening>;
  /** The CA certificate clients must trust (exists after the first start). */
  caFile(): string;
  /** CONNECT request target for TLS name `name` and origin port `port`. */
  connectTarget(name: string, port: number): string;
  version(): string;
}

const REPO_ROOT = new URL("../../", import.meta.url).pathname;
const START_TIMEOUT_MS = 120_000;

export function mitmdenoTlsPeer(): TlsPeer {
  let version = "";
  let confdir = "";
  return {
    name: "mitmdeno",
    async prepare() {
      const r = await runCommand("deno", ["--version"], { timeoutMs: 10_000 });
      version = `deno ${r.stdout.match(/deno (\S+)/)?.[1] ?? "?"}`;
      confdir = await makeTempDir("mitmdeno-bench-https-mitmdeno-");
      return null;
    },
    start(upstream) {
      return startOnFreePort("mitmdeno", (port) => ({
        cmd: "deno",
        args: [
          "run",
          "-A",
          "main.ts",
          "dump",
          "-q",
          "--listen-host",
          "127.0.0.1",
          "-p",
          String(port),
          "--set",
          `confdir=${confdir}`,
          ...upstreamOptions(upstream),
        ],
        opts: { cwd: REPO_ROOT },
      }), START_TIMEOUT_MS);
    },
    caFile: () => `${confdir}/mitmproxy-ca-cert.pem`,
    connectTarget: (_name, port) => `127.0.0.1:${port}`,
    version: () => version,
  };
}

/** Debian's mitmproxy package; installed with apt-get when `mitmdump` is missing. */
export function mitmdumpTlsPeer(): TlsPeer {
  let version = "";
  let confdir = "";
  return {
    name: "mitmdump",
    async prepare() {
      if (!(await commandExists("mitmdump"))) {
        console.log("mitmdump not found: apt-get install -y mitmproxy ...");
        const r = await runCommand("apt-get", ["install", "-y", "-q", "mitmproxy"], {
          timeoutMs: 600_000,
          env: { DEBIAN_FRONTEND: "noninteractive" },
        });
        if (r.code !== 0 || !(await commandExists("mitmdump"))) {
          const why = (r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ");
          return `apt-get install mitmproxy failed (exit ${r.code}): ${why}`;
        }
      }
      const r = await runCommand("mitmdump", ["--version"], { timeoutMs: 30_000 });
      version = `mitmdump ${r.stdout.match(/Mitmproxy:\s*(\S+)/)?.[1] ?? "?"}` +
        ` (Python ${r.stdout.match(/Python:\s*(\S+)/)?.[1] ?? "?"})`;
      confdir = await makeTempDir("mitmdeno-bench-https-mitmdump-");
      return null;
    },
    start(upstream) {
      return startOnFreePort("mitmdump", (port) => ({
        cmd: "mitmdump",
        args: [
          "-q",
          "--listen-host",
          "127.0.0.1",
          "-p",
          String(port),
          "--set",
          "block_global=false",
          "--set",
          `confdir=${confdir}`,
          ...upstreamOptions(upstream),
        ],
      }), START_TIMEOUT_MS);
    },
    caFile: () => `${confdir}/mitmproxy-ca-cert.pem`,
    connectTarget: (_name, port) => `127.0.0.1:${port}`,
    version: () => version,
  };
}

// The http-mitm-proxy runner is shared with the HTTP benchmark (bench/lib/peers.ts): keep-alive
// on; here the upstream is trusted through NODE_EXTRA_CA_CERTS (or not verified:
// NODE_TLS_REJECT_UNAUTHORIZED=0), which node's default https agent honours.

/** http-mitm-proxy as a peer of the HTTPS benchmark. */
export function httpMitmProxyTlsPeer(): TlsPeer {
  let version = "";
  let dir = "";
  return {
    name: "http-mitm-proxy",
    async prepare() {
      const installed = await installHttpMitmProxy("mitmdeno-bench-https-http-mitm-proxy-");
      if (typeof installed === "string") return installed;
      ({ dir, version } = installed);
      return null;
    },
    start(upstream) {
      return startOnFreePort("http-mitm-proxy", (port) => ({
        cmd: "node",
        args: ["proxy.cjs", String(port), `${dir}/ca`],
        opts: {
          cwd: dir,
          env: upstream.insecure
            ? { NODE_TLS_REJECT_UNAUTHORIZED: "0" } as Record<string, string>
            : { NODE_EXTRA_CA_CERTS: upstream.caFile },
        },
      }), START_TIMEOUT_MS);
    },
    caFile: () => `${dir}/ca/certs/ca.pem`,
    connectTarget: (name, port) => `${name}:${port}`,
    version: () => version,
  };
}

export function makeTlsPeers(): TlsPeer[] {
  return [mitmdenoTlsPeer(), httpMitmProxyTlsPeer(), mitmdumpTlsPeer()];
}
