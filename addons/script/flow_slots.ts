/**
 * The fields of an HTTP flow state as numbered slots, and the encoding of each slot as the
 * hook got it (`FieldBytes`, kept by `flow_reader.ts`, compared by `flow_delta.ts`).
 *
 * Slots, written once:
 * - `0 .. TOP_COUNT-1`: the top-level fields, in `HTTP_FLOW_FIELDS` order. `request` and
 *   `response` use their top slot only while they are not a dict (a null response).
 * - `REQUEST_BASE + i`: key `i` of `REQUEST_FIELDS`; `RESPONSE_BASE + i`: of
 *   `RESPONSE_FIELDS`. They are known only while that message is a dict.
 *
 * A slot's encoding is a range of the frame: recording it costs a store, not a view (a
 * typed array costs tens of nanoseconds, one with its own buffer about half a microsecond).
 */
import { HTTP_FLOW_FIELDS, REQUEST_FIELDS, RESPONSE_FIELDS } from "./flow_writer.ts";

const TOP_COUNT = HTTP_FLOW_FIELDS.length;
export const REQUEST_BASE = TOP_COUNT;
export const RESPONSE_BASE = REQUEST_BASE + REQUEST_FIELDS.length;
const SLOT_COUNT = RESPONSE_BASE + RESPONSE_FIELDS.length;

function indexOf(fields: readonly (readonly [string, unknown])[], base: number) {
  return new Map(fields.map(([key], i) => [key, base + i]));
}

/** Top-level key -> slot. */
export const TOP_SLOT: ReadonlyMap<string, number> = indexOf(HTTP_FLOW_FIELDS, 0);
/** Request key -> slot. */
export const REQUEST_SLOT: ReadonlyMap<string, number> = indexOf(REQUEST_FIELDS, REQUEST_BASE);
/** Response key -> slot. */
export const RESPONSE_SLOT: ReadonlyMap<string, number> = indexOf(
  RESPONSE_FIELDS,
  RESPONSE_BASE,
);
export const REQUEST_TOP = TOP_SLOT.get("request")!;
export const RESPONSE_TOP = TOP_SLOT.get("response")!;

/** The encoding of each slot, or nothing for slots not known. */
export class FieldBytes {
  readonly #buf: (Uint8Array | undefined)[] = new Array(SLOT_COUNT).fill(undefined);
  // Plain arrays: a typed array costs an ArrayBuffer, dearer than the rest of this object.
  readonly #start: number[] = new Array(SLOT_COUNT).fill(0);
  readonly #end: number[] = new Array(SLOT_COUNT).fill(0);

  has(slot: number): boolean {
    return this.#buf[slot] !== undefined;
  }

  /** Records that `slot` is encoded as `buf[start..end)`; `buf` must not change. */
  set(slot: number, buf: Uint8Array, start: number, end: number): void {
    this.#buf[slot] = buf;
    this.#start[slot] = start;
    this.#end[slot] = end;
  }

  /** True if `slot` is known and encoded as `b[from..to)`. */
  equals(slot: number, b: Uint8Array, from: number, to: number): boolean {
    const buf = this.#buf[slot];
    if (buf === undefined) return false;
    let i = this.#start[slot];
    if (this.#end[slot] - i !== to - from) return false;
    for (let j = from; j < to; j++, i++) if (buf[i] !== b[j]) return false;
    return true;
  }

  /** The encoding of a known slot (a view), for the rare paths that want one. */
  view(slot: number): Uint8Array | undefined {
    return this.#buf[slot]?.subarray(this.#start[slot], this.#end[slot]);
  }
}
