/** One measurement per peer: the wrk request-rate run and the 1 GiB streamed download. */

import { download, smokeCheck } from "./curl.ts";
import { BIG_FILE_BYTES, type Origin, SMALL_BODY_BYTES } from "./origin.ts";
import type { Peer } from "./peers.ts";
import { CLOCK_TICKS_PER_SECOND, cpuTicks, memoryStatus } from "./proc_stats.ts";
import type { Listening } from "./listeners.ts";
import { sleep, stopService } from "./processes.ts";
import type { DownloadRow, RpsRow } from "./report.ts";
import { runWrk, type WrkOptions } from "./wrk.ts";

export interface MeasureContext {
  origin: Origin;
  wrk: WrkOptions;
  warmupS: number;
  /** Downloads per peer; the fastest is reported. */
  downloadRuns: number;
}

const KIB_PER_MIB = 1024;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * One 100-byte GET through the proxy must succeed before measuring. A failure is printed and
 * retried twice, so one flaky first request does not drop the whole peer.
 */
async function checkProxyAnswers(
  name: string,
  ctx: MeasureContext,
  proxyPort: number | null,
): Promise<void> {
  const url = `http://127.0.0.1:${ctx.origin.port}/`;
  for (let attempt = 1;; attempt++) {
    try {
      return await smokeCheck(url, proxyPort, SMALL_BODY_BYTES);
    } catch (e) {
      if (attempt === 3) throw e;
      console.warn(`[${name}] WARNING: check request ${attempt} failed: ${errorText(e)}`);
      await sleep(500);
    }
  }
}

/** Direct when `peer` is null: wrk talks to nginx itself. */
export async function measureRps(peer: Peer | null, ctx: MeasureContext): Promise<RpsRow> {
  const name = peer?.name ?? "direct";
  const row: RpsRow = {
    peer: peer === null ? "direct" : peer.name as RpsRow["peer"],
    version: peer?.version() ?? ctx.origin.version,
    error: null,
    wrk: null,
    wrkText: "",
    cpuUsPerRequest: null,
    peakRssMiB: null,
  };
  let proxy: Listening | null = null;
  try {
    if (peer !== null) {
      console.log(`[${name}] starting...`);
      proxy = await peer.start({ streamLargeBodies: false });
      console.log(`[${name}] listening on 127.0.0.1:${proxy.port} (measured pid ${proxy.pid})`);
    }
    await checkProxyAnswers(name, ctx, proxy?.port ?? null);
    const target = {
      connectPort: proxy?.port ?? ctx.origin.port,
      originPort: ctx.origin.port,
      viaProxy: proxy !== null,
    };
    if (ctx.warmupS > 0) {
      console.log(`[${name}] warm-up ${ctx.warmupS}s...`);
      await runWrk(target, { ...ctx.wrk, durationS: ctx.warmupS });
    }
    console.log(`[${name}] wrk ${ctx.wrk.durationS}s...`);
    const ticksBefore = proxy ? cpuTicks(proxy.pid) : 0;
    const result = await runWrk(target, ctx.wrk);
    if (proxy) {
      const ticks = cpuTicks(proxy.pid) - ticksBefore;
      row.cpuUsPerRequest = (ticks * 1e6 / CLOCK_TICKS_PER_SECOND) / result.requests;
      row.peakRssMiB = memoryStatus(proxy.pid).vmHwmKb / KIB_PER_MIB;
    }
    const { text, ...numbers } = result;
    row.wrk = numbers;
    row.wrkText = text;
    if (result.non2xx > 0) {
      console.warn(`[${name}] WARNING: ${result.non2xx} responses were not 2xx/3xx`);
    }
    console.log(
      `[${name}] ${result.requestsPerSecond.toFixed(0)} req/s, ` +
        `p99 ${result.latencyP99Ms.toFixed(2)} ms`,
    );
  } catch (e) {
    row.error = errorText(e);
    console.error(`[${name}] FAILED: ${row.error}`);
  } finally {
    if (proxy) await stopService(proxy.service);
  }
  return row;
}

export async function measureDownload(
  peer: Peer | null,
  ctx: MeasureContext,
  directMBps: number | null,
): Promise<DownloadRow> {
  const name = peer?.name ?? "direct";
  const row: DownloadRow = {
    peer: peer === null ? "direct" : peer.name as DownloadRow["peer"],
    error: null,
    megabytesPerSecond: null,
    runsMegabytesPerSecond: [],
    seconds: null,
    ratioToDirect: null,
    idleRssMiB: null,
    peakRssMiB: null,
  };
  let proxy: Listening | null = null;
  try {
    if (peer !== null) {
      proxy = await peer.start({ streamLargeBodies: true });
      // A first small request, so "idle" includes the code paths a request loads.
      await checkProxyAnswers(name, ctx, proxy.port);
      row.idleRssMiB = memoryStatus(proxy.pid).vmRssKb / KIB_PER_MIB;
    }
    // Best of N: one download takes ~2 s, so a single run is at the mercy of other load.
    console.log(`[${name}] downloading 1 GiB x${ctx.downloadRuns}...`);
    const speeds: number[] = [];
    for (let i = 0; i < ctx.downloadRuns; i++) {
      const r = await download(
        `http://127.0.0.1:${ctx.origin.port}/big`,
        proxy?.port ?? null,
        BIG_FILE_BYTES,
      );
      speeds.push(r.bytesPerSecond / 1e6);
    }
    row.runsMegabytesPerSecond = speeds;
    row.megabytesPerSecond = Math.max(...speeds);
    row.seconds = BIG_FILE_BYTES / 1e6 / row.megabytesPerSecond;
    row.ratioToDirect = directMBps === null ? null : row.megabytesPerSecond / directMBps;
    if (proxy) row.peakRssMiB = memoryStatus(proxy.pid).vmHwmKb / KIB_PER_MIB;
    console.log(
      `[${name}] ${speeds.map((s) => s.toFixed(0)).join(", ")} MB/s` +
        (row.peakRssMiB === null ? "" : `, peak RSS ${row.peakRssMiB.toFixed(1)} MiB`),
    );
  } catch (e) {
    row.error = errorText(e);
    console.error(`[${name}] download FAILED: ${row.error}`);
  } finally {
    if (proxy) await stopService(proxy.service);
  }
  return row;
}
