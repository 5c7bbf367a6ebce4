/**
 * Script overhead: `deno run -A bench/script_bench.ts [--duration N] [--connections N]`.
 *
 * requests/s (wrk, keep-alive, 100-byte responses from nginx) through:
 * - mitmdeno without a script,
 * - mitmdeno with a sandboxed script that sets one request and one response header,
 * - the same script in process (`--inprocess`),
 * - mitmdump without and with the equivalent Python script.
 * Targets (issue 5): the sandboxed script costs at most 30 % of no-script throughput, and
 * mitmdeno with the script stays at least 5x mitmdump with its script.
 *
 * CPU per request counts the proxy and its children (the sandbox processes).
 *
 * `--serve PORT [--script SPEC]` runs the proxy itself: the default addons plus the script
 * addon (which `mitmdeno dump` does not load yet).
 */
import { defaultAddons } from "../addons/default_addons.ts";
import { ScriptLoader } from "../addons/script/script.ts";
import { Master } from "../core/master.ts";
import { smokeCheck } from "./lib/curl.ts";
import { type Listening, startOnFreePort } from "./lib/listeners.ts";
import { startOrigin } from "./lib/origin.ts";
import { CLOCK_TICKS_PER_SECOND, cpuTicks, descendants } from "./lib/proc_stats.ts";
import {
  cleanupAll,
  commandExists,
  installSignalCleanup,
  makeTempDir,
  stopService,
} from "./lib/processes.ts";
import { runWrk } from "./lib/wrk.ts";

const HEADER_SCRIPT_TS = `export default {
  request(flow) {
    flow.request.headers.set("x-bench", "1");
  },
  response(flow) {
    flow.response.headers.set("x-bench", "1");
  },
};
`;

const HEADER_SCRIPT_PY = `def request(flow):
    flow.request.headers["x-bench"] = "1"


def response(flow):
    flow.response.headers["x-bench"] = "1"
`;

async function serve(port: number, script: string | null): Promise<void> {
  const master = new Master();
  const loader = new ScriptLoader(master.addons);
  master.addons.add(...defaultAddons(master.addons), loader);
  master.logger.subscribe((e) => {
    if (e.level === "error" || e.level === "warn") console.error(e.msg);
  });
  master.options.update({
    listen_host: "127.0.0.1",
    listen_port: port,
    block_global: false,
    scripts: script === null ? [] : [script],
  });
  await loader.whenLoaded();
  const stop = () => master.shutdown(0);
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  Deno.exit(await master.run());
}

interface Case {
  name: string;
  start(port: number): { cmd: string; args: string[] };
}

function treeTicks(pid: number): number {
  let total = 0;
  for (const p of [pid, ...descendants(pid)]) {
    try {
      total += cpuTicks(p);
    } catch {
      // Exited meanwhile.
    }
  }
  return total;
}

interface Row {
  name: string;
  rps: number | null;
  p99: number | null;
  cpuUs: number | null;
  error: string | null;
}

async function measure(c: Case, originPort: number, o: Options, dir: string): Promise<Row> {
  let proxy: Listening | null = null;
  try {
    console.log(`[${c.name}] starting...`);
    proxy = await startOnFreePort(c.name, (port) => c.start(port), 120_000);
    await smokeCheck(`http://127.0.0.1:${originPort}/`, proxy.port, 100);
    const target = { connectPort: proxy.port, originPort, viaProxy: true };
    const wrk = { threads: 2, connections: o.connections, durationS: o.duration, scriptDir: dir };
    await runWrk(target, { ...wrk, durationS: 2 });
    const before = treeTicks(proxy.pid);
    const r = await runWrk(target, wrk);
    const ticks = treeTicks(proxy.pid) - before;
    const cpuUs = (ticks * 1e6 / CLOCK_TICKS_PER_SECOND) / r.requests;
    console.log(
      `[${c.name}] ${r.requestsPerSecond.toFixed(0)} req/s, ${cpuUs.toFixed(0)} us CPU/req`,
    );
    return { name: c.name, rps: r.requestsPerSecond, p99: r.latencyP99Ms, cpuUs, error: null };
  } catch (e) {
    console.error(`[${c.name}] FAILED: ${e instanceof Error ? e.message : e}`);
    return { name: c.name, rps: null, p99: null, cpuUs: null, error: String(e) };
  } finally {
    if (proxy) await stopService(proxy.service);
  }
}

interface Options {
  duration: number;
  connections: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { duration: 10, connections: 50 };
  for (let i = 0; i < argv.length; i++) {
    const n = Number(argv[i + 1]);
    if (argv[i] === "--duration") o.duration = n, i++;
    else if (argv[i] === "--connections") o.connections = n, i++;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return o;
}

async function main(): Promise<void> {
  const o = parseOptions(Deno.args);
  installSignalCleanup();
  const dir = await makeTempDir("mitmdeno-script-bench-");
  const tsScript = `${dir}/header.ts`;
  const pyScript = `${dir}/header.py`;
  await Deno.writeTextFile(tsScript, HEADER_SCRIPT_TS);
  await Deno.writeTextFile(pyScript, HEADER_SCRIPT_PY);
  const self = new URL(import.meta.url).pathname;
  const deno = (extra: string[]) => (port: number) => ({
    cmd: Deno.execPath(),
    args: ["run", "-A", self, "--serve", String(port), ...extra],
  });
  const mitmdump = (extra: string[]) => (port: number) => ({
    cmd: "mitmdump",
    args: ["-q", "--listen-host", "127.0.0.1", "-p", String(port), "--set", `confdir=${dir}`]
      .concat(["--set", "block_global=false", ...extra]),
  });
  const cases: Case[] = [
    { name: "mitmdeno", start: deno([]) },
    { name: "mitmdeno+script", start: deno(["--script", tsScript]) },
    { name: "mitmdeno+script inprocess", start: deno(["--script", `${tsScript} --inprocess`]) },
  ];
  if (await commandExists("mitmdump")) {
    cases.push(
      { name: "mitmdump", start: mitmdump([]) },
      { name: "mitmdump+script", start: mitmdump(["-s", pyScript]) },
    );
  } else console.error("mitmdump not found: skipped");
  const origin = await startOrigin(false);
  const rows: Row[] = [];
  try {
    for (const c of cases) rows.push(await measure(c, origin.port, o, dir));
  } finally {
    await stopService(origin.service);
    await cleanupAll();
  }
  console.log("\ncase                       req/s   p99 ms  CPU us/req");
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(25)} ${(r.rps?.toFixed(0) ?? "-").padStart(7)} ${
        (r.p99?.toFixed(2) ?? "-").padStart(8)
      } ${(r.cpuUs?.toFixed(0) ?? "-").padStart(11)}`,
    );
  }
  const rps = (name: string) => rows.find((r) => r.name === name)?.rps ?? null;
  const base = rps("mitmdeno");
  const sandboxed = rps("mitmdeno+script");
  const dump = rps("mitmdump+script");
  if (base && sandboxed) {
    const cost = 1 - sandboxed / base;
    console.log(
      `\nsandboxed script cost: ${(cost * 100).toFixed(0)} % of no-script throughput ` +
        `(target <= 30 %)`,
    );
  }
  if (sandboxed && dump) {
    console.log(
      `mitmdeno+script / mitmdump+script: ${(sandboxed / dump).toFixed(2)}x (target >= 5x)`,
    );
  }
}

if (Deno.args[0] === "--serve") {
  const port = Number(Deno.args[1]);
  const i = Deno.args.indexOf("--script");
  await serve(port, i >= 0 ? Deno.args[i + 1] : null);
} else {
  await main();
}
