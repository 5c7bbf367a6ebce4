/**
 * Writes the fields of an HTTP flow whose encoding differs from known slots (`FieldBytes`),
 * as one state dict: the worker answers a hook this way (`flow_delta.ts`).
 *
 * Rules, written once:
 * - The wire encoding is canonical, so a field is written to the output, compared with its
 *   slot, and taken back if the bytes are equal: nothing is built to be compared.
 * - `request` and `response` are dicts of their differing keys, left out when none
 *   differs. A message whose keys are not known (a response that was null) comes whole.
 * - With no slot known at all, the output is the whole state (`writeFlowState`'s bytes).
 */
import type { HttpFlow, Message } from "../../core/flow/http.ts";
import {
  type FieldBytes,
  REQUEST_BASE,
  REQUEST_TOP,
  RESPONSE_BASE,
  RESPONSE_TOP,
} from "./flow_slots.ts";
import { type Field, HTTP_FLOW_FIELDS, REQUEST_FIELDS, RESPONSE_FIELDS } from "./flow_writer.ts";
import type { WireWriter } from "./wire_writer.ts";

/** Writes `key: value` unless the value's bytes equal the slot's; true if written. */
function field<T>(
  w: WireWriter,
  known: FieldBytes,
  slot: number,
  key: string,
  write: Field<T>[1],
  o: T,
): boolean {
  const at = w.length;
  w.key(key);
  const start = w.length;
  write(w, o);
  const end = w.length;
  if (known.equals(slot, w.buffer, start, end)) {
    w.truncate(at);
    return false;
  }
  return true;
}

function message<M extends Message>(
  w: WireWriter,
  known: FieldBytes,
  key: string,
  fields: readonly Field<M>[],
  base: number,
  m: M,
): boolean {
  const at = w.length;
  w.key(key);
  const dictAt = w.length;
  w.dict(fields.length);
  let n = 0;
  for (let i = 0; i < fields.length; i++) {
    if (field(w, known, base + i, fields[i][0], fields[i][1], m)) n++;
  }
  if (n === 0) {
    w.truncate(at);
    return false;
  }
  w.setCount(dictAt, n);
  return true;
}

/**
 * Writes the differing fields of `flow` as a dict; returns how many. Top-level slots in
 * `skip` are neither compared nor written. Throws (`TypeError`) on a field of a type its
 * writer refuses; the output is then in an undefined state past its starting length.
 */
export function writeFlowDiff(
  w: WireWriter,
  flow: HttpFlow,
  known: FieldBytes,
  skip: ReadonlySet<number> | null,
): number {
  const dictAt = w.length;
  w.dict(HTTP_FLOW_FIELDS.length);
  let n = 0;
  for (let i = 0; i < HTTP_FLOW_FIELDS.length; i++) {
    if (skip?.has(i)) continue;
    const [key, write] = HTTP_FLOW_FIELDS[i];
    let wrote: boolean;
    if (i === REQUEST_TOP) {
      wrote = message(w, known, key, REQUEST_FIELDS, REQUEST_BASE, flow.request);
    } else if (i === RESPONSE_TOP && flow.response !== null) {
      wrote = message(w, known, key, RESPONSE_FIELDS, RESPONSE_BASE, flow.response);
    } else wrote = field(w, known, i, key, write, flow);
    if (wrote) n++;
  }
  w.setCount(dictAt, n);
  return n;
}
