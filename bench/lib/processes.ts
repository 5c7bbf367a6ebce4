/**
 * Child-process bookkeeping for the benchmark: every process and temp dir the harness creates is
 * registered here, so `cleanupAll()` (run from `finally` and from SIGINT/SIGTERM) can remove them.
 * Processes are ended by pid, walking the child's own process tree, never by name.
 */

import { descendants } from "./proc_stats.ts";

const OUTPUT_TAIL_CHARS = 8192;

/** A child process whose stdout/stderr are drained (bounded to a tail unless `keepAll`). */
export class Service {
  readonly pid: number;
  readonly status: Promise<Deno.CommandStatus>;
  #out = { stdout: "", stderr: "" };
  #exited: Deno.CommandStatus | null = null;
  readonly #drained: Promise<void>;

  constructor(readonly name: string, child: Deno.ChildProcess, readonly keepAll = false) {
    this.pid = child.pid;
    this.#drained = Promise.all([
      this.#drain(child.stdout, "stdout"),
      this.#drain(child.stderr, "stderr"),
    ]).then(() => {});
    this.status = child.status.then((s) => {
      this.#exited = s;
      return s;
    });
  }

  get exited(): Deno.CommandStatus | null {
    return this.#exited;
  }

  /** Last few KiB of stdout and stderr, for error messages. */
  output(): string {
    return `${this.#out.stdout.slice(-OUTPUT_TAIL_CHARS)}\n${
      this.#out.stderr.slice(-OUTPUT_TAIL_CHARS)
    }`.trim();
  }

  /** Full output once the process has exited and its pipes are closed. */
  async collected(): Promise<{ stdout: string; stderr: string }> {
    await this.#drained;
    return { ...this.#out };
  }

  async #drain(stream: ReadableStream<Uint8Array>, key: "stdout" | "stderr"): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of stream) {
        const text = this.#out[key] + decoder.decode(chunk, { stream: true });
        this.#out[key] = this.keepAll ? text : text.slice(-OUTPUT_TAIL_CHARS);
      }
    } catch {
      // The stream errors when the process is killed; nothing to keep.
    }
  }
}

const services = new Set<Service>();
/** Set on SIGINT/SIGTERM: nothing new may be started while cleaning up. */
let shuttingDown = false;

export function isShuttingDown(): boolean {
  return shuttingDown;
}
const tempDirs = new Set<string>();

export interface SpawnOptions {
  cwd?: string;
  env?: Record<string, string>;
}

export function spawnService(
  name: string,
  cmd: string,
  args: string[],
  opts: SpawnOptions = {},
  keepAll = false,
): Service {
  if (shuttingDown) throw new Error(`not starting ${name}: shutting down`);
  const child = new Deno.Command(cmd, {
    args,
    cwd: opts.cwd,
    env: opts.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const service = new Service(name, child, keepAll);
  services.add(service);
  return service;
}

function alive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z/s.test(stat);
  } catch {
    return false;
  }
}

function signal(pid: number, sig: Deno.Signal): void {
  try {
    Deno.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

const stopping = new Map<Service, Promise<void>>();

/** SIGTERM the service and its descendants, then SIGKILL whatever is left after `graceMs`. */
export function stopService(service: Service, graceMs = 3000): Promise<void> {
  if (!services.has(service)) return Promise.resolve();
  let p = stopping.get(service);
  if (p === undefined) {
    p = stopTree(service, graceMs).finally(() => {
      services.delete(service);
      stopping.delete(service);
    });
    stopping.set(service, p);
  }
  return p;
}

async function stopTree(service: Service, graceMs: number): Promise<void> {
  const running = (pid: number) => pid === service.pid ? !service.exited : alive(pid);
  const tree = [service.pid, ...descendants(service.pid)];
  for (const pid of tree) signal(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && tree.some(running)) await sleep(50);
  // Re-walk: a child may have forked while shutting down.
  for (const pid of new Set([service.pid, ...descendants(service.pid), ...tree])) {
    if (running(pid)) signal(pid, "SIGKILL");
  }
  await service.status;
}

export async function makeTempDir(prefix: string): Promise<string> {
  if (shuttingDown) throw new Error(`not creating a temp dir: shutting down`);
  const dir = await Deno.makeTempDir({ prefix });
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  tempDirs.delete(dir);
}

let cleanup: Promise<void> | null = null;

/** Stops every registered process and removes every temp dir; concurrent calls share one run. */
export function cleanupAll(): Promise<void> {
  cleanup ??= (async () => {
    await Promise.all([...services].map((s) => stopService(s, 2000)));
    await Promise.all([...tempDirs].map((d) => removeTempDir(d)));
  })();
  return cleanup;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs a command to completion (wrk, curl, npm, apt-get). It is registered as a service meanwhile,
 * so Ctrl-C ends it too, and it is killed after `timeoutMs`.
 */
export async function runCommand(
  cmd: string,
  args: string[],
  opts: SpawnOptions & { timeoutMs: number },
): Promise<RunResult> {
  const service = spawnService(cmd, cmd, args, opts, true);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void stopService(service, 1000);
  }, opts.timeoutMs);
  try {
    const status = await service.status;
    const { stdout, stderr } = await service.collected();
    return { code: status.code, stdout, stderr, timedOut };
  } finally {
    clearTimeout(timer);
    services.delete(service);
  }
}

/** True when `cmd` can be executed (found on PATH and runs). */
export async function commandExists(cmd: string, versionArg = "--version"): Promise<boolean> {
  try {
    const r = await runCommand(cmd, [versionArg], { timeoutMs: 30_000 });
    return r.code === 0;
  } catch {
    return false;
  }
}

/** True when an executable named `cmd` is on PATH. */
export function onPath(cmd: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      const info = Deno.statSync(`${dir}/${cmd}`);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return true;
    } catch {
      // Not in this directory.
    }
  }
  return false;
}

let handlersInstalled = false;

/** On SIGINT/SIGTERM: kill everything we started, remove temp dirs, exit 130/143. */
export function installSignalCleanup(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (sig: "SIGINT" | "SIGTERM") => () => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.error(`\n${sig}: stopping every process the benchmark started...`);
    void cleanupAll().finally(() => Deno.exit(sig === "SIGINT" ? 130 : 143));
  };
  Deno.addSignalListener("SIGINT", onSignal("SIGINT"));
  Deno.addSignalListener("SIGTERM", onSignal("SIGTERM"));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
