/**
 * Applies the changed keys of a request or response state (part of a sandboxed hook's
 * reply) to the live message the proxy's layers hold.
 *
 * Rules, written once:
 * - A delta holds some or all keys of the message's state (`{headers: [...]}` when a hook
 *   only set a header). Each key is converted and checked by its entry in `REQUEST_KEYS` or
 *   `RESPONSE_KEYS`: integers in range, no CR/LF/NUL in the request line, the reason or a
 *   header field, header names without spaces or colons. An unknown key is an error.
 *   Header fields come as bytes, or as the latin1 strings `reply_reader.ts` makes of them.
 * - Validate first, then change: `messageDelta` throws `StateError` before returning the
 *   function that changes the live message, so a bad delta changes nothing.
 * - The `host` and `port` setters rewrite the Host header and the authority; whatever the
 *   delta says for those (or what they were) is put back afterwards.
 */
import { Headers } from "../../core/flow/headers.ts";
import type { Message, Request, Response } from "../../core/flow/http.ts";
import {
  asBytes,
  asDict,
  asList,
  asNum,
  asStr,
  orNull,
  type StateDict,
  StateError,
  type StateValue,
} from "../../core/flow/state.ts";
import { latin1Range } from "./wire_reader.ts";

const BAD_CHARS = /[\r\n\0]/;
const BAD_NAME = /[\s:]/;

export function checkText(value: string, where: string): string {
  if (BAD_CHARS.test(value)) throw new StateError(`${where}: contains CR, LF or NUL`);
  return value;
}

export function checkInt(value: number, lo: number, hi: number, where: string): number {
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new StateError(`${where}: expected an integer from ${lo} to ${hi}, got ${value}`);
  }
  return value;
}

/** Bytes as a latin1 string. */
function latin1(v: StateValue | undefined, where: string): string {
  const b = asBytes(v, where);
  return latin1Range(b, 0, b.length);
}

const latin1Text = (v: StateValue | undefined, where: string) => checkText(latin1(v, where), where);

const NOT_LATIN1 = /[^\0-\xff]/;

/** A header name or value: bytes, or a string that `reply_reader.ts` decoded already. */
function headerText(v: StateValue | undefined, where: string): string {
  if (typeof v !== "string") return latin1(v, where);
  if (NOT_LATIN1.test(v)) throw new StateError(`${where}: not a latin1 string`);
  return v;
}

/** A header list state (`[[name, value], ...]` as bytes or latin1 strings), checked. */
function headerFields(v: StateValue | undefined, where: string): [string, string][] {
  const list = asList(v, where);
  const out: [string, string][] = new Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const pair = asList(list[i], `${where}[${i}]`);
    if (pair.length !== 2) throw new StateError(`${where}[${i}]: expected [name, value]`);
    const name = headerText(pair[0], `${where}[${i}][0]`);
    if (name === "" || BAD_NAME.test(name)) {
      throw new StateError(`${where}[${i}]: invalid header name ${JSON.stringify(name)}`);
    }
    const value = headerText(pair[1], `${where}[${i}][1]`);
    out[i] = [name, checkText(value, `${where}[${i}] (${name})`)];
  }
  return out;
}

type Setter<M> = (m: M) => void;
type KeyRule<M> = (v: StateValue, where: string) => Setter<M>;

const MESSAGE_KEYS: Record<string, KeyRule<Message>> = {
  http_version: (v, w) => {
    const s = latin1Text(v, w);
    return (m) => (m.http_version = s);
  },
  headers: (v, w) => {
    const fields = headerFields(v, w);
    return (m) => (m.headers.fields = fields);
  },
  content: (v, w) => {
    const c = orNull(v, w, asBytes);
    return (m) => (m.raw_content = c);
  },
  trailers: (v, w) => {
    const t = v === null ? null : new Headers(headerFields(v, w));
    return (m) => (m.trailers = t);
  },
  timestamp_start: (v, w) => {
    const t = asNum(v, w);
    return (m) => (m.timestamp_start = t);
  },
  timestamp_end: (v, w) => {
    const t = orNull(v, w, asNum);
    return (m) => (m.timestamp_end = t);
  },
};

export const REQUEST_KEYS: Record<string, KeyRule<Request>> = {
  ...MESSAGE_KEYS,
  host: (v, w) => {
    const s = checkText(asStr(v, w), w);
    return (r) => (r.host = s);
  },
  port: (v, w) => {
    const p = checkInt(asNum(v, w), 0, 65535, w);
    return (r) => (r.port = p);
  },
  method: (v, w) => {
    const s = latin1Text(v, w);
    return (r) => (r.method = s);
  },
  scheme: (v, w) => {
    const s = latin1Text(v, w);
    return (r) => (r.scheme = s);
  },
  authority: (v, w) => {
    const s = latin1Text(v, w);
    return (r) => (r.authority = s);
  },
  path: (v, w) => {
    const s = latin1Text(v, w);
    return (r) => (r.path = s);
  },
};

export const RESPONSE_KEYS: Record<string, KeyRule<Response>> = {
  ...MESSAGE_KEYS,
  status_code: (v, w) => {
    const c = checkInt(asNum(v, w), 100, 999, w);
    return (r) => (r.status_code = c);
  },
  reason: (v, w) => {
    const s = latin1Text(v, w);
    return (r) => (r.reason = s);
  },
};

/** Checks a message delta; returns what applies it. Throws `StateError` on a bad key. */
export function messageDelta<M extends Message>(
  delta: StateValue,
  rules: Record<string, KeyRule<M>>,
  where: string,
): Setter<M> {
  const d: StateDict = asDict(delta, where);
  const moves: Setter<M>[] = [];
  const rest: Setter<M>[] = [];
  for (const key of Object.keys(d)) {
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (rule === undefined) throw new StateError(`${where}.${key}: not a field of the ${where}`);
    const setter = rule(d[key], `${where}.${key}`);
    if (key === "host" || key === "port") moves.push(setter);
    else rest.push(setter);
  }
  return (m) => {
    if (moves.length > 0) {
      // Only requests have host and port; their setters rewrite Host and the authority.
      const r = m as unknown as Request;
      const fields = r.headers.fields.slice();
      const authority = r.authority;
      for (const set of moves) set(m);
      r.headers.fields = fields;
      r.authority = authority;
    }
    for (const set of rest) set(m);
  };
}
