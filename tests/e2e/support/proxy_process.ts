/**
 * The proxy as a subprocess: `deno run -A main.ts dump --listen-host 127.0.0.1 -p 0 ...`,
 * with the port parsed from the "listening at" line, stdout collected line by line, and a
 * private, empty confdir unless the caller passes `--set confdir=...` itself.
 */

const MAIN = new URL("../../../main.ts", import.meta.url).pathname;
const LISTENING = /HTTP\(S\) proxy listening at 127\.0\.0\.1:(\d+)\./;

export interface ProxyExit {
  code: number;
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

type LineMatcher = string | RegExp | ((line: string) => boolean);

function matches(line: string, matcher: LineMatcher): boolean {
  if (typeof matcher === "string") return line.includes(matcher);
  if (matcher instanceof RegExp) return matcher.test(line);
  return matcher(line);
}

function commandFor(args: readonly string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "dump", ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
}

/** Runs the CLI to completion (for --version, bad options...), killing it after `timeoutMs`. */
export async function runProxyCli(args: readonly string[], timeoutMs = 15_000): Promise<ProxyExit> {
  const child = commandFor(args).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const out = await child.output();
    return {
      code: out.code,
      signal: out.signal,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Collects a text stream line by line and lets callers wait for a matching line. */
class LineCollector {
  readonly lines: string[] = [];
  #partial = "";
  #waiters: { matcher: LineMatcher; resolve: (line: string) => void }[] = [];
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.done = this.#pump(stream);
  }

  get text(): string {
    return this.lines.join("\n") + (this.#partial ? `\n${this.#partial}` : "");
  }

  async #pump(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (this.#partial + chunk).split("\n");
      this.#partial = parts.pop()!;
      for (const line of parts) this.#add(line);
    }
    if (this.#partial) this.#add(this.#partial);
    this.#partial = "";
  }

  #add(line: string): void {
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((w) => {
      if (!matches(line, w.matcher)) return true;
      w.resolve(line);
      return false;
    });
  }

  /** Resolves with the first line (already seen or future) that matches. */
  wait(matcher: LineMatcher): { promise: Promise<string>; cancel(): void } {
    const seen = this.lines.find((l) => matches(l, matcher));
    if (seen !== undefined) return { promise: Promise.resolve(seen), cancel() {} };
    let entry!: { matcher: LineMatcher; resolve: (line: string) => void };
    const promise = new Promise<string>((resolve) => {
      entry = { matcher, resolve };
      this.#waiters.push(entry);
    });
    return {
      promise,
      cancel: () => (this.#waiters = this.#waiters.filter((w) => w !== entry)),
    };
  }
}

export class ProxyProcess {
  readonly #child: Deno.ChildProcess;
  readonly #stdout: LineCollector;
  readonly #stderr: LineCollector;
  readonly #status: Promise<Deno.CommandStatus>;
  readonly #ownConfdir: string | null;
  #exited: Deno.CommandStatus | null = null;
  #stopping: Promise<ProxyExit> | null = null;
  port = 0;

  private constructor(child: Deno.ChildProcess, ownConfdir: string | null) {
    this.#child = child;
    this.#ownConfdir = ownConfdir;
    this.#stdout = new LineCollector(child.stdout);
    this.#stderr = new LineCollector(child.stderr);
    this.#status = child.status.then((s) => (this.#exited = s));
  }

  /**
   * Starts the proxy and waits until it listens (at most `timeoutMs`): by the "listening at"
   * line, or, with `port` (for quiet runs that print no such line), by connecting to it.
   */
  static async start(
    args: readonly string[] = [],
    options: { timeoutMs?: number; port?: number } = {},
  ): Promise<ProxyProcess> {
    const timeoutMs = options.timeoutMs ?? 15_000;
    const hasConfdir = args.some((a) => a.startsWith("confdir="));
    const confdir = hasConfdir ? null : await Deno.makeTempDir({ prefix: "mitmdeno-e2e-conf-" });
    const fullArgs = ["--listen-host", "127.0.0.1", "-p", String(options.port ?? 0)];
    if (confdir !== null) fullArgs.push("--set", `confdir=${confdir}`);
    fullArgs.push(...args);
    const proxy = new ProxyProcess(commandFor(fullArgs).spawn(), confdir);
    try {
      if (options.port === undefined) {
        const line = await proxy.waitForLine(LISTENING, timeoutMs);
        proxy.port = Number(LISTENING.exec(line)![1]);
      } else {
        await proxy.#waitForPort(options.port, timeoutMs);
        proxy.port = options.port;
      }
      return proxy;
    } catch (e) {
      const exit = await proxy.kill();
      throw new Error(
        `proxy did not start: ${e instanceof Error ? e.message : e}\n` +
          `exit ${exit.code}\nstdout:\n${exit.stdout}\nstderr:\n${exit.stderr}`,
      );
    }
  }

  async #waitForPort(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#exited !== null) throw new Error("proxy exited");
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    throw new Error(`port ${port} not accepting connections within ${timeoutMs} ms`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.#child.pid;
  }

  /** stdout lines so far. */
  get lines(): readonly string[] {
    return this.#stdout.lines;
  }

  get stdout(): string {
    return this.#stdout.text;
  }

  get stderr(): string {
    return this.#stderr.text;
  }

  get exited(): boolean {
    return this.#exited !== null;
  }

  /** Waits for a stdout line; rejects after `timeoutMs` or if the process exits first. */
  async waitForLine(matcher: LineMatcher, timeoutMs = 10_000): Promise<string> {
    const waiter = this.#stdout.wait(matcher);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no stdout line matching ${matcher} within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    // Resolves with null if the process ends without printing the line (never rejects, so
    // it cannot become an unhandled rejection after the race is decided).
    const exitedFirst = this.#status.then(async () => {
      await this.#stdout.done;
      return this.#stdout.lines.find((l) => matches(l, matcher)) ?? null;
    });
    try {
      const line = await Promise.race([waiter.promise, timeout, exitedFirst]);
      if (line === null) throw new Error(`proxy exited before printing a line matching ${matcher}`);
      return line;
    } finally {
      clearTimeout(timer);
      waiter.cancel();
    }
  }

  /**
   * Waits for a flow: the request line `127.0.0.1:PORT: METHOD url[suffix]` (matched whole)
   * and the `<< ...` line after it. Returns both lines.
   */
  async waitForFlow(
    method: string,
    url: string,
    options: { suffix?: string; timeoutMs?: number } = {},
  ): Promise<{ request: string; result: string }> {
    const re = flowLineRegExp(method, url, options.suffix ?? "");
    const timeoutMs = options.timeoutMs ?? 10_000;
    const request = await this.waitForLine(re, timeoutMs);
    const index = this.lines.indexOf(request);
    // The dumper writes both lines synchronously; the second may still be in the pipe.
    await this.waitForLine(() => this.lines.length > index + 1, timeoutMs);
    return { request, result: this.lines[index + 1] };
  }

  async #finish(): Promise<ProxyExit> {
    const status = await this.#status;
    await Promise.all([this.#stdout.done, this.#stderr.done]);
    if (this.#ownConfdir !== null) {
      await Deno.remove(this.#ownConfdir, { recursive: true }).catch(() => {});
    }
    return {
      code: status.code,
      signal: status.signal,
      stdout: this.#stdout.text,
      stderr: this.#stderr.text,
    };
  }

  /**
   * Sends `signal` (SIGTERM by default) and waits for the exit; SIGKILL after `timeoutMs`.
   * Safe to call more than once: later calls return the first result.
   */
  stop(signal: Deno.Signal = "SIGTERM", timeoutMs = 10_000): Promise<ProxyExit> {
    this.#stopping ??= (async () => {
      if (this.#exited === null) {
        try {
          this.#child.kill(signal);
        } catch {
          // Exited meanwhile.
        }
      }
      const timer = setTimeout(() => {
        try {
          this.#child.kill("SIGKILL");
        } catch {
          // Exited meanwhile.
        }
      }, timeoutMs);
      try {
        return await this.#finish();
      } finally {
        clearTimeout(timer);
      }
    })();
    return this.#stopping;
  }

  /** Kills the process at once (for cleanup after a failure). */
  kill(): Promise<ProxyExit> {
    return this.stop("SIGKILL");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The dumper's request line for a flow from a loopback client. */
export function flowLineRegExp(method: string, url: string, suffix = ""): RegExp {
  // Clients that negotiate HTTP/2 with the proxy get " HTTP/2.0" after the URL.
  const version = suffix === "" ? "( HTTP/2\\.0)?" : "";
  return new RegExp(
    `^127\\.0\\.0\\.1:\\d+: ${method} ${escapeRegExp(url + suffix)}${version}$`,
  );
}

export function startProxy(args: readonly string[] = []): Promise<ProxyProcess> {
  return ProxyProcess.start(args);
}

/** A port that was free a moment ago (for runs that must be told their port). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}
