/**
 * Reads flows written by older mitmproxy versions (mitmproxy's `io/compat.py`): each step
 * turns the state of format version N into N+1 until it is `FLOW_FORMAT_VERSION` (21).
 *
 * Rules, written once:
 * - Versions: before mitmproxy 3.0 the version was the mitmproxy version tuple, of which
 *   the first two parts count ((0, 11) ... (3, 0)); since then it is an int (4 ... 21).
 *   The oldest readable version is (0, 11), as in mitmproxy. Older files fail with "too
 *   old", newer ints with "please update".
 * - Steps mirror mitmproxy's `convert_*` one to one (see `compat_legacy.ts` for the tuple
 *   versions). Steps 4 -> 5 (connection ids) and 11 -> 12 (WebSocket flows merged into
 *   their handshake flow) remember things across the flows of one file, so a file is read
 *   with one `FlowMigrator`; mitmproxy keeps the same in module globals.
 * - Afterwards `normalizeLegacyTypes` does what mitmproxy's constructors do silently for
 *   old data (bytes hosts, str methods, text WebSocket messages, 4-tuple IPv6 addresses),
 *   so the result fits `flowFromState`.
 * - A step consumes (mutates) the state it is given.
 */
import {
  FLOW_FORMAT_VERSION,
  isStateDict,
  type StateDict,
  type StateValue,
} from "../flow/state.ts";
import { LEGACY_STEPS } from "./compat_legacy.ts";
import { normalizeLegacyTypes } from "./compat_types.ts";
import {
  asciiBackslash,
  describe,
  MigrationError,
  pop,
  popOr,
  rename,
  sub,
  subOrNull,
  truthy,
  utf8Backslash,
} from "./compat_util.ts";

export { MigrationError };

/** Per-file memory of the steps that look across flows. */
interface MigrationContext {
  clientIds: Map<string, string>;
  serverIds: Map<string, string>;
  wsHandshakes: Map<string, StateDict>;
}

type Step = (data: StateDict, ctx: MigrationContext) => StateDict;

type Version = number | readonly [number, number];

function readVersion(data: StateDict): Version {
  const v = data.version;
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (Array.isArray(v) && v.length >= 2 && typeof v[0] === "number" && typeof v[1] === "number") {
    return [v[0], v[1]];
  }
  throw new MigrationError(`the flow has no valid format version (version: ${describe(v)})`);
}

function versionKey(v: Version): string {
  return typeof v === "number" ? String(v) : `${v[0]}.${v[1]}`;
}

function connKey(timestamp: StateValue | undefined, address: StateValue | undefined): string {
  const parts = [timestamp ?? null, ...(Array.isArray(address) ? address : [address ?? null])];
  return JSON.stringify(parts.map((p) => (p instanceof Uint8Array ? `b:${asciiBackslash(p)}` : p)));
}

function idFor(map: Map<string, string>, key: string): string {
  let id = map.get(key);
  if (id === undefined) map.set(key, id = crypto.randomUUID());
  return id;
}

const TLS_RENAMES = [
  ["ssl_established", "tls_established"],
  ["timestamp_ssl_setup", "timestamp_tls_setup"],
] as const;

function step9to10(data: StateDict): StateDict {
  const step = "9 -> 10";
  data.version = 10;
  const conv = (conn: StateDict) => {
    conn.state = 0;
    conn.error = null;
    conn.tls = conn.tls_established ?? null;
    const alpn = conn.alpn_proto_negotiated;
    conn.alpn_offers = truthy(alpn) ? [alpn!] : null;
    const cipher = conn.cipher_name;
    conn.cipher_list = truthy(cipher) ? [cipher!] : null;
  };
  const convServer = (conn: StateDict) => {
    const cert = popOr(conn, "cert", null);
    conn.certificate_list = truthy(cert) ? [cert] : [];
    conn.cipher_name = null;
    conn.via2 = null;
    conv(conn);
  };
  const client = sub(data, "client_conn", step);
  client.sockname = ["", 0];
  const cc = popOr(client, "clientcert", null);
  client.certificate_list = truthy(cc) ? [cc] : [];
  conv(client);
  const server = sub(data, "server_conn", step);
  convServer(server);
  if (truthy(server.via)) convServer(sub(server, "via", step));
  return data;
}

function step10to11(data: StateDict): StateDict {
  const step = "10 -> 11";
  data.version = 11;
  const conv = (conn: StateDict) => {
    conn.sni = asciiBackslash(conn.sni) ?? null;
    rename(conn, "alpn_proto_negotiated", "alpn", step);
    if (!truthy(conn.alpn_offers)) conn.alpn_offers = [];
    if (!truthy(conn.cipher_list)) conn.cipher_list = [];
  };
  conv(sub(data, "client_conn", step));
  const server = sub(data, "server_conn", step);
  conv(server);
  if (truthy(server.via)) conv(sub(server, "via", step));
  return data;
}

function step11to12(data: StateDict, ctx: MigrationContext): StateDict {
  const step = "11 -> 12";
  data.version = 12;
  const metadata = sub(data, "metadata", step);
  if ("websocket" in metadata) ctx.wsHandshakes.set(String(data.id), structuredClone(data));
  if (!("websocket_handshake" in metadata)) {
    data.websocket = null;
    return data;
  }
  const ws = data;
  const handshakeId = String(metadata.websocket_handshake);
  let merged = ctx.wsHandshakes.get(handshakeId);
  ctx.wsHandshakes.delete(handshakeId);
  if (merged === undefined) {
    // The handshake flow is missing: mitmproxy makes up a dummy one.
    merged = {
      client_conn: ws.client_conn,
      error: ws.error,
      id: ws.id,
      intercepted: ws.intercepted,
      is_replay: ws.is_replay,
      marked: ws.marked,
      metadata: {},
      mode: "transparent",
      request: {
        authority: new Uint8Array(0),
        content: null,
        headers: [],
        host: new TextEncoder().encode("unknown"),
        http_version: new TextEncoder().encode("HTTP/1.1"),
        method: new TextEncoder().encode("GET"),
        path: new TextEncoder().encode("/"),
        port: 80,
        scheme: new TextEncoder().encode("http"),
        timestamp_end: 0,
        timestamp_start: 0,
        trailers: null,
      },
      response: null,
      server_conn: ws.server_conn,
      type: "http",
      version: 12,
    };
  }
  sub(merged, "metadata", step).duplicated =
    "This WebSocket flow has been migrated from an old file format version " +
    "and may appear duplicated.";
  const server = isStateDict(merged.server_conn) ? merged.server_conn : {};
  merged.websocket = {
    messages: ws.messages ?? [],
    closed_by_client: ws.close_sender === "client",
    close_code: ws.close_code ?? null,
    close_reason: ws.close_reason ?? null,
    timestamp_end: server.timestamp_end ?? null,
  };
  return merged;
}

const STEPS: ReadonlyMap<string, Step> = new Map<string, Step>([
  ...[...LEGACY_STEPS].map(([k, f]): [string, Step] => [k, (d) => f(d)]),
  ["4", (data, ctx) => {
    const step = "4 -> 5";
    data.version = 5;
    const client = sub(data, "client_conn", step);
    const server = sub(data, "server_conn", step);
    client.id = idFor(ctx.clientIds, connKey(client.timestamp_start, client.address));
    server.id = idFor(ctx.serverIds, connKey(server.timestamp_start, server.source_address));
    if (truthy(server.via)) {
      const via = sub(server, "via", step);
      via.id = idFor(ctx.serverIds, connKey(via.timestamp_start, via.source_address));
    }
    return data;
  }],
  ["5", (data) => {
    const step = "5 -> 6";
    data.version = 6;
    const server = sub(data, "server_conn", step);
    const conns = [sub(data, "client_conn", step), server];
    if (truthy(server.via)) conns.push(sub(server, "via", step));
    for (const conn of conns) for (const [from, to] of TLS_RENAMES) rename(conn, from, to, step);
    return data;
  }],
  ["6", (data) => {
    data.version = 7;
    sub(data, "client_conn", "6 -> 7").tls_extensions = null;
    return data;
  }],
  ["7", (data) => {
    data.version = 8;
    const request = subOrNull(data, "request", "7 -> 8");
    if (request) request.trailers = null;
    const response = subOrNull(data, "response", "7 -> 8");
    if (response) response.trailers = null;
    return data;
  }],
  ["8", (data) => {
    const step = "8 -> 9";
    data.version = 9;
    let requestReplay: StateValue = false;
    if ("request" in data) {
      const request = sub(data, "request", step);
      pop(request, "first_line_format", step);
      request.authority = new Uint8Array(0);
      requestReplay = popOr(request, "is_replay", false);
    }
    let responseReplay: StateValue = false;
    const response = subOrNull(data, "response", step);
    if (response) responseReplay = popOr(response, "is_replay", false);
    data.is_replay = truthy(requestReplay) ? "request" : truthy(responseReplay) ? "response" : null;
    return data;
  }],
  ["9", step9to10],
  ["10", step10to11],
  ["11", step11to12],
  ["12", (data) => {
    data.version = 13;
    data.marked = truthy(data.marked) ? ":default:" : "";
    return data;
  }],
  ["13", (data) => {
    data.version = 14;
    data.comment = "";
    // mitmproxy issue 4576: responses without timestamps.
    const response = subOrNull(data, "response", "13 -> 14");
    if (response && response.timestamp_start === null) {
      const end = sub(data, "request", "13 -> 14").timestamp_end;
      response.timestamp_start = end ?? null;
      response.timestamp_end = typeof end === "number" ? end + 1 : null;
    }
    return data;
  }],
  ["14", (data) => {
    data.version = 15;
    const ws = subOrNull(data, "websocket", "14 -> 15");
    if (ws && Array.isArray(ws.messages)) {
      ws.messages = ws.messages.map((m) => (Array.isArray(m) ? [...m, false] : m));
    }
    return data;
  }],
  ["15", (data) => {
    const step = "15 -> 16";
    data.version = 16;
    const source = "request" in data ? sub(data, "request", step) : sub(data, "client_conn", step);
    data.timestamp_created = source.timestamp_start ?? null;
    return data;
  }],
  ["16", (data) => {
    data.version = 17;
    popOr(data, "mode", null);
    return data;
  }],
  ["17", (data) => {
    data.version = 18;
    sub(data, "client_conn", "17 -> 18").proxy_mode = "regular";
    return data;
  }],
  ["18", (data) => {
    const step = "18 -> 19";
    data.version = 19;
    const client = sub(data, "client_conn", step);
    const server = sub(data, "server_conn", step);
    client.peername = popOr(client, "address", null);
    if (client.timestamp_start === undefined || client.timestamp_start === null) {
      client.timestamp_start = 0.0;
    }
    pop(client, "tls_extensions", step);
    server.peername = popOr(server, "ip_address", null);
    server.sockname = popOr(server, "source_address", null);
    server.via = popOr(server, "via2", null);
    for (const conn of [client, server]) {
      pop(conn, "tls_established", step);
      conn.cipher = popOr(conn, "cipher_name", null);
      if (!("transport_protocol" in conn)) conn.transport_protocol = "tcp";
      for (const name of ["peername", "sockname", "address"]) {
        const addr = conn[name];
        if (truthy(addr) && Array.isArray(addr) && addr[0] instanceof Uint8Array) {
          addr[0] = utf8Backslash(addr[0]);
        }
      }
    }
    if (server.sni === true) {
      const address = server.address;
      server.sni = Array.isArray(address) ? address[0] ?? null : null;
    }
    return data;
  }],
  ["19", (data) => {
    data.version = 20;
    popOr(sub(data, "client_conn", "19 -> 20"), "state", null);
    popOr(sub(data, "server_conn", "19 -> 20"), "state", null);
    return data;
  }],
  ["20", (data) => {
    data.version = 21;
    for (const key of ["client_conn", "server_conn"]) {
      const conn = sub(data, key, "20 -> 21");
      if (conn.tls_version === "QUIC") conn.tls_version = "QUICv1";
    }
    return data;
  }],
]);

/** Migrates the flows of one file to `FLOW_FORMAT_VERSION`. */
export class FlowMigrator {
  readonly #ctx: MigrationContext = {
    clientIds: new Map(),
    serverIds: new Map(),
    wsHandshakes: new Map(),
  };

  /** The state at version 21 (consumes `state`). Throws `MigrationError`. */
  migrate(state: StateDict): StateDict {
    let data = state;
    for (;;) {
      const version = readVersion(data);
      if (version === FLOW_FORMAT_VERSION) break;
      const step = STEPS.get(versionKey(version));
      if (step === undefined) throw new MigrationError(unsupported(version));
      data = step(data, this.#ctx);
    }
    return normalizeLegacyTypes(data);
  }
}

function unsupported(v: Version): string {
  if (typeof v === "number") {
    if (v > FLOW_FORMAT_VERSION) {
      return `flow file version ${v} is newer than this mitmdeno supports; please update`;
    }
    return `unknown flow file version ${v}`;
  }
  if (v[0] === 0 && v[1] < 11) return `flow file version ${v[0]}.${v[1]} is too old to read`;
  return `unknown flow file version ${v[0]}.${v[1]}`;
}

/** Migrates one flow state on its own (no cross-flow WebSocket merging). */
export function migrateFlow(state: StateDict): StateDict {
  return new FlowMigrator().migrate(state);
}
