/** The serialised form of flows: mitmproxy's `get_state()` dicts as JS values.
 *
 * Python `bytes` are `Uint8Array`, `str` are `string`, int/float are `number`, None is `null`,
 * tuples are arrays. Key order of the objects is the order mitmproxy writes them in. */

export type StateValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | StateValue[]
  | { [key: string]: StateValue };

export type StateDict = { [key: string]: StateValue };

/** mitmproxy's `FLOW_FORMAT_VERSION` at the release we mirror. */
export const FLOW_FORMAT_VERSION = 21;

/** A state dict that does not have the shape a `fromState` expects. */
export class StateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateError";
  }
}

function kind(v: StateValue | undefined): string {
  if (v === undefined) return "missing";
  if (v === null) return "null";
  if (v instanceof Uint8Array) return "bytes";
  if (Array.isArray(v)) return "list";
  return typeof v === "object" ? "dict" : typeof v;
}

function fail(where: string, want: string, v: StateValue | undefined): never {
  throw new StateError(`${where}: expected ${want}, got ${kind(v)}`);
}

export function isStateDict(v: StateValue | undefined): v is StateDict {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

export function asDict(v: StateValue | undefined, where: string): StateDict {
  return isStateDict(v) ? v : fail(where, "dict", v);
}

export function asList(v: StateValue | undefined, where: string): StateValue[] {
  return Array.isArray(v) ? v : fail(where, "list", v);
}

export function asStr(v: StateValue | undefined, where: string): string {
  return typeof v === "string" ? v : fail(where, "str", v);
}

export function asBytes(v: StateValue | undefined, where: string): Uint8Array {
  return v instanceof Uint8Array ? v : fail(where, "bytes", v);
}

export function asNum(v: StateValue | undefined, where: string): number {
  return typeof v === "number" ? v : fail(where, "number", v);
}

export function asBool(v: StateValue | undefined, where: string): boolean {
  return typeof v === "boolean" ? v : fail(where, "bool", v);
}

/** `null` stays `null`; anything else goes through `conv`. A missing key counts as null. */
export function orNull<T>(
  v: StateValue | undefined,
  where: string,
  conv: (v: StateValue, where: string) => T,
): T | null {
  return v === null || v === undefined ? null : conv(v, where);
}

/** A `[host, port]` address tuple. */
export function asAddress(v: StateValue | undefined, where: string): [string, number] {
  const l = asList(v, where);
  if (l.length !== 2) fail(where, "[host, port]", v);
  return [asStr(l[0], `${where}[0]`), asNum(l[1], `${where}[1]`)];
}

/** Deep copy of a state value (byte arrays are copied too). */
export function cloneState<T extends StateValue>(v: T): T {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Uint8Array) return v.slice() as T;
  if (Array.isArray(v)) return v.map((x) => cloneState(x)) as T;
  const out: StateDict = {};
  for (const k of Object.keys(v)) out[k] = cloneState(v[k]);
  return out as T;
}

/** Structural equality of state values, key order ignored (like Python dict equality). */
export function stateEquals(a: StateValue, b: StateValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") {
    return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
  }
  if (a instanceof Uint8Array || b instanceof Uint8Array) {
    if (!(a instanceof Uint8Array && b instanceof Uint8Array) || a.length !== b.length) {
      return false;
    }
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!stateEquals(a[i], b[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!(k in b) || !stateEquals(a[k], b[k])) return false;
  }
  return true;
}
