/**
 * Reads `.mitm` flow files (mitmproxy's `io.FlowReader`): one tnetstring dict per flow,
 * migrated to the current format version, turned into flows. Streaming: one flow's bytes
 * are held at a time.
 *
 * Rules, written once:
 * - Sources: a path, an open `Deno.FsFile` (left open) or a `ReadableStream` (stdin for
 *   `-r -`).
 * - A file that ends inside a flow (a writer killed mid-write) keeps every flow before it;
 *   the truncated record is reported through `onWarning` and skipped.
 * - Anything else wrong (corrupt bytes, a version we cannot read, malformed state) throws a
 *   `FlowReadError` naming the source and the byte offset, after the flows before it.
 * - Flow types this build does not model (e.g. "dns") are skipped with a warning.
 * - A file starting with `{` (after an optional UTF-8 BOM) is HAR (`har_import.ts`): read
 *   whole, then its flows are yielded; unreadable entries are skipped through `onWarning`, a
 *   file that is not HAR at all throws a `FlowReadError`.
 */
import { concatBytes } from "../../codecs/bytes.ts";
import { TnetstringReader } from "../../codecs/tnetstring/reader.ts";
import type { Flow } from "../flow/flow.ts";
import { flowFromState } from "../flow/flow_state.ts";
import { isStateDict, StateError } from "../flow/state.ts";
import { FlowMigrator, MigrationError } from "./compat.ts";
import { describe } from "./compat_util.ts";
import { importHar } from "./har_import.ts";

export type FlowSource = string | URL | Deno.FsFile | ReadableStream<Uint8Array>;

export interface ReadFlowsOptions {
  /** How messages name the source (default: the path, or "<stream>"). */
  name?: string;
  /** Told about skipped records (default: `console.warn`). */
  onWarning?: (message: string) => void;
  /** Largest accepted flow in bytes (default 2^32). */
  maxFlowSize?: number;
}

export class FlowReadError extends Error {
  override name = "FlowReadError";

  constructor(
    readonly source: string,
    /** Byte offset of the flow (or problem) in the source; null if not known. */
    readonly offset: number | null,
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
  }
}

const MODELLED_TYPES: ReadonlySet<unknown> = new Set(["http", "tcp"]);
const READ_SIZE = 64 * 1024;

function sourceName(source: FlowSource): string {
  if (typeof source === "string") return source;
  if (source instanceof URL) return source.protocol === "file:" ? source.pathname : source.href;
  return "<stream>";
}

async function* chunksOf(source: FlowSource): AsyncGenerator<Uint8Array> {
  if (source instanceof ReadableStream) {
    const reader = source.getReader();
    let done = false;
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) {
          done = true;
          return;
        }
        yield r.value;
      }
    } finally {
      if (!done) await reader.cancel().catch(() => {});
      reader.releaseLock();
    }
  }
  const file = typeof source === "string" || source instanceof URL
    ? await Deno.open(source, { read: true })
    : source;
  try {
    for (;;) {
      // A fresh buffer each time: the tnetstring reader keeps earlier chunks until used.
      const buf = new Uint8Array(READ_SIZE);
      const n = await file.read(buf);
      if (n === null) return;
      if (n > 0) yield buf.subarray(0, n);
    }
  } finally {
    if (file !== source) file.close();
  }
}

function looksLikeHar(head: Uint8Array): boolean {
  const start = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  return head[start] === 0x7b; // {
}

/** Yields the flows of a `.mitm` file (see the rules at the top of this file). */
export async function* readFlows(
  source: FlowSource,
  options: ReadFlowsOptions = {},
): AsyncGenerator<Flow, void, undefined> {
  const name = options.name ?? sourceName(source);
  const warn = options.onWarning ?? ((m: string) => console.warn(m));
  const reader = new TnetstringReader({ maxValueSize: options.maxFlowSize });
  const migrator = new FlowMigrator();
  let head: Uint8Array | null = new Uint8Array(0);
  // Object property, not a `let`: TypeScript would narrow a `let` to null across `sniff`.
  const har: { chunks: Uint8Array[] | null } = { chunks: null };

  /** Collects the first bytes until HAR can be told apart, then feeds them. */
  const sniff = (chunk: Uint8Array | null): boolean => {
    if (head === null) return true;
    if (chunk !== null) {
      const joined = new Uint8Array(head.length + chunk.length);
      joined.set(head);
      joined.set(chunk, head.length);
      head = joined;
      if (head.length < 4) return false;
    }
    if (looksLikeHar(head)) {
      har.chunks = [head];
      head = null;
      return false;
    }
    reader.feed(head);
    head = null;
    return true;
  };

  function* drain(): Generator<Flow> {
    for (;;) {
      const r = reader.next();
      if (r.kind === "need-data" || r.kind === "end") return;
      if (r.kind === "error") {
        const e = r.error;
        if (e.truncated) {
          warn(`${name}: skipped a truncated flow at the end of the file: ${e.message}`);
          return;
        }
        throw new FlowReadError(name, e.offset, e.message);
      }
      const where = `flow at byte ${r.offset}`;
      if (!isStateDict(r.value)) {
        throw new FlowReadError(name, r.offset, `${where} is not a dict but ${describe(r.value)}`);
      }
      let flow: Flow;
      try {
        const state = migrator.migrate(r.value);
        if (!MODELLED_TYPES.has(state.type)) {
          warn(`${name}: skipped ${where}: flow type ${describe(state.type)} is not supported`);
          continue;
        }
        flow = flowFromState(state);
      } catch (e) {
        if (e instanceof MigrationError || e instanceof StateError) {
          throw new FlowReadError(name, r.offset, `${where}: ${e.message}`);
        }
        throw e;
      }
      yield flow;
    }
  }

  for await (const chunk of chunksOf(source)) {
    if (har.chunks !== null) har.chunks.push(chunk);
    else if (head === null) reader.feed(chunk);
    else if (!sniff(chunk)) continue;
    if (har.chunks === null) yield* drain();
  }
  sniff(null);
  if (har.chunks !== null) {
    const r = importHar(concatBytes(har.chunks));
    if ("error" in r) throw new FlowReadError(name, null, r.error);
    for (const w of r.warnings) warn(`${name}: ${w}`);
    yield* r.flows;
    return;
  }
  reader.end();
  yield* drain();
}
