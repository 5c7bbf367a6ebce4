/** Result rows, ratios and plain-text tables of bench/https_bench.ts. */

import type { HttpsTestName } from "./https_cli.ts";
import type { LoadResult } from "./tls_load.ts";
import type { TlsPeerName } from "./tls_peers.ts";

export interface HttpsRow {
  test: HttpsTestName;
  peer: TlsPeerName;
  version: string;
  error: string | null;
  load: LoadResult | null;
  /** Proxy CPU time (user + system) per request or per connection, microseconds. */
  cpuUsPerOp: number | null;
  /** Proxy VmHWM after the run, MiB. */
  peakRssMiB: number | null;
}

export interface HttpsRatioRow {
  test: HttpsTestName;
  name: string;
  perSecond: number | null;
  latencyP99: number | null;
  cpuPerOp: number | null;
  peakRss: number | null;
}

export const TEST_TITLES: Record<HttpsTestName, string> = {
  "keepalive": "Keep-alive requests over TLS (100-byte responses)",
  "new-distinct": "New TLS connections, a distinct name each (forges a leaf per connection)",
  "new-same": "New TLS connections, always the same name (cached leaf)",
};

export const TEST_UNITS: Record<HttpsTestName, string> = {
  "keepalive": "req/s",
  "new-distinct": "handshakes/s",
  "new-same": "handshakes/s",
};

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return a / b;
}

export function computeHttpsRatios(rows: HttpsRow[]): HttpsRatioRow[] {
  const out: HttpsRatioRow[] = [];
  const tests = [...new Set(rows.map((r) => r.test))];
  for (const test of tests) {
    const ok = (p: TlsPeerName) =>
      rows.find((r) => r.test === test && r.peer === p && r.error === null && r.load);
    const me = ok("mitmdeno");
    if (!me) continue;
    for (const other of ["direct", "http-mitm-proxy", "mitmdump"] as const) {
      const o = ok(other);
      if (!o) continue;
      out.push({
        test,
        name: `mitmdeno/${other}`,
        perSecond: ratio(me.load?.perSecond, o.load?.perSecond),
        latencyP99: ratio(me.load?.latencyP99Ms, o.load?.latencyP99Ms),
        cpuPerOp: ratio(me.cpuUsPerOp, o.cpuUsPerOp),
        peakRss: ratio(me.peakRssMiB, o.peakRssMiB),
      });
    }
  }
  return out;
}

function fmt(n: number | null | undefined, digits: number): string {
  return n === null || n === undefined ? "-" : n.toFixed(digits);
}

/** Text columns (the first `textColumns`) are left-aligned, numbers right-aligned. */
function table(headers: string[], rows: string[][], textColumns = 1): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join(
    "\n",
  );
}

export function httpsTable(test: HttpsTestName, rows: HttpsRow[]): string {
  const unit = TEST_UNITS[test];
  const op = test === "keepalive" ? "req" : "conn";
  return table(
    ["peer", unit, "p50 ms", "p99 ms", `CPU us/${op}`, "peak RSS MiB", "errors", "non-200"],
    rows.filter((r) => r.test === test).map((r) => {
      if (r.error !== null || !r.load) return [r.peer, "failed", "", "", "", "", "", ""];
      return [
        r.peer,
        fmt(r.load.perSecond, r.load.perSecond < 100 ? 1 : 0),
        fmt(r.load.latencyP50Ms, 2),
        fmt(r.load.latencyP99Ms, 2),
        fmt(r.cpuUsPerOp, 0),
        fmt(r.peakRssMiB, 1),
        String(r.load.errors),
        String(r.load.non200),
      ];
    }),
  );
}

export function httpsRatioTable(rows: HttpsRatioRow[]): string {
  return table(
    ["test", "ratio", "rate", "p99 latency", "CPU/op", "peak RSS"],
    rows.map((r) => [
      r.test,
      r.name,
      fmt(r.perSecond, 2),
      fmt(r.latencyP99, 2),
      fmt(r.cpuPerOp, 2),
      fmt(r.peakRss, 2),
    ]),
    2,
  );
}
