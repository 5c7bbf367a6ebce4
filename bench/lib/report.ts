/** Result types, ratios and the plain-text tables the benchmark prints. */

import type { PeerName } from "./peers.ts";
import type { WrkResult } from "./wrk.ts";

export interface RpsRow {
  peer: PeerName;
  version: string;
  error: string | null;
  wrk: Omit<WrkResult, "text"> | null;
  wrkText: string;
  /** Proxy CPU time (user + system) per request, microseconds; null for direct. */
  cpuUsPerRequest: number | null;
  /** Proxy VmHWM after the run, MiB; null for direct. */
  peakRssMiB: number | null;
}

export interface DownloadRow {
  peer: PeerName;
  error: string | null;
  /** Best of the runs, MB/s (10^6 bytes). */
  megabytesPerSecond: number | null;
  runsMegabytesPerSecond: number[];
  /** Duration of the best run. */
  seconds: number | null;
  ratioToDirect: number | null;
  /** Proxy VmRSS just before the download, MiB. */
  idleRssMiB: number | null;
  /** Proxy VmHWM after the downloads, MiB. */
  peakRssMiB: number | null;
}

export interface RatioRow {
  name: string;
  requestsPerSecond: number | null;
  latencyP99: number | null;
  cpuPerRequest: number | null;
  peakRss: number | null;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return a / b;
}

export function computeRatios(rows: RpsRow[]): RatioRow[] {
  const ok = (p: PeerName) => rows.find((r) => r.peer === p && r.error === null && r.wrk);
  const me = ok("mitmdeno");
  if (!me) return [];
  const out: RatioRow[] = [];
  for (const other of ["direct", "http-mitm-proxy", "mitmdump"] as const) {
    const o = ok(other);
    if (!o) continue;
    out.push({
      name: `mitmdeno/${other}`,
      requestsPerSecond: ratio(me.wrk?.requestsPerSecond, o.wrk?.requestsPerSecond),
      latencyP99: ratio(me.wrk?.latencyP99Ms, o.wrk?.latencyP99Ms),
      cpuPerRequest: ratio(me.cpuUsPerRequest, o.cpuUsPerRequest),
      peakRss: ratio(me.peakRssMiB, o.peakRssMiB),
    });
  }
  return out;
}

function fmt(n: number | null | undefined, digits: number): string {
  return n === null || n === undefined ? "-" : n.toFixed(digits);
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join(
    "\n",
  );
}

export function rpsTable(rows: RpsRow[]): string {
  return table(
    ["peer", "req/s", "p50 ms", "p99 ms", "CPU us/req", "peak RSS MiB", "non-2xx", "sock err"],
    rows.map((r) => {
      if (r.error !== null || !r.wrk) return [r.peer, "skipped", "", "", "", "", "", ""];
      const e = r.wrk.socketErrors;
      return [
        r.peer,
        fmt(r.wrk.requestsPerSecond, 0),
        fmt(r.wrk.latencyP50Ms, 2),
        fmt(r.wrk.latencyP99Ms, 2),
        fmt(r.cpuUsPerRequest, 1),
        fmt(r.peakRssMiB, 1),
        String(r.wrk.non2xx),
        String(e.connect + e.read + e.write + e.timeout),
      ];
    }),
  );
}

export function ratioTable(rows: RatioRow[]): string {
  return table(
    ["ratio", "req/s", "p99 latency", "CPU/req", "peak RSS"],
    rows.map((r) => [
      r.name,
      fmt(r.requestsPerSecond, 2),
      fmt(r.latencyP99, 2),
      fmt(r.cpuPerRequest, 2),
      fmt(r.peakRss, 2),
    ]),
  );
}

export function downloadTable(rows: DownloadRow[]): string {
  return table(
    ["peer", "MB/s", "x direct", "seconds", "all runs MB/s", "idle RSS MiB", "peak RSS MiB"],
    rows.map((r) =>
      r.error !== null ? [r.peer, "failed", "", "", "", "", ""] : [
        r.peer,
        fmt(r.megabytesPerSecond, 0),
        fmt(r.ratioToDirect, 2),
        fmt(r.seconds, 2),
        r.runsMegabytesPerSecond.map((v) => v.toFixed(0)).join(" "),
        fmt(r.idleRssMiB, 1),
        fmt(r.peakRssMiB, 1),
      ]
    ),
  );
}
