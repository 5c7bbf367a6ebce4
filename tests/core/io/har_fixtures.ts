/** The shared HAR fixtures (read in place, never copied) and a flow summary in the shape of
 * their expected `*.json` files (mitmweb's flow JSON). */
import { createHash } from "node:crypto";
import { latin1Encode } from "../../../codecs/bytes.ts";
import { utf8DecodeSurrogateEscape } from "../../../core/flow/charset.ts";
import type { HttpFlow } from "../../../core/flow/http.ts";

export const HAR_FILES = new URL(
  "../../../../shared/fixtures/mitmproxy/har_files/",
  import.meta.url,
);

/** Every `*.har` with an expected `*.json` beside it. */
export const HAR_FIXTURES = [
  "charles",
  "chrome",
  "firefox",
  "head-content-length",
  "insomnia",
  "postdata",
  "safari",
  "with-bom",
] as const;

export function harFile(name: string): URL {
  return new URL(name, HAR_FILES);
}

const text = (s: string) => utf8DecodeSurrogateEscape(latin1Encode(s));

function sha256(data: Uint8Array | null): string {
  return createHash("sha256").update(data ?? new Uint8Array(0)).digest("hex");
}

/** Headers as mitmweb writes them. */
export function headerPairs(fields: readonly [string, string][]): [string, string][] {
  return fields.map(([k, v]) => [text(k), text(v)]);
}

/** The fields of mitmweb's flow JSON that a HAR import determines. */
export function flowSummary(f: HttpFlow) {
  const q = f.request;
  const s = f.response;
  return {
    client_conn: {
      peername: f.client_conn.peername,
      sockname: f.client_conn.sockname,
      timestamp_start: f.client_conn.timestamp_start,
      timestamp_end: f.client_conn.timestamp_end,
    },
    server_conn: { address: f.server_conn.address },
    request: {
      method: q.method,
      scheme: q.scheme,
      host: q.host,
      port: q.port,
      path: text(q.path),
      http_version: q.http_version,
      headers: headerPairs(q.headers.fields),
      contentLength: q.raw_content?.length ?? null,
      contentHash: sha256(q.raw_content),
      timestamp_start: q.timestamp_start,
      timestamp_end: q.timestamp_end,
      pretty_host: q.pretty_host,
    },
    response: s === null ? null : {
      http_version: s.http_version,
      status_code: s.status_code,
      reason: s.reason,
      headers: headerPairs(s.headers.fields),
      contentLength: s.raw_content?.length ?? null,
      contentHash: sha256(s.raw_content),
      timestamp_start: s.timestamp_start,
      timestamp_end: s.timestamp_end,
    },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** `expected` cut down to the keys `like` has, recursively through plain objects (a key
 * `expected` lacks comes out as undefined, so the comparison fails on it). */
export function pickLike(expected: unknown, like: unknown): unknown {
  if (!isPlainObject(like) || !isPlainObject(expected)) return expected;
  return Object.fromEntries(Object.keys(like).map((k) => [k, pickLike(expected[k], like[k])]));
}
