/**
 * Streams flows to a `.mitm` file as they finish (mitmproxy's `save.py`) and provides the
 * `save.file` command.
 *
 * Rules, written once:
 * - `save_stream_file`: `path` truncates, `+path` appends; missing directories are
 *   created. Opening happens in `configure`, so a bad path rejects the option update with
 *   an OptionsError naming the path.
 * - HTTP flows are written at `response`/`error`, TCP flows at `tcp_end`/`tcp_error`, in
 *   the order those hooks run; each write goes straight to the file (see `FlowWriter`).
 * - As in mitmproxy, an HTTP flow that carries a WebSocket is not written at `response`
 *   but when the WebSocket ends; WebSocket hooks do not exist yet, so such flows are
 *   written at `done` with the other unfinished ones.
 * - Flows that started (`request`, `tcp_start`) but never finished are written at `done`,
 *   then the file is closed.
 * - `save_stream_filter` (mitmproxy's filter language) limits which flows are written; a
 *   bad expression rejects the option update. `MITMPROXY_CASE_SENSITIVE_FILTERS=1` makes
 *   its regexes case-sensitive, as in mitmproxy.
 */
import { CommandError } from "../core/command.ts";
import type { Flow } from "../core/flow/flow.ts";
import type { HttpFlow } from "../core/flow/http.ts";
import type { TcpFlow } from "../core/flow/tcp.ts";
import { type FlowFilter } from "../core/flowfilter/filter.ts";
import type { Loader } from "../core/hooks.ts";
import {
  FlowWriter,
  openFlowFile,
  openFlowFileSync,
  parseFlowPath,
} from "../core/io/flow_writer.ts";
import type { Logger } from "../core/log.ts";
import { OptionsError } from "../core/option_types.ts";
import type { Options } from "../core/options.ts";
import { compileFlowFilter } from "./filter_option.ts";

interface Stream {
  readonly path: string;
  readonly spec: string;
  readonly file: Deno.FsFile;
  readonly writer: FlowWriter;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

export class Save {
  readonly name = "save";
  #options: Options | null = null;
  #logger: Logger | null = null;
  #stream: Stream | null = null;
  #filter: FlowFilter | null = null;
  /** Started but not yet written, in start order. */
  #active = new Set<Flow>();

  load(loader: Loader): void {
    this.#options = loader.options;
    this.#logger = loader.logger;
    loader.add_option(
      "save_stream_file",
      "optional str",
      null,
      "Stream flows to file as they arrive. Prefix path with + to append. Missing directories are created as needed.",
    );
    loader.add_option(
      "save_stream_filter",
      "optional str",
      null,
      "Filter which flows are written to file.",
    );
    loader.add_command("save.file", (flows: Flow[], path: string) => this.saveFile(flows, path), {
      args: [{ name: "flows", type: "flow[]" }, { name: "path", type: "path" }],
      help:
        "Save flows to a file. If the path starts with a +, flows are appended to the file, otherwise it is over-written.",
    });
  }

  configure(updated: ReadonlySet<string>): void {
    const options = this.#options!;
    if (updated.has("save_stream_filter")) {
      this.#filter = compileFlowFilter(
        "save_stream_filter",
        options.get("save_stream_filter") as string | null,
      );
    }
    if (updated.has("save_stream_file") || updated.has("save_stream_filter")) {
      const spec = options.get("save_stream_file") as string | null;
      if (spec) this.#open(spec);
      else void this.#close(true);
    }
  }

  #open(spec: string): void {
    if (this.#stream?.spec === spec) return;
    const { path } = parseFlowPath(spec);
    let file: Deno.FsFile;
    try {
      file = openFlowFileSync(spec, { createDirs: true });
    } catch (e) {
      throw new OptionsError(
        `Cannot open save_stream_file ${JSON.stringify(path)}: ${errorText(e)}`,
      );
    }
    void this.#close(false);
    this.#stream = { path, spec, file, writer: new FlowWriter(file) };
  }

  /** Closes the current file once its pending writes are done. */
  #close(flushActive: boolean): Promise<void> {
    const stream = this.#stream;
    if (stream === null) return Promise.resolve();
    this.#stream = null;
    if (flushActive) {
      for (const f of this.#active) this.#write(stream, f);
    }
    this.#active.clear();
    return stream.writer.drain().finally(() => stream.file.close());
  }

  #write(stream: Stream, flow: Flow): Promise<void> {
    if (this.#filter !== null && !this.#filter.match(flow)) return Promise.resolve();
    return stream.writer.add(flow).catch((e) => {
      // mitmproxy exits here rather than let traffic through unrecorded; we say so loudly.
      this.#logger?.error(`Error while writing to ${stream.path}: ${errorText(e)}`);
    });
  }

  #save(flow: Flow): Promise<void> {
    const stream = this.#stream;
    if (stream === null) return Promise.resolve();
    this.#active.delete(flow);
    return this.#write(stream, flow);
  }

  #started(flow: Flow): void {
    if (this.#stream !== null) this.#active.add(flow);
  }

  request(flow: HttpFlow): void {
    this.#started(flow);
  }

  response(flow: HttpFlow): Promise<void> | void {
    if (flow.websocket !== null) {
      this.#started(flow);
      return;
    }
    if (this.#stream !== null) return this.#save(flow);
  }

  error(flow: HttpFlow): Promise<void> | void {
    return this.response(flow);
  }

  tcp_start(flow: TcpFlow): void {
    this.#started(flow);
  }

  tcp_end(flow: TcpFlow): Promise<void> {
    return this.#save(flow);
  }

  tcp_error(flow: TcpFlow): Promise<void> {
    return this.#save(flow);
  }

  done(): Promise<void> {
    return this.#close(true);
  }

  /** `save.file flows path`: writes the flows to `path` (`+path` appends). */
  async saveFile(flows: readonly Flow[], spec: string): Promise<void> {
    let file: Deno.FsFile;
    try {
      file = await openFlowFile(spec);
    } catch (e) {
      throw new CommandError(`Cannot open ${parseFlowPath(spec).path}: ${errorText(e)}`);
    }
    try {
      const writer = new FlowWriter(file);
      for (const f of flows) await writer.add(f);
    } catch (e) {
      throw new CommandError(`Error while writing to ${parseFlowPath(spec).path}: ${errorText(e)}`);
    } finally {
      file.close();
    }
    if (/\.z?har$/.test(spec)) {
      this.#logger?.alert(
        "Saved as mitmproxy dump file. To save HAR files, use the `save.har` command.",
      );
    } else {
      this.#logger?.alert(`Saved ${flows.length} flows.`);
    }
  }
}
