/** Small helpers for the flow-format migrations: Python-like dict access on state dicts. */
import { latin1Decode, utf8Decode } from "../../codecs/bytes.ts";
import { isStateDict, type StateDict, type StateValue } from "../flow/state.ts";

/** A flow whose state cannot be migrated (or whose version we do not know). */
export class MigrationError extends Error {
  override name = "MigrationError";
}

/** Python truthiness: null, false, 0, "", empty bytes/list/dict are false. */
export function truthy(v: StateValue | undefined): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === "") return false;
  if (v instanceof Uint8Array || Array.isArray(v)) return v.length > 0;
  if (typeof v === "object") return Object.keys(v).length > 0;
  return true;
}

/** `d[key]` as a dict; a missing or non-dict value is a MigrationError naming the step. */
export function sub(d: StateDict, key: string, step: string): StateDict {
  const v = d[key];
  if (!isStateDict(v)) {
    throw new MigrationError(`${step}: expected "${key}" to be a dict, got ${describe(v)}`);
  }
  return v;
}

/** `d[key]` as a dict, or null when it is missing or None. */
export function subOrNull(d: StateDict, key: string, step: string): StateDict | null {
  const v = d[key];
  return v === undefined || v === null ? null : sub(d, key, step);
}

/** Python's `d.pop(key)` (the key must exist). */
export function pop(d: StateDict, key: string, step: string): StateValue {
  if (!(key in d)) throw new MigrationError(`${step}: missing key "${key}"`);
  const v = d[key];
  delete d[key];
  return v;
}

/** Python's `d.pop(key, fallback)`. */
export function popOr(d: StateDict, key: string, fallback: StateValue): StateValue {
  if (!(key in d)) return fallback;
  const v = d[key];
  delete d[key];
  return v;
}

/** Renames a key (Python `d[to] = d.pop(from)`); the key must exist. */
export function rename(d: StateDict, from: string, to: string, step: string): void {
  d[to] = pop(d, from, step);
}

/** mitmproxy's `strutils.always_str`: bytes are decoded (UTF-8), anything else is kept. */
export function alwaysStr(v: StateValue | undefined): StateValue | undefined {
  return v instanceof Uint8Array ? utf8Decode(v) : v;
}

/** `always_str(v, "ascii", "backslashreplace")`. */
export function asciiBackslash(v: StateValue | undefined): StateValue | undefined {
  if (!(v instanceof Uint8Array)) return v;
  let out = "";
  for (const b of v) {
    out += b < 0x80 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return out;
}

/** `bytes.decode(errors="backslashreplace")` for UTF-8 text. */
export function utf8Backslash(v: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(v);
  } catch {
    return asciiBackslash(v) as string;
  }
}

export function describe(v: StateValue | undefined): string {
  if (v === undefined) return "nothing";
  if (v === null) return "None";
  if (v instanceof Uint8Array) return `bytes ${JSON.stringify(latin1Decode(v.subarray(0, 40)))}`;
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a dict";
  return JSON.stringify(v);
}
