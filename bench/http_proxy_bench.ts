/**
 * HTTP proxy benchmark: `deno task bench [--duration N] [--only a,b] [--skip-download]
 * [--json PATH]`. Starts an nginx origin, then measures it directly and through mitmdeno,
 * http-mitm-proxy (npm) and mitmdump (Debian) with wrk, plus a 1 GiB streamed download with
 * curl. See docs/benchmarks.md. Every process it starts is stopped at the end, also on Ctrl-C.
 */

import { type BenchArgs, parseArgs } from "./lib/cli.ts";
import { type MeasureContext, measureDownload, measureRps } from "./lib/measure.ts";
import { startOrigin } from "./lib/origin.ts";
import { makePeers, type Peer } from "./lib/peers.ts";
import {
  cleanupAll,
  installSignalCleanup,
  isShuttingDown,
  makeTempDir,
  onPath,
  runCommand,
} from "./lib/processes.ts";
import {
  computeRatios,
  type DownloadRow,
  downloadTable,
  ratioTable,
  type RpsRow,
  rpsTable,
} from "./lib/report.ts";

interface Skipped {
  peer: string;
  reason: string;
}

async function machineInfo(): Promise<Record<string, string | number>> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo")).match(/model name\s*:\s*(.+)/)?.[1];
  const wrk = await runCommand("wrk", ["--version"], { timeoutMs: 10_000 });
  const curl = await runCommand("curl", ["--version"], { timeoutMs: 10_000 });
  return {
    cores: navigator.hardwareConcurrency,
    cpu: cpu ?? "unknown",
    kernel: Deno.osRelease(),
    wrk: (wrk.stdout + wrk.stderr).match(/wrk\s+(\S+)/)?.[1] ?? "unknown",
    curl: curl.stdout.match(/curl\s+(\S+)/)?.[1] ?? "unknown",
  };
}

async function preparePeers(args: BenchArgs, skipped: Skipped[]): Promise<Peer[]> {
  const ready: Peer[] = [];
  for (const peer of makePeers().filter((p) => (args.only as string[]).includes(p.name))) {
    let reason: string | null;
    try {
      reason = await peer.prepare();
    } catch (e) {
      reason = e instanceof Error ? e.message : String(e);
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

async function run(args: BenchArgs): Promise<number> {
  for (const tool of ["nginx", "wrk", "curl", "deno"]) {
    if (!onPath(tool)) {
      console.error(`${tool} is required (apt-get install -y nginx wrk curl)`);
      return 1;
    }
  }
  const skipped: Skipped[] = [];
  const machine = await machineInfo();
  const peers = await preparePeers(args, skipped);

  const origin = await startOrigin(!args.skipDownload);
  console.log(`[origin] nginx ${origin.version} on 127.0.0.1:${origin.port}`);
  const ctx: MeasureContext = {
    origin,
    warmupS: args.warmupS,
    downloadRuns: args.downloadRuns,
    wrk: {
      threads: args.threads,
      connections: args.connections,
      durationS: args.durationS,
      scriptDir: await makeTempDir("mitmdeno-bench-wrk-"),
    },
  };

  // After Ctrl-C the signal handler cleans up and exits; stop measuring meanwhile.
  const ABORTED = 130;
  const withDirect = args.only.includes("direct");
  const rps: RpsRow[] = [];
  for (const peer of withDirect ? [null, ...peers] : peers) {
    rps.push(await measureRps(peer, ctx));
    if (isShuttingDown()) return ABORTED;
  }
  const ratios = computeRatios(rps);

  const downloads: DownloadRow[] = [];
  if (!args.skipDownload) {
    let directMBps: number | null = null;
    for (const peer of withDirect ? [null, ...peers] : peers) {
      const row = await measureDownload(peer, ctx, directMBps);
      if (isShuttingDown()) return ABORTED;
      if (peer === null) directMBps = row.megabytesPerSecond;
      downloads.push(row);
    }
  }

  const wrkLine = `wrk -t${args.threads} -c${args.connections} -d${args.durationS}s --latency` +
    (args.warmupS > 0 ? ` (after a ${args.warmupS}s warm-up)` : "");
  console.log(`\n== Request rate: 100-byte responses, ${wrkLine} ==`);
  console.log(rpsTable(rps));
  if (ratios.length > 0) {
    console.log("\n== Ratios (mitmdeno / other; req/s higher is better, the rest lower) ==");
    console.log(ratioTable(ratios));
  }
  if (downloads.length > 0) {
    console.log(
      `\n== 1 GiB streamed download, best of ${args.downloadRuns} ` +
        "(curl; proxies with stream_large_bodies=1m) ==",
    );
    console.log(downloadTable(downloads));
  }
  for (const row of [...rps, ...downloads]) {
    if (row.error !== null) skipped.push({ peer: row.peer, reason: row.error });
  }
  if (skipped.length > 0) {
    console.log("\n== Not measured ==");
    for (const s of skipped) console.log(`${s.peer}: ${s.reason}`);
  }
  console.log(`\nmachine: ${machine.cores} cores, ${machine.cpu}, Linux ${machine.kernel}`);

  if (args.jsonPath !== null) {
    const json = {
      date: new Date().toISOString(),
      machine,
      versions: Object.fromEntries(rps.map((r) => [r.peer, r.version])),
      config: args,
      rps,
      ratios,
      download: downloads,
      skipped,
    };
    await Deno.writeTextFile(args.jsonPath, JSON.stringify(json, null, 2) + "\n");
    console.log(`results written to ${args.jsonPath}`);
  }
  const failed = rps.some((r) => r.error !== null) || downloads.some((d) => d.error !== null);
  return failed ? 1 : 0;
}

async function main(): Promise<number> {
  const args = parseArgs(Deno.args);
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
