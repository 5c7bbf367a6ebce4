/**
 * Loads flows from a `.mitm` file at startup (mitmproxy's `readfile.py`, stdin included)
 * and replays their hooks through the addon chain, as if they had just happened
 * (mitmproxy's `eventsequence`).
 *
 * Rules, written once:
 * - `rfile` is read once, at `running`, in the background; `readDone` resolves when
 *   reading has finished (or at once when there is nothing to read), never rejects.
 * - `-` reads stdin.
 * - HTTP flows: `requestheaders`, `request`, then `responseheaders` and `response` if there
 *   is a response, then `error` if there is an error and no WebSocket. TCP flows:
 *   `tcp_start`, `tcp_message` once per message (the messages are added back one at a
 *   time), then `tcp_error` or `tcp_end`.
 * - In a single `reverse:` proxy mode, loaded HTTP requests are pointed at the reverse
 *   proxy's target, so saved flows are easy to replay against another host.
 * - Problems are logged, never thrown: a truncated last flow as a warning, anything else
 *   as an error naming the file and byte offset ("Flow file corrupted - loaded N flows."
 *   first if some flows were loaded).
 * - `readfile_filter` (mitmproxy's filter language) loads only matching flows; a bad
 *   expression rejects the option update.
 */
import type { Flow } from "../core/flow/flow.ts";
import type { HttpFlow } from "../core/flow/http.ts";
import type { TcpFlow } from "../core/flow/tcp.ts";
import type { Loader } from "../core/hooks.ts";
import { type FlowSource, readFlows } from "../core/io/flow_reader.ts";
import type { Logger } from "../core/log.ts";
import type { Options } from "../core/options.ts";
import { parseModeSpec } from "../proxy/mode_specs.ts";
import type { HookRunner } from "../proxy/server.ts";
import type { FlowFilter } from "../core/flowfilter/filter.ts";
import { compileFlowFilter } from "./filter_option.ts";

export interface ReadFileDeps {
  /** Stdin for `rfile = "-"` (default: `Deno.stdin.readable`). */
  stdin?: () => ReadableStream<Uint8Array>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs one loaded flow's hooks, in the order the proxy would have run them. */
export async function replayFlowHooks(hooks: HookRunner, flow: Flow): Promise<void> {
  if (flow.type === "http") {
    const f = flow as HttpFlow;
    await hooks.trigger("requestheaders", f);
    await hooks.trigger("request", f);
    if (f.response) {
      await hooks.trigger("responseheaders", f);
      await hooks.trigger("response", f);
    }
    // WebSocket hooks are not modelled yet; as in mitmproxy, a WebSocket flow gets no
    // `error` hook.
    if (f.websocket === null && f.error) await hooks.trigger("error", f);
  } else if (flow.type === "tcp") {
    const f = flow as TcpFlow;
    const messages = f.messages;
    f.messages = [];
    await hooks.trigger("tcp_start", f);
    for (const m of messages) {
      f.messages.push(m);
      await hooks.trigger("tcp_message", f);
    }
    await hooks.trigger(f.error ? "tcp_error" : "tcp_end", f);
  }
}

/** `reverse:https://example.com:8443` -> scheme, host and port for loaded requests. */
function reverseTarget(options: Options): { scheme: string; host: string; port: number } | null {
  if (!options.has("mode")) return null;
  const modes = options.get("mode") as string[];
  if (modes.length !== 1 || !modes[0].startsWith("reverse:")) return null;
  try {
    const data = parseModeSpec(modes[0]).data;
    const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/i.exec(data);
    if (m === null) return null;
    const scheme = (m[1] ?? "https").toLowerCase();
    if (scheme !== "http" && scheme !== "https") return null;
    const host = m[2].replace(/^\[(.*)\]$/, "$1");
    return { scheme, host, port: m[3] ? Number(m[3]) : scheme === "http" ? 80 : 443 };
  } catch {
    return null;
  }
}

export class ReadFile {
  readonly name = "readfile";
  /** Resolves once the `rfile` read started at `running` has finished. */
  readonly readDone: Promise<void>;
  readonly #hooks: HookRunner;
  readonly #stdin: () => ReadableStream<Uint8Array>;
  #resolveDone!: () => void;
  #options: Options | null = null;
  #logger: Logger | null = null;
  #filter: FlowFilter | null = null;
  #reading = false;

  constructor(hooks: HookRunner, deps: ReadFileDeps = {}) {
    this.#hooks = hooks;
    this.#stdin = deps.stdin ?? (() => Deno.stdin.readable);
    this.readDone = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  load(loader: Loader): void {
    this.#options = loader.options;
    this.#logger = loader.logger;
    loader.add_option("rfile", "optional str", null, "Read flows from file. Use - for stdin.");
    loader.add_option("readfile_filter", "optional str", null, "Read only matching flows.");
    loader.add_command("readfile.reading", () => this.#reading, {
      args: [],
      returns: "bool",
      help: "Whether flows are still being read from rfile.",
    });
  }

  configure(updated: ReadonlySet<string>): void {
    if (updated.has("readfile_filter")) {
      this.#filter = compileFlowFilter(
        "readfile_filter",
        this.#options!.get("readfile_filter") as string | null,
      );
    }
  }

  running(): void {
    const rfile = this.#options!.get("rfile") as string | null;
    if (!rfile) {
      this.#resolveDone();
      return;
    }
    this.#reading = true;
    this.loadFlows(rfile === "-" ? this.#stdin() : rfile, rfile === "-" ? "<stdin>" : rfile)
      .then(undefined, (e) => this.#logger?.error(`Failed to read ${rfile}: ${errorText(e)}`))
      .finally(() => {
        this.#reading = false;
        this.#resolveDone();
      });
  }

  /** Reads a flow file and replays each flow's hooks; returns how many were loaded. Logs
   * problems instead of throwing them. */
  async loadFlows(source: FlowSource, name?: string): Promise<number> {
    const logger = this.#logger;
    const target = this.#options ? reverseTarget(this.#options) : null;
    let count = 0;
    try {
      const flows = readFlows(source, { name, onWarning: (m) => logger?.warn(m) });
      for await (const flow of flows) {
        if (this.#filter !== null && !this.#filter.match(flow)) continue;
        if (target !== null && flow.type === "http") {
          const request = (flow as HttpFlow).request;
          request.host = target.host;
          request.port = target.port;
          request.scheme = target.scheme;
        }
        await replayFlowHooks(this.#hooks, flow);
        count++;
      }
    } catch (e) {
      if (count > 0) logger?.warn(`Flow file corrupted - loaded ${count} flows.`);
      logger?.error(`Failed to read flows: ${errorText(e)}`);
    }
    return count;
  }
}
