/**
 * One sandbox: a `deno run` child process (see `child_main.ts`) hosting the worker that
 * runs one version of one script.
 *
 * Rules, written once:
 * - Start: the module graph is checked (`module_graph.ts`), the process is spawned with
 *   `--no-remote --cached-only`, a V8 heap limit, the script's grants and read access to
 *   its module files; `init` is sent and `ready` awaited for at most the load timeout.
 * - Calls carry ids and may overlap. Each has its own deadline (`deadlines.ts`: one timer
 *   for all); one missed deadline means the worker is stuck (an awaiting hook does not
 *   block others, a busy loop blocks all), so the process is SIGKILLed, every pending call
 *   is aborted (the flows go on unchanged) and `failed` is reported once.
 * - Frames sent in one event loop turn leave in one pipe write (`setImmediate`); frames
 *   from the worker are cut from the pipe as they come, several per read.
 * - Exiting on its own (a crash, the V8 heap limit) is also a failure; stderr's last lines
 *   say why. A protocol error (a frame we cannot read) kills the process the same way.
 * - `retire()` lets in-flight calls finish (hot reload), then closes stdin; `stop()` closes
 *   stdin at once. Either way the process is killed if it has not exited after a grace
 *   period, and `exited` resolves once it is gone and its pipes are drained.
 */
import { setImmediate } from "node:timers";
import type { LogLevel } from "../../core/log.ts";
import type { OptionValue } from "../../core/option_types.ts";
import { Deadlines } from "./deadlines.ts";
import { checkModuleGraph } from "./module_graph.ts";
import {
  type ErrorInfo,
  ProtocolError,
  type ReadyMessage,
  type ReplyMessage,
  type WorkerMessage,
} from "./protocol.ts";
import type { SandboxEnv } from "./sandbox_env.ts";
import { processPermissionFlags, type ScriptSpec, workerPermissions } from "./script_spec.ts";
import { readWorkerMessage } from "./reply_reader.ts";
import { FrameSplitter, WireError } from "./wire.ts";
import { WireWriter } from "./wire_writer.ts";

export interface SandboxEvents {
  log(level: LogLevel, msg: string): void;
  uncaught(error: ErrorInfo): void;
  /** The process died or was killed; pending calls were aborted. Not called after stop(). */
  failed(reason: string): void;
}

export interface SandboxConfig {
  readonly env: SandboxEnv;
  readonly script: ScriptSpec;
  readonly timeoutMs: number;
  readonly memoryMb: number;
  readonly options: Readonly<Record<string, OptionValue>>;
  readonly events: SandboxEvents;
}

/** The script cannot be started; the message says why (syntax error, remote import, ...). */
export class ScriptLoadError extends Error {
  override name = "ScriptLoadError";
}

/** A call that will not be answered: the sandbox was stopped or killed. */
export class CallAborted extends Error {
  override name = "CallAborted";
}

interface Pending {
  readonly hook: string;
  readonly resolve: (m: ReplyMessage) => void;
  readonly reject: (e: Error) => void;
}

/** Writes the body of a call message (one value); `id` is the call's id. */
export type CallWriter = (w: WireWriter, id: number) => void;

const GRACE_MS = 2000;
const STDERR_LINES = 40;
/** Time to spawn Deno and compile the script, on top of script_timeout, at load. */
const LOAD_EXTRA_MS = 5_000;

/** The error as log text: "Name: message" plus the script's own stack frames. */
export function formatError(e: ErrorInfo): string {
  const head = e.name === "Error" || e.name === "" ? e.message : `${e.name}: ${e.message}`;
  const frames = e.stack.split("\n").filter((l) =>
    /^\s+at /.test(l) && !l.includes("/addons/script/worker_main.ts") &&
    !l.includes("ext:") && !l.startsWith("    at data:")
  );
  return frames.length > 0 ? `${head}\n${frames.join("\n")}` : head;
}

export class SandboxProcess {
  readonly #config: SandboxConfig;
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pending = new Map<number, Pending>();
  readonly #deadlines: Deadlines<number>;
  readonly #stderr: string[] = [];
  readonly #out = new WireWriter(16 * 1024);
  #flushScheduled = false;
  #nextId = 0;
  #state: "starting" | "ready" | "retiring" | "dead" = "starting";
  #expectedExit = false;
  #failure: string | null = null;
  #ready = Promise.withResolvers<ReadyMessage>();
  #killTimer: ReturnType<typeof setTimeout> | null = null;
  readonly exited: Promise<void>;

  private constructor(config: SandboxConfig, moduleFiles: readonly string[]) {
    this.#config = config;
    this.#deadlines = new Deadlines(config.timeoutMs, (id) => {
      this.#onTimeout(this.#pending.get(id)?.hook ?? "a call");
    });
    const { env, script } = config;
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--no-prompt",
        "--no-remote",
        "--cached-only",
        "--config",
        env.configPath,
        "--import-map",
        env.importMapPath,
        "--unstable-worker-options",
        `--v8-flags=--max-old-space-size=${config.memoryMb}`,
        ...processPermissionFlags(script.grants, [...env.runtimeFiles, ...moduleFiles]),
        env.childMainPath,
        env.workerMainUrl,
        new URL(`file://${script.absPath}`).href,
        JSON.stringify(workerPermissions(script.grants)),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    const readers = Promise.all([this.#readFrames(), this.#readStderr()]);
    this.exited = Promise.all([this.#child.status, readers]).then(([status]) => {
      this.#onExit(status);
    });
  }

  /** Checks the module graph, spawns the process and waits until the script is loaded. */
  static async start(config: SandboxConfig): Promise<SandboxProcess> {
    const { env, script } = config;
    const graph = await checkModuleGraph(script.absPath, env);
    if ("error" in graph) throw new ScriptLoadError(graph.error);
    const proc = new SandboxProcess(config, graph.files);
    proc.#send((w) => w.value({ t: "init", name: script.path, options: config.options }));
    const loadMs = config.timeoutMs + LOAD_EXTRA_MS;
    const timer = setTimeout(() => {
      proc.#ready.reject(
        new ScriptLoadError(
          `did not finish loading within ${loadMs / 1000} s (an endless loop at the top level?)`,
        ),
      );
    }, loadMs);
    try {
      const ready = await proc.#ready.promise;
      proc.#state = "ready";
      proc.ready = ready;
      return proc;
    } catch (e) {
      proc.#expectedExit = true;
      proc.kill();
      await proc.exited;
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  ready!: ReadyMessage;

  /** True until the process is stopped, retired or dead. */
  get alive(): boolean {
    return this.#state === "ready";
  }

  get pendingCalls(): number {
    return this.#pending.size;
  }

  /** Sends a call; rejects with `CallAborted` if no reply will come. */
  call(hook: string, write: CallWriter): Promise<ReplyMessage> {
    if (this.#state === "dead") return Promise.reject(new CallAborted("the sandbox is gone"));
    const id = ++this.#nextId;
    try {
      this.#send((w) => write(w, id));
    } catch (e) {
      return Promise.reject(e);
    }
    const { promise, resolve, reject } = Promise.withResolvers<ReplyMessage>();
    this.#pending.set(id, { hook, resolve, reject });
    this.#deadlines.add(id);
    return promise;
  }

  /** Sends a message without a reply (option updates). */
  post(message: Record<string, unknown>): void {
    if (this.#state !== "dead") this.#send((w) => w.value(message));
  }

  /** Stops taking calls; exits once the calls in flight are answered. */
  retire(): void {
    if (this.#state === "dead") return;
    this.#state = "retiring";
    this.#expectedExit = true;
    this.#maybeFinishRetiring();
    this.#killTimer ??= setTimeout(() => this.kill(), this.#config.timeoutMs + GRACE_MS);
  }

  /** Closes the channel now and waits for the process to exit. */
  async stop(): Promise<void> {
    if (this.#state !== "dead") {
      this.#state = "retiring";
      this.#expectedExit = true;
      this.#closeStdin();
      this.#killTimer ??= setTimeout(() => this.kill(), GRACE_MS);
    }
    await this.exited;
  }

  kill(): void {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }

  /** Queues a frame (`write` writes its one value); a turn's frames leave together. */
  #send(write: (w: WireWriter) => void): void {
    this.#out.frameWith(write);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #closeStdin(): void {
    this.#flush();
    this.#writer.close().catch(() => {});
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#out.length === 0) return;
    this.#writer.write(this.#out.take()).catch(() => {
      // The process is gone; its exit is handled in #onExit.
    });
  }

  #maybeFinishRetiring(): void {
    if (this.#state === "retiring" && this.#pending.size === 0) {
      this.#closeStdin();
    }
  }

  #onTimeout(hook: string): void {
    if (this.#state === "dead" || this.#failure !== null) return;
    this.#failure = `${hook} did not finish within ${this.#config.timeoutMs / 1000} s`;
    this.kill();
  }

  #protocolError(why: string): void {
    if (this.#failure === null) {
      this.#failure = `broke the channel to the proxy (${why}; did it write to Deno.stdout?)`;
    }
    this.kill();
  }

  async #readFrames(): Promise<void> {
    const splitter = new FrameSplitter();
    try {
      for await (const chunk of this.#child.stdout) {
        if (this.#failure !== null) continue;
        let frames: Uint8Array[];
        try {
          frames = splitter.push(chunk);
        } catch (e) {
          this.#protocolError((e as Error).message);
          continue;
        }
        for (const frame of frames) {
          let message: WorkerMessage;
          try {
            message = readWorkerMessage(frame);
          } catch (e) {
            if (!(e instanceof WireError || e instanceof ProtocolError)) throw e;
            this.#protocolError(e.message);
            break;
          }
          this.#dispatch(message);
        }
      }
    } catch {
      // The pipe broke: the process is gone.
    }
  }

  async #readStderr(): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    try {
      for await (const chunk of this.#child.stderr) {
        const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
        partial = lines.pop() ?? "";
        for (const line of lines) this.#stderrLine(line);
      }
    } catch {
      // The pipe broke: the process is gone.
    }
    if (partial) this.#stderrLine(partial);
  }

  #stderrLine(line: string): void {
    if (line.trim() === "") return;
    this.#stderr.push(line);
    if (this.#stderr.length > STDERR_LINES) this.#stderr.shift();
    this.#config.events.log("debug", `${this.#config.script.path} (stderr): ${line}`);
  }

  #dispatch(message: WorkerMessage): void {
    switch (message.t) {
      case "ready":
        this.#ready.resolve(message);
        return;
      case "fatal":
        this.#ready.reject(new ScriptLoadError(formatError(message.error)));
        return;
      case "log":
        this.#config.events.log(message.level, message.msg);
        return;
      case "uncaught":
        this.#config.events.uncaught(message.error);
        return;
      case "reply": {
        const p = this.#pending.get(message.id);
        if (p === undefined) return;
        this.#pending.delete(message.id);
        this.#deadlines.delete(message.id);
        p.resolve(message);
        this.#maybeFinishRetiring();
        return;
      }
    }
  }

  /** Why the process died, from its last stderr lines (V8's heap limit, a panic). */
  #exitReason(status: Deno.CommandStatus): string {
    const fatal = this.#stderr.find((l) => /Fatal|out of memory|panicked|error:/i.test(l));
    const how = status.signal
      ? `was killed by ${status.signal}`
      : `exited with code ${status.code}`;
    const why = fatal ? `: ${fatal.replace(/^#\s*/, "").trim()}` : "";
    return `its sandbox process ${how}${why}`;
  }

  #onExit(status: Deno.CommandStatus): void {
    const wasStarting = this.#state === "starting";
    this.#state = "dead";
    if (this.#killTimer !== null) clearTimeout(this.#killTimer);
    const reason = this.#failure ?? this.#exitReason(status);
    this.#deadlines.clear();
    for (const p of this.#pending.values()) p.reject(new CallAborted(reason));
    this.#pending.clear();
    if (wasStarting) {
      this.#ready.reject(new ScriptLoadError(reason));
      return;
    }
    if (!this.#expectedExit || this.#failure !== null) this.#config.events.failed(reason);
  }
}
