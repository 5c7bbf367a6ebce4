/**
 * HTTPS interception benchmark: `deno run -A bench/https_bench.ts [--duration N] [--only a,b]
 * [--tests a,b] [--upstream-insecure] [--json PATH]`. Starts an nginx TLS origin (certificate
 * from a throw-away bench CA), then drives it directly and through mitmdeno, http-mitm-proxy
 * (npm) and mitmdump (Debian) with a Deno load client (CONNECT + TLS, wrk cannot CONNECT):
 * keep-alive request rate over N connections, and new TLS connections per second with a
 * distinct name each (every one forges a leaf) or with one name. Each proxy gets its own CA
 * directory; the client trusts that CA. See docs/benchmarks.md. Every process it starts is
 * stopped at the end, also on Ctrl-C.
 */

import {
  HTTPS_TESTS,
  type HttpsBenchArgs,
  type HttpsTestName,
  parseHttpsArgs,
} from "./lib/https_cli.ts";
import {
  computeHttpsRatios,
  httpsRatioTable,
  type HttpsRow,
  httpsTable,
  TEST_TITLES,
  TEST_UNITS,
} from "./lib/https_report.ts";
import type { Listening } from "./lib/listeners.ts";
import { CLOCK_TICKS_PER_SECOND, cpuTicks, memoryStatus } from "./lib/proc_stats.ts";
import {
  cleanupAll,
  installSignalCleanup,
  isShuttingDown,
  onPath,
  runCommand,
  stopService,
} from "./lib/processes.ts";
import {
  keepAliveLoad,
  type LoadResult,
  newConnectionLoad,
  type TlsTarget,
} from "./lib/tls_load.ts";
import { NAME_SUFFIX, startTlsOrigin, type TlsOrigin } from "./lib/tls_origin.ts";
import { makeTlsPeers, type TlsPeer, type UpstreamTrust } from "./lib/tls_peers.ts";

interface Skipped {
  peer: string;
  reason: string;
}

const KIB_PER_MIB = 1024;
let runCounter = 0;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function machineInfo(): Promise<Record<string, string | number>> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.+)/)?.[1];
  const openssl = await runCommand("openssl", ["version"], { timeoutMs: 10_000 });
  return {
    cores: navigator.hardwareConcurrency,
    cpu: cpu ?? "unknown",
    kernel: Deno.osRelease(),
    deno: Deno.version.deno,
    openssl: openssl.stdout.trim(),
  };
}

async function preparePeers(args: HttpsBenchArgs, skipped: Skipped[]): Promise<TlsPeer[]> {
  const ready: TlsPeer[] = [];
  for (const peer of makeTlsPeers().filter((p) => args.only.includes(p.name))) {
    let reason: string | null;
    try {
      reason = await peer.prepare();
    } catch (e) {
      reason = errorText(e);
    }
    if (reason === null) {
      console.log(`[${peer.name}] ready: ${peer.version()}`);
      ready.push(peer);
    } else {
      console.error(`[${peer.name}] SKIPPED: ${reason}`);
      skipped.push({ peer: peer.name, reason });
    }
  }
  return ready;
}

/** One test against one peer (null: direct), on a freshly started proxy. */
async function measure(
  test: HttpsTestName,
  peer: TlsPeer | null,
  origin: TlsOrigin,
  args: HttpsBenchArgs,
): Promise<HttpsRow> {
  const name = peer?.name ?? "direct";
  const row: HttpsRow = {
    test,
    peer: peer?.name ?? "direct",
    version: peer?.version() ?? origin.version,
    error: null,
    load: null,
    cpuUsPerOp: null,
    peakRssMiB: null,
  };
  const upstream: UpstreamTrust = args.upstreamInsecure
    ? { insecure: true }
    : { insecure: false, caFile: origin.caFile };
  let proxy: Listening | null = null;
  try {
    if (peer !== null) proxy = await peer.start(upstream);
    const target: TlsTarget = {
      connectPort: proxy?.port ?? origin.port,
      viaProxy: proxy !== null,
      connectTarget: (n) => peer?.connectTarget(n, origin.port) ?? "",
      caPem: peer === null ? origin.caPem : await Deno.readTextFile(peer.caFile()),
      // http-mitm-proxy connects to the Host header's address: it must be the real one.
      hostHeader: `127.0.0.1:${origin.port}`,
      path: "/",
    };
    let ticks = 0;
    const onWindow = (edge: "start" | "end") => {
      if (proxy === null) return;
      ticks = edge === "start" ? cpuTicks(proxy.pid) : cpuTicks(proxy.pid) - ticks;
    };
    console.log(`[${name}] ${test}: ${args.warmupS}s warm-up + ${args.durationS}s...`);
    let load: LoadResult;
    if (test === "keepalive") {
      load = await keepAliveLoad(target, {
        connections: args.connections,
        warmupS: args.warmupS,
        durationS: args.durationS,
        name: `www.${NAME_SUFFIX}`,
        onWindow,
      });
    } else {
      load = await newConnectionLoad(target, {
        concurrency: args.concurrency,
        warmupS: args.warmupS,
        durationS: args.durationS,
        distinctNames: test === "new-distinct",
        namePrefix: `r${++runCounter}-`,
        nameSuffix: NAME_SUFFIX,
        onWindow,
      });
    }
    row.load = load;
    if (proxy !== null && load.completed > 0) {
      row.cpuUsPerOp = (ticks * 1e6 / CLOCK_TICKS_PER_SECOND) / load.completed;
      row.peakRssMiB = memoryStatus(proxy.pid).vmHwmKb / KIB_PER_MIB;
    }
    if (load.completed === 0) {
      row.error = `nothing completed: ${load.errorSamples.join(" | ") || "no error seen"}`;
    }
    const unit = TEST_UNITS[test];
    console.log(
      `[${name}] ${load.perSecond.toFixed(1)} ${unit}, p99 ${load.latencyP99Ms.toFixed(2)} ms` +
        (load.errors > 0 ? `, ${load.errors} errors: ${load.errorSamples.join(" | ")}` : ""),
    );
  } catch (e) {
    row.error = errorText(e);
    console.error(`[${name}] ${test} FAILED: ${row.error}`);
  } finally {
    if (proxy !== null) await stopService(proxy.service);
  }
  return row;
}

async function run(args: HttpsBenchArgs): Promise<number> {
  for (const tool of ["nginx", "openssl", "deno"]) {
    if (!onPath(tool)) {
      console.error(`${tool} is required (apt-get install -y nginx openssl)`);
      return 1;
    }
  }
  const skipped: Skipped[] = [];
  const machine = await machineInfo();
  const peers = await preparePeers(args, skipped);
  const origin = await startTlsOrigin();
  console.log(`[origin] nginx ${origin.version}, TLS on 127.0.0.1:${origin.port}`);

  const ABORTED = 130;
  const withDirect = args.only.includes("direct");
  const rows: HttpsRow[] = [];
  for (const test of HTTPS_TESTS.filter((t) => args.tests.includes(t))) {
    for (const peer of withDirect ? [null, ...peers] : peers) {
      rows.push(await measure(test, peer, origin, args));
      if (isShuttingDown()) return ABORTED;
    }
  }
  const ratios = computeHttpsRatios(rows);

  const upstream = args.upstreamInsecure
    ? "proxies do not verify the origin (--upstream-insecure)"
    : "proxies verify the origin against the bench CA";
  for (const test of args.tests) {
    const how = test === "keepalive"
      ? `${args.connections} connections`
      : `${args.concurrency} parallel loops`;
    console.log(
      `\n== ${TEST_TITLES[test]}: ${how}, ${args.durationS}s after a ${args.warmupS}s warm-up ==`,
    );
    console.log(httpsTable(test, rows));
  }
  if (ratios.length > 0) {
    console.log("\n== Ratios (mitmdeno / other; rate higher is better, the rest lower) ==");
    console.log(httpsRatioTable(ratios));
  }
  for (const row of rows) {
    if (row.error !== null) skipped.push({ peer: `${row.peer} (${row.test})`, reason: row.error });
  }
  if (skipped.length > 0) {
    console.log("\n== Not measured ==");
    for (const s of skipped) console.log(`${s.peer}: ${s.reason}`);
  }
  console.log(`\n${upstream}`);
  console.log(`machine: ${machine.cores} cores, ${machine.cpu}, Linux ${machine.kernel}`);

  if (args.jsonPath !== null) {
    const json = {
      date: new Date().toISOString(),
      machine,
      versions: Object.fromEntries(rows.map((r) => [r.peer, r.version])),
      config: args,
      rows,
      ratios,
      skipped,
    };
    await Deno.writeTextFile(args.jsonPath, JSON.stringify(json, null, 2) + "\n");
    console.log(`results written to ${args.jsonPath}`);
  }
  return rows.some((r) => r.error !== null) ? 1 : 0;
}

async function main(): Promise<number> {
  const args = parseHttpsArgs(Deno.args);
  if ("exit" in args) {
    (args.exit === 0 ? console.log : console.error)(args.message);
    return args.exit;
  }
  installSignalCleanup();
  try {
    return await run(args);
  } catch (e) {
    console.error(`benchmark failed: ${e instanceof Error ? e.stack : e}`);
    return 1;
  } finally {
    await cleanupAll();
  }
}

if (import.meta.main) {
  Deno.exit(await main());
}
