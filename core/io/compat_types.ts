/**
 * The silent type fixes mitmproxy's constructors apply to old state (`Request.__init__`
 * decodes a bytes `host` with IDNA and encodes str methods/paths; WebSocket messages of
 * old files carry text as str; IPv6 addresses are 4-tuples), applied to the migrated state
 * so it fits `flowFromState`, which checks types strictly.
 */
import { domainToUnicode } from "node:url";
import { latin1Decode, latin1Encode, utf8Encode } from "../../codecs/bytes.ts";
import { isStateDict, type StateDict } from "../flow/state.ts";

const REQUEST_BYTES = ["method", "scheme", "authority", "path", "http_version"];
const RESPONSE_BYTES = ["http_version", "reason"];

function toBytes(d: StateDict, keys: readonly string[]): void {
  for (const k of keys) {
    const v = d[k];
    if (typeof v === "string") d[k] = latin1Encode(v);
  }
}

/** Python's `bytes.decode("idna")`, leniently: punycode labels become Unicode. */
function idnaDecode(host: Uint8Array): string {
  const text = latin1Decode(host);
  if (!/(^|\.)xn--/i.test(text)) return text;
  return domainToUnicode(text) || text;
}

/** `(host, port, flowinfo, scope_id)` -> `(host, port)`. */
function shortAddress(d: StateDict, key: string): void {
  const v = d[key];
  if (Array.isArray(v) && v.length > 2) d[key] = v.slice(0, 2);
}

export function normalizeLegacyTypes(data: StateDict): StateDict {
  for (const key of ["client_conn", "server_conn"]) {
    const conn = data[key];
    if (!isStateDict(conn)) continue;
    for (const name of ["peername", "sockname", "address"]) shortAddress(conn, name);
  }
  const request = data.request;
  if (isStateDict(request)) {
    if (request.host instanceof Uint8Array) request.host = idnaDecode(request.host);
    toBytes(request, REQUEST_BYTES);
  }
  const response = data.response;
  if (isStateDict(response)) toBytes(response, RESPONSE_BYTES);
  const ws = data.websocket;
  if (isStateDict(ws) && Array.isArray(ws.messages)) {
    for (const m of ws.messages) {
      if (Array.isArray(m) && typeof m[2] === "string") m[2] = utf8Encode(m[2]);
    }
  }
  return data;
}
