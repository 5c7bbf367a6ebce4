/** Helpers shared by the HTTP/1 codec tests. */

import fc from "fast-check";
import { concatBytes, latin1Decode, latin1Encode } from "../../../codecs/bytes.ts";
import { createBodyReader } from "../../../codecs/http1/body_reader.ts";
import { requestBodyFraming } from "../../../codecs/http1/body_framing.ts";
import { HeadReader } from "../../../codecs/http1/head_reader.ts";
import { parseRequestHead } from "../../../codecs/http1/parse_head.ts";
import {
  type BodyReader,
  DEFAULT_LIMITS,
  type HeaderFields,
  type Http1Limits,
  type ParseError,
  type RequestHead,
} from "../../../codecs/http1/types.ts";

export const enc = latin1Encode;
export const dec = latin1Decode;
export const concat = concatBytes;

/** Splits `bytes` at the given (unsorted, possibly duplicate) cut points. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(c, 0), bytes.length)))]
    .sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

/** Splits into one-byte chunks. */
export function bytewise(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(bytes.slice(i, i + 1));
  return out;
}

export function assertParseError(value: unknown, status?: number): asserts value is ParseError {
  if (typeof value !== "object" || value === null || !("error" in value)) {
    throw new Error(`expected a ParseError, got ${JSON.stringify(value)}`);
  }
  const e = value as ParseError;
  if (typeof e.error !== "string" || e.error === "") throw new Error("empty error message");
  if (status !== undefined && e.status !== status) {
    throw new Error(`expected status ${status}, got ${e.status}: ${e.error}`);
  }
}

export function assertOk<T>(value: T | ParseError | null): asserts value is T {
  if (value === null) throw new Error("expected a value, got null");
  if (typeof value === "object" && "error" in (value as object)) {
    throw new Error(`unexpected ParseError: ${(value as ParseError).error}`);
  }
}

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

export const tokenArb: fc.Arbitrary<string> = fc.string({
  unit: fc.constantFrom(...TCHARS),
  minLength: 1,
  maxLength: 12,
});

/** A field value as the parser returns it: no leading/trailing OWS, no CTLs. */
export const valueArb: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0x21, max: 0x7e }) },
      { weight: 2, arbitrary: fc.constantFrom(0x20, 0x09) },
      { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
    ),
    { maxLength: 30 },
  )
  .map((codes) => String.fromCharCode(...codes).replace(/^[ \t]+|[ \t]+$/g, ""));

export const headersArb: fc.Arbitrary<HeaderFields> = fc.array(
  fc.tuple(tokenArb, valueArb).map(([n, v]): [string, string] => [n, v]),
  { maxLength: 8 },
);

const PATH_CHARS = "abcxyz0123456789-._~!$&'()*+,;=:@/%?";
export const pathArb: fc.Arbitrary<string> = fc
  .string({ unit: fc.constantFrom(...PATH_CHARS), maxLength: 30 })
  .map((s) => "/" + s);

export const hostArb: fc.Arbitrary<string> = fc.oneof(
  fc.domain(),
  fc.ipV4(),
  fc.constantFrom("::1", "2001:db8::7", "fe80::1"),
);

/** Formats a host for an authority: IPv6 literals get brackets. */
export function bracket(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

/** Serializes header fields with random padding and line endings. */
export function headerText(headers: HeaderFields, eol: string, pad: string): string {
  return headers.map(([n, v]) => `${n}:${pad}${v}${pad}${eol}`).join("");
}

export interface DrivenRequest {
  head: RequestHead;
  body: string;
  trailers?: HeaderFields;
}

/**
 * A minimal server-side driver, as a proxy layer would use the codec: head reader, parser,
 * framing and body reader, with pipelining. Stops at the first error. Throws if the codec
 * makes no progress (a hang).
 */
export function driveRequests(
  chunks: Uint8Array[],
  limits: Http1Limits = DEFAULT_LIMITS,
): { requests: DrivenRequest[]; error?: ParseError } {
  const requests: DrivenRequest[] = [];
  const heads = new HeadReader(limits);
  let current: { head: RequestHead; reader: BodyReader; body: Uint8Array[] } | null = null;
  const finish = (trailers?: HeaderFields) => {
    if (!current) throw new Error("no current request");
    const done: DrivenRequest = { head: current.head, body: dec(concatBytes(current.body)) };
    if (trailers) done.trailers = trailers;
    requests.push(done);
    current = null;
  };
  let steps = 0;
  for (const chunk of chunks) {
    let data = chunk;
    for (;;) {
      if (++steps > 10 * (chunks.length + 10) + 20 * chunk.length) throw new Error("no progress");
      if (current === null) {
        if (data.length === 0) break;
        const r = heads.feed(data);
        if (r === null) break;
        if ("error" in r) return { requests, error: r };
        const head = parseRequestHead(r.head, limits);
        if ("error" in head) return { requests, error: head };
        const framing = requestBodyFraming(head);
        if ("error" in framing) return { requests, error: framing };
        current = { head, reader: createBodyReader(framing, limits), body: [] };
        data = r.rest;
        if (current.reader.done) finish();
        continue;
      }
      const r = current.reader.feed(data);
      if ("error" in r) return { requests, error: r };
      current.body.push(...r.data);
      if (!r.done) break;
      finish(r.trailers);
      data = r.rest;
    }
  }
  if (current !== null) {
    const e = (current as { reader: BodyReader }).reader.eof();
    if ("error" in e) return { requests, error: e };
    finish(e.trailers);
  }
  return { requests };
}
