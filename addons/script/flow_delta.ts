/**
 * What a sandboxed hook changed, found by comparing encodings (worker side).
 *
 * Rules, written once:
 * - While a call's flow is read, the encoding of each top-level field is kept, and for
 *   `request` and `response` the encoding of each of their keys (`FlowSpans`). The wire
 *   encoding is canonical, so after the hook each field is written the same way again
 *   (`flow_writer.ts`) and a field whose bytes are equal did not change.
 * - The reply carries only the fields whose bytes differ, already encoded: a field whole,
 *   `request`/`response` as a dict of their changed keys (`{request: {headers}}`), or whole
 *   when it was null before.
 * - Fields the proxy never takes from a script (`NOT_APPLIED`: the id, the connections,
 *   the backup, ...) are not compared at all.
 * - A hook that changed nothing makes an empty delta; the flow goes back unchanged.
 */
import type { Flow } from "../../core/flow/flow.ts";
import type { HttpFlow } from "../../core/flow/http.ts";
import type { StateDict } from "../../core/flow/state.ts";
import {
  type Field,
  HTTP_FLOW_FIELDS,
  REQUEST_FIELDS,
  RESPONSE_FIELDS,
  writesDirectly,
} from "./flow_writer.ts";
import { T_DICT, type WireValue } from "./wire.ts";
import type { WireReader } from "./wire_reader.ts";
import type { WireWriter } from "./wire_writer.ts";

/** Fields whose keys are compared one by one (big dicts where one key usually changes). */
const SPLIT: ReadonlySet<string> = new Set(["request", "response"]);

/** Fields `apply_state.ts` ignores: never sent back. (`version` and `type` are compared, so
 * that a hook that changes them has its reply refused, not half applied.) */
export const NOT_APPLIED: ReadonlySet<string> = new Set([
  "id",
  "client_conn",
  "server_conn",
  "backup",
  "timestamp_created",
]);

/** The encoding of each top-level field of a flow state, and of each key of `SPLIT` fields. */
export interface FlowSpans {
  readonly top: Map<string, Uint8Array>;
  readonly sub: Map<string, Map<string, Uint8Array>>;
}

/** Reads any flow state dict as a state object, keeping the encoding of its fields. */
export function readFlowWithSpans(r: WireReader): { state: WireValue; spans: FlowSpans } {
  const spans: FlowSpans = { top: new Map(), sub: new Map() };
  const state: Record<string, WireValue> = {};
  const n = r.dict();
  for (let i = 0; i < n; i++) {
    const key = r.key();
    const start = r.pos;
    if (SPLIT.has(key) && r.peek() === T_DICT) {
      const sub = new Map<string, Uint8Array>();
      const dict: Record<string, WireValue> = {};
      const m = r.dict();
      for (let j = 0; j < m; j++) {
        const k = r.key();
        const s = r.pos;
        dict[k] = r.value(2);
        sub.set(k, r.since(s));
      }
      spans.sub.set(key, sub);
      state[key] = dict;
    } else {
      state[key] = r.value(1);
    }
    spans.top.set(key, r.since(start));
  }
  return { state, spans };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isDict(v: unknown): v is StateDict {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** One changed field: its encoding, or (for a `SPLIT` field) its changed keys' encodings. */
export type DeltaField = [key: string, value: Uint8Array | [string, Uint8Array][]];

/** Writes fields as they are now and keeps those whose bytes differ from the spans. */
class Comparison {
  readonly delta: DeltaField[] = [];
  readonly #spans: FlowSpans;
  readonly #scratch: WireWriter;

  constructor(spans: FlowSpans, scratch: WireWriter) {
    this.#spans = spans;
    this.#scratch = scratch;
  }

  /** The field's bytes now if they differ from `was`, else null. */
  #changed<T>(was: Uint8Array | undefined, write: Field<T>[1], o: T): Uint8Array | null {
    const scratch = this.#scratch;
    scratch.truncate(0);
    write(scratch, o);
    const now = scratch.view();
    return was !== undefined && equalBytes(was, now) ? null : now.slice();
  }

  field<T>(key: string, write: Field<T>[1], o: T): void {
    const now = this.#changed(this.#spans.top.get(key), write, o);
    if (now !== null) this.delta.push([key, now]);
  }

  /** Compares a `SPLIT` field key by key; false if it cannot be (it was null, or its keys
   * differ), so that it is compared whole. */
  split<T>(key: string, fields: readonly Field<T>[], o: T): boolean {
    const given = this.#spans.sub.get(key);
    if (given === undefined || given.size !== fields.length) return false;
    const changed: [string, Uint8Array][] = [];
    for (const [k, write] of fields) {
      if (!given.has(k)) return false;
      const now = this.#changed(given.get(k), write, o);
      if (now !== null) changed.push([k, now]);
    }
    if (changed.length > 0) this.delta.push([key, changed]);
    return true;
  }
}

const writeValue = (w: WireWriter, v: unknown) => w.value(v);

function compareDirectly(flow: HttpFlow, c: Comparison): void {
  for (const [key, write] of HTTP_FLOW_FIELDS) {
    if (NOT_APPLIED.has(key)) continue;
    if (key === "request" && c.split(key, REQUEST_FIELDS, flow.request)) continue;
    const response = flow.response;
    if (key === "response" && response !== null && c.split(key, RESPONSE_FIELDS, response)) {
      continue;
    }
    c.field(key, write, flow);
  }
}

function compareState(state: StateDict, c: Comparison): void {
  for (const key of Object.keys(state)) {
    if (NOT_APPLIED.has(key)) continue;
    const value = state[key];
    if (SPLIT.has(key) && isDict(value)) {
      const fields = Object.keys(value).map((k): Field<null> => [k, (w) => w.value(value[k])]);
      if (c.split(key, fields, null)) continue;
    }
    c.field(key, writeValue, value);
  }
}

/**
 * The fields of `flow` whose encoding differs from `spans` (the flow as the hook got it).
 * `scratch` is emptied and reused; the delta's bytes are copies.
 */
export function flowDelta(flow: Flow, spans: FlowSpans, scratch: WireWriter): DeltaField[] {
  if (writesDirectly(flow)) {
    try {
      const c = new Comparison(spans, scratch);
      compareDirectly(flow, c);
      return c.delta;
    } catch {
      // A field of the wrong type: getState() says what is wrong (or copes).
    }
  }
  const c = new Comparison(spans, scratch);
  compareState(flow.getState(), c);
  return c.delta;
}

/** Writes a delta as the dict `{key: value | {subkey: value}}`. */
export function writeDelta(w: WireWriter, delta: readonly DeltaField[]): void {
  w.dict(delta.length);
  for (const [key, value] of delta) {
    w.key(key);
    if (value instanceof Uint8Array) {
      w.raw(value);
      continue;
    }
    w.dict(value.length);
    for (const [k, v] of value) {
      w.key(k);
      w.raw(v);
    }
  }
}
