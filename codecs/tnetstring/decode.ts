/**
 * tnetstring parser for one complete value in memory. Iterative (an explicit stack instead
 * of recursion), so deeply nested input cannot overflow the call stack; every byte is looked
 * at once. Problems come back as `TnetstringError` values carrying absolute byte offsets.
 *
 * Grammar: `<len>:<payload><tag>`, `len` 1-12 ASCII digits. Leniencies shared with
 * mitmproxy's reader: leading zeros in lengths, `+`/`-` signs on ints, Python float syntax
 * (`1e-05`, `inf`, `nan`), `,` byte keys in dicts (read as UTF-8 strings).
 */
import { latin1Decode } from "../bytes.ts";
import { parsePythonFloat } from "./float_repr.ts";
import { setKey, TnetstringError, type TnetValue } from "./value.ts";

export const MAX_LENGTH_DIGITS = 12;

const COLON = 0x3a;
const UTF8_STRICT = new TextDecoder("utf-8", { fatal: true });
const INT_RE = /^[+-]?\d+$/;

export type ParseResult = { value: TnetValue; end: number } | { error: TnetstringError };

interface Frame {
  readonly start: number;
  /** Position of the container's tag byte: its payload ends here. */
  readonly end: number;
  readonly list: TnetValue[] | null;
  readonly dict: { [key: string]: TnetValue } | null;
  key: string | null;
}

function isDigit(b: number): boolean {
  return b >= 0x30 && b <= 0x39;
}

/** A byte as shown in messages: printable ASCII quoted, else hex. */
export function showByte(b: number): string {
  return b >= 0x20 && b < 0x7f ? JSON.stringify(String.fromCharCode(b)) : `0x${b.toString(16)}`;
}

function ascii(buf: Uint8Array, start: number, end: number): string {
  return latin1Decode(buf.subarray(start, end));
}

type Scalar = { value: TnetValue } | { problem: string };

function scalar(tag: number, buf: Uint8Array, start: number, end: number): Scalar {
  switch (tag) {
    case 0x2c: // ,
      return { value: buf.slice(start, end) };
    case 0x3b: // ;
      try {
        return { value: UTF8_STRICT.decode(buf.subarray(start, end)) };
      } catch {
        return { problem: "string is not valid UTF-8" };
      }
    case 0x23: { // #
      const text = ascii(buf, start, end);
      return INT_RE.test(text)
        ? { value: Number(text) }
        : { problem: `invalid integer literal ${JSON.stringify(text)}` };
    }
    case 0x5e: { // ^
      const text = ascii(buf, start, end);
      const value = parsePythonFloat(text);
      return value === null ? { problem: `invalid float literal ${JSON.stringify(text)}` } : {
        value,
      };
    }
    case 0x21: { // !
      const text = ascii(buf, start, end);
      if (text === "true") return { value: true };
      if (text === "false") return { value: false };
      return { problem: `invalid boolean literal ${JSON.stringify(text)}` };
    }
    case 0x7e: // ~
      return end === start ? { value: null } : { problem: "null must have an empty payload" };
    default:
      return { problem: `unknown type tag ${showByte(tag)}` };
  }
}

/**
 * Parses the value starting at `pos`, which must end (tag included) by `limit`. `base` is
 * the absolute offset of `buf[0]`, used in errors.
 */
export function parseValue(buf: Uint8Array, pos: number, limit: number, base = 0): ParseResult {
  const stack: Frame[] = [];
  const fail = (problem: string, at: number): ParseResult => ({
    error: new TnetstringError(problem, base + at),
  });

  for (;;) {
    const bound = stack.length > 0 ? stack[stack.length - 1].end : limit;
    let start = pos;
    let length = 0;
    let digits = 0;
    while (pos < bound && isDigit(buf[pos])) {
      if (++digits > MAX_LENGTH_DIGITS) {
        return fail(`length prefix longer than ${MAX_LENGTH_DIGITS} digits`, start);
      }
      length = length * 10 + (buf[pos] - 0x30);
      pos++;
    }
    if (digits === 0 || pos >= bound || buf[pos] !== COLON) {
      const want = digits === 0 ? "a length digit" : "':' after length";
      const got = pos < bound ? showByte(buf[pos]) : "the end of the enclosing value";
      return fail(`expected ${want}, got ${got}`, pos);
    }
    const payload = pos + 1;
    const tagAt = payload + length;
    if (tagAt >= bound) {
      const left = bound - payload;
      return fail(
        `length ${length} runs past the end of the enclosing value (${left} left)`,
        start,
      );
    }
    const tag = buf[tagAt];
    let value: TnetValue;
    if (tag === 0x5d || tag === 0x7d) { // ] }
      const isList = tag === 0x5d;
      const frame: Frame = {
        start,
        end: tagAt,
        list: isList ? [] : null,
        dict: isList ? null : {},
        key: null,
      };
      if (payload < tagAt) {
        stack.push(frame);
        pos = payload;
        continue;
      }
      value = frame.list ?? frame.dict;
    } else {
      const s = scalar(tag, buf, payload, tagAt);
      if ("problem" in s) return fail(s.problem, tag === 0x3b ? payload : tagAt);
      value = s.value;
    }
    pos = tagAt + 1;
    // Hand the value to its container; close every container that is now complete.
    for (;;) {
      const top = stack.at(-1);
      if (top === undefined) return { value, end: pos };
      if (top.list !== null) {
        top.list.push(value);
      } else if (top.key === null) {
        if (typeof value === "string") top.key = value;
        else if (value instanceof Uint8Array) {
          try {
            top.key = UTF8_STRICT.decode(value);
          } catch {
            return fail("dict key is not valid UTF-8", start);
          }
        } else return fail("dict key must be a string", start);
      } else {
        setKey(top.dict!, top.key, value);
        top.key = null;
      }
      if (pos < top.end) break;
      if (top.key !== null) return fail("dict key without a value", top.end);
      stack.pop();
      value = top.list ?? top.dict;
      start = top.start;
      pos = top.end + 1;
    }
  }
}

/** Decodes exactly one value filling `bytes`. */
export function decode(bytes: Uint8Array): { value: TnetValue } | { error: TnetstringError } {
  if (bytes.length === 0) return { error: new TnetstringError("empty input", 0, true) };
  const r = parseValue(bytes, 0, bytes.length);
  if ("error" in r) return r;
  if (r.end !== bytes.length) {
    return { error: new TnetstringError(`${bytes.length - r.end} bytes after the value`, r.end) };
  }
  return { value: r.value };
}
