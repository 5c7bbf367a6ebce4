/**
 * Writes a flow's state object straight from the live flow, without building it.
 *
 * `flow.getState()` turns every header name and value, the request line and the reason into
 * a fresh byte array (a call into the runtime each) only for the encoder to copy them again;
 * for HTTP flows this file writes the same state, field by field, from the objects.
 *
 * Rules, written once:
 * - The bytes are those of `w.value(flow.getState())`: same keys, same order, same
 *   encoding (`tests/addons/script/flow_writer_test.ts` holds the two side by side). The
 *   layouts are tables (`HTTP_FLOW_FIELDS`, `REQUEST_FIELDS`, ...), so the worker can also
 *   write one field at a time to find what a hook changed (`flow_delta.ts`).
 * - Two things differ, because the flow keeps them private: the request method is written
 *   as `request.method` reads (upper case; the raw spelling stays on the live flow, and the
 *   proxy sends `request.method` upstream anyway), and a backup is written only when the
 *   flow differs from it (`flow.modified()`: then the whole state goes through
 *   `getState()`), since an unmodified backup looks the same to every flow method.
 * - Other flow types (TCP, ...) are written from `getState()`, and so is a flow whose
 *   fields do not have the types they should (a script set `flow.marked = 42`): the field
 *   writers throw, the partial output is dropped, and `getState()` decides.
 */
import type { Client, Connection, Server } from "../../core/flow/connection.ts";
import type { Flow } from "../../core/flow/flow.ts";
import type { Headers } from "../../core/flow/headers.ts";
import { HttpFlow, type Message, type Request, type Response } from "../../core/flow/http.ts";
import { cloneState, FLOW_FORMAT_VERSION } from "../../core/flow/state.ts";
import type { WireWriter } from "./wire_writer.ts";

/** One key of a state dict and how to write its value from the live object. */
export type Field<T> = readonly [key: string, write: (w: WireWriter, o: T) => void];

function writeHeaders(w: WireWriter, h: Headers): void {
  const fields = h.fields;
  w.list(fields.length);
  for (const [name, value] of fields) {
    w.list(2);
    w.latin1(name);
    w.latin1(value);
  }
}

function writeLatin1List(w: WireWriter, list: readonly string[]): void {
  w.list(list.length);
  for (const s of list) w.latin1(s);
}

function writeAddress(w: WireWriter, a: readonly [string, number] | null): void {
  if (a === null) return w.null();
  w.list(2);
  w.str(a[0]);
  w.num(a[1]);
}

const MESSAGE_FIELDS: readonly Field<Message>[] = [
  ["http_version", (w, m) => w.latin1(m.http_version)],
  ["headers", (w, m) => writeHeaders(w, m.headers)],
  ["content", (w, m) => (m.raw_content === null ? w.null() : w.bytes(m.raw_content))],
  ["trailers", (w, m) => (m.trailers === null ? w.null() : writeHeaders(w, m.trailers))],
  ["timestamp_start", (w, m) => w.num(m.timestamp_start)],
  ["timestamp_end", (w, m) => w.numOrNull(m.timestamp_end)],
];

export const REQUEST_FIELDS: readonly Field<Request>[] = [
  ...MESSAGE_FIELDS,
  ["host", (w, r) => w.str(r.host)],
  ["port", (w, r) => w.num(r.port)],
  ["method", (w, r) => w.latin1(r.method)],
  ["scheme", (w, r) => w.latin1(r.scheme)],
  ["authority", (w, r) => w.latin1(r.authority)],
  ["path", (w, r) => w.latin1(r.path)],
];

export const RESPONSE_FIELDS: readonly Field<Response>[] = [
  ...MESSAGE_FIELDS,
  ["status_code", (w, r) => w.num(r.status_code)],
  ["reason", (w, r) => w.latin1(r.reason)],
];

const CONNECTION_FIELDS: readonly Field<Connection>[] = [
  ["peername", (w, c) => writeAddress(w, c.peername)],
  ["sockname", (w, c) => writeAddress(w, c.sockname)],
  ["id", (w, c) => w.str(c.id)],
  ["transport_protocol", (w, c) => w.str(c.transport_protocol)],
  ["error", (w, c) => w.strOrNull(c.error)],
  ["tls", (w, c) => w.bool(c.tls)],
  ["certificate_list", (w, c) => writeLatin1List(w, c.certificate_list)],
  ["alpn", (w, c) => w.latin1OrNull(c.alpn)],
  ["alpn_offers", (w, c) => writeLatin1List(w, c.alpn_offers)],
  ["cipher", (w, c) => w.strOrNull(c.cipher)],
  ["cipher_list", (w, c) => w.value(c.cipher_list)],
  ["tls_version", (w, c) => w.strOrNull(c.tls_version)],
  ["sni", (w, c) => w.strOrNull(c.sni)],
  ["timestamp_start", (w, c) => w.numOrNull(c.timestamp_start)],
  ["timestamp_end", (w, c) => w.numOrNull(c.timestamp_end)],
  ["timestamp_tls_setup", (w, c) => w.numOrNull(c.timestamp_tls_setup)],
];

const CLIENT_FIELDS: readonly Field<Client>[] = [
  ...CONNECTION_FIELDS,
  ["mitmcert", (w, c) => w.latin1OrNull(c.mitmcert)],
  ["proxy_mode", (w, c) => w.str(c.proxy_mode)],
];

const SERVER_FIELDS: readonly Field<Server>[] = [
  ...CONNECTION_FIELDS,
  ["address", (w, s) => writeAddress(w, s.address)],
  ["timestamp_tcp_setup", (w, s) => w.numOrNull(s.timestamp_tcp_setup)],
  [
    "via",
    (w, s) => {
      if (s.via === null) return w.null();
      w.list(2);
      w.str(s.via[0]);
      writeAddress(w, s.via[1]);
    },
  ],
];

/** A dict written from a field table. */
function writeFields<T>(w: WireWriter, fields: readonly Field<T>[], o: T): void {
  w.dict(fields.length);
  for (const [key, write] of fields) {
    w.key(key);
    write(w, o);
  }
}

/** The keys of an HTTP flow's state, in `getState()` order. */
export const HTTP_FLOW_FIELDS: readonly Field<HttpFlow>[] = [
  ["version", (w) => w.num(FLOW_FORMAT_VERSION)],
  ["type", (w, f) => w.str(f.type)],
  ["id", (w, f) => w.str(f.id)],
  ["error", (w, f) => (f.error === null ? w.null() : w.value(f.error.getState()))],
  ["client_conn", (w, f) => writeFields(w, CLIENT_FIELDS, f.client_conn)],
  ["server_conn", (w, f) => writeFields(w, SERVER_FIELDS, f.server_conn)],
  ["intercepted", (w, f) => w.bool(f.intercepted)],
  ["is_replay", (w, f) => w.strOrNull(f.is_replay)],
  ["marked", (w, f) => w.str(f.marked)],
  ["metadata", (w, f) => w.value(cloneState(f.metadata))],
  ["comment", (w, f) => w.str(f.comment)],
  ["timestamp_created", (w, f) => w.num(f.timestamp_created)],
  ["backup", (w) => w.null()],
  ["request", (w, f) => writeFields(w, REQUEST_FIELDS, f.request)],
  [
    "response",
    (w, f) => (f.response === null ? w.null() : writeFields(w, RESPONSE_FIELDS, f.response)),
  ],
  ["websocket", (w, f) => (f.websocket === null ? w.null() : w.value(f.websocket.getState()))],
];

/** True if the flow can be written from `HTTP_FLOW_FIELDS` (see the rules above). */
export function writesDirectly(flow: Flow): flow is HttpFlow {
  return flow instanceof HttpFlow && !flow.modified();
}

/** Writes `flow.getState()` (see the rules above). */
export function writeFlowState(w: WireWriter, flow: Flow): void {
  if (writesDirectly(flow)) {
    const start = w.length;
    try {
      return writeFields(w, HTTP_FLOW_FIELDS, flow);
    } catch {
      w.truncate(start);
    }
  }
  w.value(flow.getState());
}
