/**
 * Migrations for flow files written before mitmproxy 3.0, when the format version was the
 * mitmproxy version tuple: (0, 11) -> (0, 12) -> ... -> (0, 19) -> (1, 0) -> (2, 0) ->
 * (3, 0) -> 4. Each step mirrors one `convert_*` function of mitmproxy's `io/compat.py`.
 *
 * Files of this age were written by Python 2, whose dict keys were byte strings; the
 * tnetstring reader already turns those keys into strings, so `convert_unicode` here only
 * has to fix the few values mitmproxy converts (`type`, `id`, `error.msg`,
 * `request.first_line_format`).
 */
import { latin1Decode, latin1Encode } from "../../codecs/bytes.ts";
import type { StateDict, StateValue } from "../flow/state.ts";
import {
  alwaysStr,
  MigrationError,
  pop,
  popOr,
  rename,
  sub,
  subOrNull,
  truthy,
} from "./compat_util.ts";

export type LegacyStep = (data: StateDict) => StateDict;

function convertUnicode(data: StateDict): void {
  for (const key of ["type", "id"]) if (key in data) data[key] = alwaysStr(data[key])!;
  const request = data.request;
  if (truthy(request) && typeof request === "object" && !Array.isArray(request)) {
    const r = request as StateDict;
    if ("first_line_format" in r) r.first_line_format = alwaysStr(r.first_line_format)!;
  }
  const error = data.error;
  if (truthy(error) && typeof error === "object" && !Array.isArray(error)) {
    const e = error as StateDict;
    if ("msg" in e) e.msg = alwaysStr(e.msg)!;
  }
}

/** `b"HTTP/" + ".".join(str(x) for x in httpversion)`. */
function httpVersion(v: StateValue, step: string): Uint8Array {
  if (!Array.isArray(v)) throw new MigrationError(`${step}: httpversion is not a list`);
  return latin1Encode(
    "HTTP/" + v.map((x) => (x instanceof Uint8Array ? latin1Decode(x) : String(x))).join("."),
  );
}

/** The `{"address": (host, port), "use_ipv6": bool}` objects of 1.x become the tuple. */
function unwrapAddress(conn: StateDict, key: string, step: string): void {
  conn[key] = sub(conn, key, step).address ?? null;
}

export const LEGACY_STEPS: ReadonlyMap<string, LegacyStep> = new Map<string, LegacyStep>([
  ["0.11", (data) => {
    data.version = [0, 12];
    return data;
  }],
  ["0.12", (data) => {
    data.version = [0, 13];
    return data;
  }],
  ["0.13", (data) => {
    const step = "0.13 -> 0.14";
    const request = sub(data, "request", step);
    rename(request, "form_in", "first_line_format", step);
    request.http_version = httpVersion(pop(request, "httpversion", step), step);
    const response = subOrNull(data, "response", step);
    if (response) {
      response.http_version = httpVersion(pop(response, "httpversion", step), step);
      rename(response, "code", "status_code", step);
      rename(response, "content", "body", step);
    }
    const server = sub(data, "server_conn", step);
    pop(server, "state", step);
    server.via = null;
    data.version = [0, 14];
    return data;
  }],
  ["0.14", (data) => {
    data.version = [0, 15];
    return data;
  }],
  ["0.15", (data) => {
    const step = "0.15 -> 0.16";
    for (const m of ["request", "response"]) {
      const msg = subOrNull(data, m, step);
      if (msg && "body" in msg) rename(msg, "body", "content", step);
    }
    const response = subOrNull(data, "response", step);
    if (response && "msg" in response) rename(response, "msg", "reason", step);
    popOr(sub(data, "request", step), "form_out", null);
    data.version = [0, 16];
    return data;
  }],
  ["0.16", (data) => {
    sub(data, "server_conn", "0.16 -> 0.17").peer_address = null;
    data.version = [0, 17];
    return data;
  }],
  ["0.17", (data) => {
    convertUnicode(data);
    const server = sub(data, "server_conn", "0.17 -> 0.18");
    server.ip_address = popOr(server, "peer_address", null);
    data.marked = false;
    data.version = [0, 18];
    return data;
  }],
  ["0.18", (data) => {
    const step = "0.18 -> 0.19";
    convertUnicode(data);
    const request = sub(data, "request", step);
    popOr(request, "stickyauth", null);
    popOr(request, "stickycookie", null);
    const client = sub(data, "client_conn", step);
    client.sni = null;
    client.alpn_proto_negotiated = null;
    client.cipher_name = null;
    client.tls_version = null;
    const server = sub(data, "server_conn", step);
    server.alpn_proto_negotiated = null;
    if (truthy(server.via)) sub(server, "via", step).alpn_proto_negotiated = null;
    data.mode = "regular";
    data.metadata = {};
    data.version = [0, 19];
    return data;
  }],
  ["0.19", (data) => {
    convertUnicode(data);
    data.version = [1, 0, 0];
    return data;
  }],
  ["1.0", (data) => {
    const step = "1.0 -> 2.0";
    data.version = [2, 0, 0];
    unwrapAddress(sub(data, "client_conn", step), "address", step);
    const server = sub(data, "server_conn", step);
    unwrapAddress(server, "address", step);
    unwrapAddress(server, "source_address", step);
    if (truthy(server.ip_address)) unwrapAddress(server, "ip_address", step);
    if (truthy(server.via)) {
      const via = sub(server, "via", step);
      unwrapAddress(via, "address", step);
      unwrapAddress(via, "source_address", step);
      if (truthy(via.ip_address)) unwrapAddress(via, "ip_address", step);
    }
    return data;
  }],
  ["2.0", (data) => {
    const step = "2.0 -> 3.0";
    data.version = [3, 0, 0];
    sub(data, "client_conn", step).mitmcert = null;
    const server = sub(data, "server_conn", step);
    server.tls_version = null;
    if (truthy(server.via)) sub(server, "via", step).tls_version = null;
    return data;
  }],
  ["3.0", (data) => {
    // An empty step into the integer versioning scheme.
    data.version = 4;
    return data;
  }],
]);
