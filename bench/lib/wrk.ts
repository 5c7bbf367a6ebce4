/**
 * Runs wrk and reads its results. wrk cannot speak to a proxy, so for proxied runs a Lua script
 * sets `wrk.path` to the absolute-form URL and wrk is pointed at the proxy's address. The same
 * script's `done()` prints the summary as one JSON line, which is parsed instead of the text.
 */

import { runCommand } from "./processes.ts";

export interface WrkTarget {
  /** Port wrk connects to: the origin's (direct) or the proxy's. */
  connectPort: number;
  originPort: number;
  /** Send absolute-form request targets (i.e. talk to a proxy). */
  viaProxy: boolean;
}

export interface WrkOptions {
  threads: number;
  connections: number;
  durationS: number;
  /** Directory for the generated Lua script. */
  scriptDir: string;
}

export interface WrkResult {
  requests: number;
  durationS: number;
  requestsPerSecond: number;
  bytesRead: number;
  latencyMeanMs: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  /** Responses whose status was not 2xx/3xx (wrk's "Non-2xx or 3xx responses"). */
  non2xx: number;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  /** wrk's own text report, for the JSON output. */
  text: string;
}

const MARKER = "WRK_JSON ";

function luaScript(target: WrkTarget): string {
  const origin = `127.0.0.1:${target.originPort}`;
  const lines = [`wrk.headers["Host"] = "${origin}"`];
  if (target.viaProxy) lines.push(`wrk.path = "http://${origin}/"`);
  lines.push(
    `done = function(summary, latency, requests)`,
    `  local e = summary.errors`,
    `  io.write(string.format('${MARKER}{"requests":%d,"duration_us":%d,"bytes":%d,' ..`,
    `    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..`,
    `    '"mean_us":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',`,
    `    summary.requests, summary.duration, summary.bytes,`,
    `    e.connect, e.read, e.write, e.status, e.timeout,`,
    `    latency.mean, latency:percentile(50), latency:percentile(90),`,
    `    latency:percentile(99), latency.max))`,
    `end`,
  );
  return lines.join("\n") + "\n";
}

interface WrkJson {
  requests: number;
  duration_us: number;
  bytes: number;
  connect: number;
  read: number;
  write: number;
  status: number;
  timeout: number;
  mean_us: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  max_us: number;
}

function parseOutput(stdout: string): WrkResult {
  const line = stdout.split("\n").find((l) => l.startsWith(MARKER));
  if (line === undefined) throw new Error(`wrk printed no summary:\n${stdout}`);
  const j = JSON.parse(line.slice(MARKER.length)) as WrkJson;
  const durationS = j.duration_us / 1e6;
  const text = stdout.split("\n").filter((l) => !l.startsWith(MARKER)).join("\n").trim();
  // Cross-check the Lua numbers against the text wrk prints itself.
  const non2xxText = text.match(/Non-2xx or 3xx responses:\s+(\d+)/);
  const non2xx = non2xxText ? Number(non2xxText[1]) : 0;
  if (non2xx !== j.status) {
    throw new Error(`wrk: Non-2xx line says ${non2xx}, done() says ${j.status}`);
  }
  return {
    requests: j.requests,
    durationS,
    requestsPerSecond: j.requests / durationS,
    bytesRead: j.bytes,
    latencyMeanMs: j.mean_us / 1000,
    latencyP50Ms: j.p50_us / 1000,
    latencyP90Ms: j.p90_us / 1000,
    latencyP99Ms: j.p99_us / 1000,
    latencyMaxMs: j.max_us / 1000,
    non2xx,
    socketErrors: { connect: j.connect, read: j.read, write: j.write, timeout: j.timeout },
    text,
  };
}

export async function runWrk(target: WrkTarget, opts: WrkOptions): Promise<WrkResult> {
  const scriptPath = `${opts.scriptDir}/wrk_${target.connectPort}_${target.viaProxy}.lua`;
  await Deno.writeTextFile(scriptPath, luaScript(target));
  const args = [
    `-t${opts.threads}`,
    `-c${opts.connections}`,
    `-d${opts.durationS}s`,
    "--latency",
    "--timeout",
    "5s",
    "-s",
    scriptPath,
    `http://127.0.0.1:${target.connectPort}/`,
  ];
  const r = await runCommand("wrk", args, { timeoutMs: (opts.durationS + 60) * 1000 });
  if (r.code !== 0) {
    throw new Error(`wrk exited with ${r.code}${r.timedOut ? " (timed out)" : ""}: ${r.stderr}`);
  }
  return parseOutput(r.stdout);
}

export function wrkVersion(text: string): string {
  return text.match(/wrk\s+(\S+)/)?.[1] ?? "unknown";
}
