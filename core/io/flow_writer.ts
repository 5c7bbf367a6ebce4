/**
 * Writes `.mitm` flow files (mitmproxy's `io.FlowWriter`): each flow's `getState()` as one
 * tnetstring, appended to the sink; no header, no index.
 *
 * Rules, written once:
 * - Each `add()` serialises the flow at once (later changes to the flow are not written)
 *   and writes all of its bytes straight to the sink, after earlier adds (in call order).
 *   Nothing is buffered in userland, so a killed process loses at most the flow being
 *   written and a reader skips that truncated last record.
 * - Int vs float follows mitmproxy's types (`isFloatPath`): `timestamp*` keys and the
 *   timestamps inside message tuples are floats, everything else integral is an int;
 *   non-integral numbers are always floats. `metadata` is free-form: its integral numbers
 *   are ints.
 * - Path specs: `+path` appends, `path` truncates; a leading `~` is the home directory.
 */
import { encode, type ValuePath } from "../../codecs/tnetstring/encode.ts";
import type { Flow } from "../flow/flow.ts";
import type { StateDict } from "../flow/state.ts";

/** Anything bytes can be written to: a `Deno.FsFile`, `Deno.stdout`, a test buffer. */
export interface ByteSink {
  write(p: Uint8Array): Promise<number>;
}

/** True where mitmproxy's state holds a Python float. */
export function isFloatPath(path: ValuePath): boolean {
  // A backup is a whole flow state one level down.
  const p = path[0] === "backup" ? path.slice(1) : path;
  if (p[0] === "metadata") return false;
  const last = p[p.length - 1];
  if (typeof last === "string") return last.startsWith("timestamp");
  // TCP/UDP messages: [from_client, content, timestamp].
  if (p.length === 3 && p[0] === "messages") return last === 2;
  // WebSocket messages: [type, from_client, content, timestamp, dropped, injected].
  if (p.length === 4 && p[0] === "websocket" && p[1] === "messages") return last === 3;
  return false;
}

/** One flow state as the bytes mitmproxy would write for it. */
export function encodeFlowState(state: StateDict): Uint8Array {
  return encode(state, { isFloat: isFloatPath });
}

async function writeAll(sink: ByteSink, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const n = await sink.write(bytes.subarray(offset));
    if (!(n > 0)) throw new Error(`write wrote ${n} bytes`);
    offset += n;
  }
}

export class FlowWriter {
  readonly #sink: ByteSink;
  #tail: Promise<void> = Promise.resolve();
  #count = 0;

  constructor(sink: ByteSink) {
    this.#sink = sink;
  }

  /** Flows handed to `add()` so far. */
  get count(): number {
    return this.#count;
  }

  /** Serialises the flow now and writes it after earlier adds; resolves once written. */
  add(flow: Flow | StateDict): Promise<void> {
    const state = typeof (flow as Flow).getState === "function"
      ? (flow as Flow).getState()
      : flow as StateDict;
    const bytes = encodeFlowState(state);
    this.#count++;
    const done = this.#tail.then(() => writeAll(this.#sink, bytes));
    this.#tail = done.catch(() => {});
    return done;
  }

  /** Resolves once every add so far has finished (failed writes reject their own add). */
  drain(): Promise<void> {
    return this.#tail;
  }
}

export interface FlowPathSpec {
  path: string;
  append: boolean;
}

/** `+path` -> append; `~` -> home directory. */
export function parseFlowPath(spec: string): FlowPathSpec {
  const append = spec.startsWith("+");
  let path = append ? spec.slice(1) : spec;
  if (path === "~" || path.startsWith("~/")) {
    const home = Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE");
    if (home) path = home + path.slice(1);
  }
  return { path, append };
}

function openOptions(append: boolean): Deno.OpenOptions {
  return append
    ? { write: true, create: true, append: true }
    : { write: true, create: true, truncate: true };
}

/** Opens a flow file for writing per its path spec. */
export function openFlowFile(spec: string): Promise<Deno.FsFile> {
  const { path, append } = parseFlowPath(spec);
  return Deno.open(path, openOptions(append));
}

/** The same, synchronously (for `configure`, which cannot await). */
export function openFlowFileSync(spec: string, opts: { createDirs?: boolean } = {}): Deno.FsFile {
  const { path, append } = parseFlowPath(spec);
  if (opts.createDirs) {
    const slash = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
    if (slash > 0) Deno.mkdirSync(path.slice(0, slash), { recursive: true });
  }
  return Deno.openSync(path, openOptions(append));
}
