/**
 * What a sandboxed hook changed, found by comparing encodings (worker side).
 *
 * Rules, written once:
 * - While a call's flow is read, the encoding of each field is kept: slots for an HTTP flow
 *   (`FieldBytes`), and for any other flow `MapSpans` (each top-level field, and each key of
 *   `request` and `response`). The wire encoding is canonical, so after the hook each field
 *   is written the same way again and a field whose bytes are equal did not change.
 * - The delta is one encoded dict of the fields whose bytes differ (`flow_diff.ts`): a
 *   field whole, `request`/`response` as a dict of their changed keys (`{request:
 *   {headers}}`), or whole when it was null before. It is copied once, whatever its size.
 * - Fields the proxy never takes from a script (`NOT_APPLIED`: the id, the connections,
 *   the backup, ...) are not compared at all.
 * - A hook that changed nothing makes no delta; the flow goes back unchanged.
 */
import type { Flow } from "../../core/flow/flow.ts";
import { isStateDict, type StateDict } from "../../core/flow/state.ts";
import { writeFlowDiff } from "./flow_diff.ts";
import {
  FieldBytes,
  REQUEST_BASE,
  REQUEST_SLOT,
  RESPONSE_BASE,
  RESPONSE_SLOT,
  TOP_SLOT,
} from "./flow_slots.ts";
import { writesDirectly } from "./flow_writer.ts";
import { T_DICT, type WireValue } from "./wire.ts";
import type { WireReader } from "./wire_reader.ts";
import type { WireWriter } from "./wire_writer.ts";

/** Fields whose keys are compared one by one (big dicts where one key usually changes). */
const SPLIT: ReadonlySet<string> = new Set(["request", "response"]);

/** Fields `apply_state.ts` ignores (it uses this set): never sent back. (`version` and
 * `type` are compared, so that a hook that changes them has its reply refused, not half
 * applied.) */
export const NOT_APPLIED: ReadonlySet<string> = new Set([
  "id",
  "client_conn",
  "server_conn",
  "backup",
  "timestamp_created",
]);

/** The slots of `NOT_APPLIED`. */
const NOT_APPLIED_SLOTS: ReadonlySet<number> = new Set(
  [...NOT_APPLIED].map((k) => TOP_SLOT.get(k)!),
);

/** The encoding of each top-level field of a flow state, and of each key of `SPLIT` fields. */
export interface MapSpans {
  readonly top: Map<string, Uint8Array>;
  readonly sub: Map<string, Map<string, Uint8Array>>;
}

/** What a flow was when the hook got it. */
export type FlowSpans = FieldBytes | MapSpans;

/** Reads any flow state dict as a state object, keeping the encoding of its fields. */
export function readFlowWithSpans(r: WireReader): { state: WireValue; spans: MapSpans } {
  const spans: MapSpans = { top: new Map(), sub: new Map() };
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

/** The `SPLIT` fields: key -> slot of each of their keys, and their first slot. */
const SPLIT_SLOTS: readonly (readonly [string, ReadonlyMap<string, number>, number])[] = [
  ["request", REQUEST_SLOT, REQUEST_BASE],
  ["response", RESPONSE_SLOT, RESPONSE_BASE],
];

/** Slots as `MapSpans`, for a flow read as HTTP that cannot be written directly any more. */
function toMapSpans(slots: FieldBytes): MapSpans {
  const spans: MapSpans = { top: new Map(), sub: new Map() };
  for (const [key, slot] of TOP_SLOT) {
    const view = slots.view(slot);
    if (view !== undefined) spans.top.set(key, view);
  }
  for (const [key, slotOf, base] of SPLIT_SLOTS) {
    if (!slots.has(base)) continue;
    const sub = new Map<string, Uint8Array>();
    for (const [k, slot] of slotOf) sub.set(k, slots.view(slot)!);
    spans.sub.set(key, sub);
  }
  return spans;
}

function sameBytes(a: Uint8Array | undefined, w: WireWriter, start: number): boolean {
  const b = w.buffer;
  if (a === undefined || a.length !== w.length - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[start + i]) return false;
  return true;
}

/** Writes `key: v` unless its bytes equal `was`; true if written. */
function valueField(w: WireWriter, key: string, v: unknown, was: Uint8Array | undefined) {
  const at = w.length;
  w.key(key);
  const start = w.length;
  w.value(v);
  if (!sameBytes(was, w, start)) return true;
  w.truncate(at);
  return false;
}

/** The general comparison: any state, against `MapSpans`. */
function writeStateDiff(w: WireWriter, state: StateDict, spans: MapSpans): number {
  const dictAt = w.length;
  w.dict(0);
  let n = 0;
  for (const key of Object.keys(state)) {
    if (NOT_APPLIED.has(key)) continue;
    const value = state[key];
    const given = spans.sub.get(key);
    if (SPLIT.has(key) && isStateDict(value) && given !== undefined) {
      const keys = Object.keys(value);
      if (keys.length === given.size && keys.every((k) => given.has(k))) {
        const at = w.length;
        w.key(key);
        const subAt = w.length;
        w.dict(0);
        let m = 0;
        for (const k of keys) if (valueField(w, k, value[k], given.get(k))) m++;
        if (m === 0) w.truncate(at);
        else n++, w.setCount(subAt, m);
        continue;
      }
    }
    if (valueField(w, key, value, spans.top.get(key))) n++;
  }
  w.setCount(dictAt, n);
  return n;
}

export interface Delta {
  /** The changed fields as one encoded dict (a copy), or null if nothing changed. */
  readonly bytes: Uint8Array | null;
  /** Compared slot by slot; false: as a state. */
  readonly direct: boolean;
}

/** What `scratch` holds, copied; null if nothing changed. */
function copied(scratch: WireWriter, n: number): Uint8Array | null {
  return n === 0 ? null : scratch.view().slice();
}

/**
 * The fields of `flow` whose encoding differs from `spans` (the flow as the hook got it).
 * `scratch` is emptied and reused. Throws if the flow cannot be serialised at all.
 */
export function flowDelta(
  flow: Flow,
  spans: FlowSpans,
  scratch: WireWriter,
): Delta {
  if (spans instanceof FieldBytes && writesDirectly(flow)) {
    try {
      scratch.truncate(0);
      const n = writeFlowDiff(scratch, flow, spans, NOT_APPLIED_SLOTS);
      return { bytes: copied(scratch, n), direct: true };
    } catch {
      // A field of the wrong type: getState() says what is wrong (or copes).
    }
  }
  const map = spans instanceof FieldBytes ? toMapSpans(spans) : spans;
  scratch.truncate(0);
  const n = writeStateDiff(scratch, flow.getState(), map);
  return { bytes: copied(scratch, n), direct: false };
}

/** Writes a delta (an empty dict when nothing changed). */
export function writeDelta(w: WireWriter, delta: Delta): void {
  if (delta.bytes === null) w.dict(0);
  else w.raw(delta.bytes);
}
