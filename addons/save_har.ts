/**
 * HAR export (mitmproxy's `savehar.py`): the `hardump` option and the `save.har` command.
 *
 * Rules, written once:
 * - `hardump` ("" = off): a path, or `-` for stdout. While it is set, every HTTP flow that
 *   reaches `request`, `response` or `error` is remembered (once, in first-seen order); at
 *   `done` they are written as one HAR file, in their state at that moment (so WebSocket
 *   messages and late responses are in). Flows still in flight get response-less entries.
 *   Clearing the option forgets the flows remembered so far.
 * - `save_stream_filter` (declared by the `save` addon) limits which flows are written, as
 *   for `.mitm` streams.
 * - A path ending in `.zhar` is zlib-compressed (level 9); `~` is expanded. Write errors at
 *   `done` are logged, not thrown.
 * - `save.har flows path` writes the given flows (no filter); non-HTTP flows are skipped
 *   and counted in the log; errors are `CommandError`s naming the path.
 */
import { CommandError } from "../core/command.ts";
import type { Flow } from "../core/flow/flow.ts";
import type { HttpFlow } from "../core/flow/http.ts";
import type { Loader } from "../core/hooks.ts";
import { flowsToHar, harToBytes } from "../core/io/har_export.ts";
import type { Logger } from "../core/log.ts";
import type { Options } from "../core/options.ts";
import { expandHome } from "../core/paths.ts";
import { compileFlowFilter } from "./filter_option.ts";

export interface SaveHarDeps {
  /** Where `hardump = "-"` writes (default: standard output). */
  stdout?: (data: Uint8Array) => Promise<void>;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function writeStdout(data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await Deno.stdout.write(data.subarray(off));
}

/** Writes `flows` as HAR to `path` (`.zhar`: compressed); returns the entry count. */
export async function writeHarFile(flows: readonly Flow[], path: string): Promise<number> {
  const har = flowsToHar(flows);
  const file = expandHome(path);
  await Deno.writeFile(file, harToBytes(har, file.endsWith(".zhar")));
  return har.log.entries.length;
}

export class SaveHar {
  readonly name = "save_har";
  readonly #stdout: (data: Uint8Array) => Promise<void>;
  #options: Options | null = null;
  #logger: Logger | null = null;
  #flows = new Set<HttpFlow>();

  constructor(deps: SaveHarDeps = {}) {
    this.#stdout = deps.stdout ?? writeStdout;
  }

  load(loader: Loader): void {
    this.#options = loader.options;
    this.#logger = loader.logger;
    loader.add_option(
      "hardump",
      "str",
      "",
      "Save a HAR file with all flows on exit. You may select particular flows by setting save_stream_filter. For mitmdump, enabling this option will mean that flows are kept in memory.",
    );
    loader.add_command(
      "save.har",
      (flows: Flow[], path: string) => this.saveHar(flows, path),
      {
        args: [{ name: "flows", type: "flow[]" }, { name: "path", type: "path" }],
        help: "Export flows to an HAR (HTTP Archive) file.",
      },
    );
  }

  configure(updated: ReadonlySet<string>): void {
    if (updated.has("hardump") && !this.#hardump()) this.#flows.clear();
  }

  #hardump(): string {
    return (this.#options?.get("hardump") as string | undefined) ?? "";
  }

  #remember(flow: HttpFlow): void {
    if (this.#hardump()) this.#flows.add(flow);
  }

  request(flow: HttpFlow): void {
    this.#remember(flow);
  }

  response(flow: HttpFlow): void {
    this.#remember(flow);
  }

  error(flow: HttpFlow): void {
    this.#remember(flow);
  }

  async done(): Promise<void> {
    const target = this.#hardump();
    const flows = [...this.#flows];
    this.#flows.clear();
    if (!target) return;
    const options = this.#options!;
    const logger = this.#logger!;
    try {
      const expr = options.has("save_stream_filter")
        ? options.get("save_stream_filter") as string | null
        : null;
      const filter = compileFlowFilter("save_stream_filter", expr);
      const selected = filter === null ? flows : flows.filter((f) => filter.match(f));
      if (target === "-") {
        await this.#stdout(harToBytes(flowsToHar(selected)));
      } else {
        const n = await writeHarFile(selected, target);
        logger.info(`HAR dump finished (wrote ${n} flows to ${expandHome(target)})`);
      }
    } catch (e) {
      logger.error(`Error while writing HAR dump to ${target}: ${errorText(e)}`);
    }
  }

  /** `save.har flows path`. */
  async saveHar(flows: readonly Flow[], path: string): Promise<void> {
    let n: number;
    try {
      n = await writeHarFile(flows, path);
    } catch (e) {
      throw new CommandError(`Cannot write HAR file ${path}: ${errorText(e)}`);
    }
    const skipped = flows.length - n;
    if (skipped > 0) this.#logger?.info(`Skipped ${skipped} flows that weren't HTTP flows.`);
    this.#logger?.alert(`Saved ${n} flows as HAR to ${path}.`);
  }
}
