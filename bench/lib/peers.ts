/**
 * The proxies under test. Each peer can be prepared once (installing it if needed; a string
 * result is the reason it has to be skipped) and started any number of times on a free port.
 */

import { type Listening, startOnFreePort } from "./listeners.ts";
import { commandExists, makeTempDir, runCommand } from "./processes.ts";

export interface StartOptions {
  /** Stream bodies above 1 MiB instead of buffering them (the download test). */
  streamLargeBodies: boolean;
}

export interface Peer {
  name: string;
  /** null when ready; otherwise why this peer is skipped. */
  prepare(): Promise<string | null>;
  start(opts: StartOptions): Promise<Listening>;
  version(): string;
}

const REPO_ROOT = new URL("../../", import.meta.url).pathname;
const START_TIMEOUT_MS = 120_000;

export function mitmdenoPeer(): Peer {
  let version = "";
  return {
    name: "mitmdeno",
    async prepare() {
      const r = await runCommand("deno", ["--version"], { timeoutMs: 10_000 });
      version = `deno ${r.stdout.match(/deno (\S+)/)?.[1] ?? "?"}`;
      return null;
    },
    start(opts) {
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
          ...(opts.streamLargeBodies ? ["--set", "stream_large_bodies=1m"] : []),
        ],
        opts: { cwd: REPO_ROOT },
      }), START_TIMEOUT_MS);
    },
    version: () => version,
  };
}

/** Debian's mitmproxy package; installed with apt-get when `mitmdump` is missing. */
export function mitmdumpPeer(): Peer {
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
        if (r.code !== 0) {
          const why = (r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ");
          return `apt-get install mitmproxy failed (exit ${r.code}): ${why}`;
        }
        if (!(await commandExists("mitmdump"))) {
          return "mitmproxy was installed but `mitmdump --version` still fails";
        }
      }
      const r = await runCommand("mitmdump", ["--version"], { timeoutMs: 30_000 });
      version = `mitmdump ${r.stdout.match(/Mitmproxy:\s*(\S+)/)?.[1] ?? "?"}` +
        ` (Python ${r.stdout.match(/Python:\s*(\S+)/)?.[1] ?? "?"})`;
      // Its own confdir, so its CA is not written to ~/.mitmproxy.
      confdir = await makeTempDir("mitmdeno-bench-mitmdump-");
      return null;
    },
    start(opts) {
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
          ...(opts.streamLargeBodies ? ["--set", "stream_large_bodies=1m"] : []),
        ],
      }), START_TIMEOUT_MS);
    },
    version: () => version,
  };
}

/**
 * http-mitm-proxy runner. keepAlive is on: with the library's default every response carries
 * `Connection: close`, which would benchmark TCP setup instead of the proxy. Only the first few
 * errors are logged (wrk's connections are reset when a run ends).
 */
const HTTP_MITM_PROXY_RUNNER = `"use strict";
const { Proxy } = require("http-mitm-proxy");
const [port, caDir] = [Number(process.argv[2]), process.argv[3]];
const proxy = new Proxy();
let errors = 0;
proxy.onError((_ctx, err, kind) => {
  if (++errors <= 5) console.error("proxy error:", kind, err && err.message);
});
proxy.listen({ host: "127.0.0.1", port, keepAlive: true, sslCaDir: caDir }, (err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
  console.log("listening on " + port);
});
`;

/**
 * Installs http-mitm-proxy from npm into a temp folder (not a project dependency) with its
 * runner script and a CA folder; returns the folder and version, or why it failed.
 */
export async function installHttpMitmProxy(
  prefix: string,
): Promise<{ dir: string; version: string } | string> {
  const dir = await makeTempDir(prefix);
  await Deno.writeTextFile(
    `${dir}/package.json`,
    JSON.stringify({ name: "bench-http-mitm-proxy", private: true }),
  );
  console.log("npm install http-mitm-proxy (temp folder) ...");
  const r = await runCommand(
    "npm",
    ["install", "--no-audit", "--no-fund", "--loglevel=error", "http-mitm-proxy"],
    { cwd: dir, timeoutMs: 300_000 },
  );
  if (r.code !== 0) {
    return `npm install http-mitm-proxy failed (exit ${r.code}): ${r.stderr.trim()}`;
  }
  const pkg = JSON.parse(
    await Deno.readTextFile(`${dir}/node_modules/http-mitm-proxy/package.json`),
  ) as { version: string };
  const node = await runCommand("node", ["--version"], { timeoutMs: 10_000 });
  await Deno.writeTextFile(`${dir}/proxy.cjs`, HTTP_MITM_PROXY_RUNNER);
  await Deno.mkdir(`${dir}/ca`, { recursive: true });
  return { dir, version: `http-mitm-proxy ${pkg.version} (node ${node.stdout.trim()})` };
}

/** http-mitm-proxy as a peer of the HTTP benchmark. */
export function httpMitmProxyPeer(): Peer {
  let version = "";
  let dir = "";
  return {
    name: "http-mitm-proxy",
    async prepare() {
      const installed = await installHttpMitmProxy("mitmdeno-bench-http-mitm-proxy-");
      if (typeof installed === "string") return installed;
      ({ dir, version } = installed);
      return null;
    },
    // http-mitm-proxy streams bodies by default: there is no option for it.
    start(_opts) {
      return startOnFreePort("http-mitm-proxy", (port) => ({
        cmd: "node",
        args: ["proxy.cjs", String(port), `${dir}/ca`],
        opts: { cwd: dir },
      }), START_TIMEOUT_MS);
    },
    version: () => version,
  };
}

export const PEER_NAMES = ["direct", "mitmdeno", "http-mitm-proxy", "mitmdump"] as const;
export type PeerName = typeof PEER_NAMES[number];

export function makePeers(): Peer[] {
  return [mitmdenoPeer(), httpMitmProxyPeer(), mitmdumpPeer()];
}
