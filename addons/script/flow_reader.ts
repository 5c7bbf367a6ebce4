/**
 * Reads a flow state into a flow object in the worker, keeping the encoding of each field
 * (`FieldBytes` slots for HTTP flows, `MapSpans` for others; `flow_delta.ts` compares
 * them after the hook).
 *
 * Rules, written once:
 * - An HTTP flow without a backup is built straight from the bytes: header fields, the
 *   request line and the reason become strings without a byte array in between, and the
 *   objects are the ones `HttpFlow.fromState` would build from the state
 *   (`tests/addons/script/flow_writer_test.ts` compares them).
 * - Any other flow (another type, a backup, an unexpected key) is read as a state object
 *   and built by `flowFromState`, which also reports what is wrong with it.
 * - The proxy wrote these bytes; a malformed flow is a bug there, reported as an error.
 */
import { Client, Server } from "../../core/flow/connection.ts";
import { type Flow, FlowError, type ReplayKind } from "../../core/flow/flow.ts";
import { flowFromState } from "../../core/flow/flow_state.ts";
import { Headers } from "../../core/flow/headers.ts";
import { HttpFlow, Request, Response } from "../../core/flow/http.ts";
import { asDict, FLOW_FORMAT_VERSION, type StateValue } from "../../core/flow/state.ts";
import { WebSocketData } from "../../core/flow/websocket.ts";
import { type FlowSpans, readFlowWithSpans } from "./flow_delta.ts";
import { FieldBytes, REQUEST_SLOT, RESPONSE_SLOT, TOP_SLOT } from "./flow_slots.ts";
import { WireError } from "./wire.ts";
import type { WireReader } from "./wire_reader.ts";

function readHeaders(r: WireReader): Headers {
  const n = r.list();
  const fields: [string, string][] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (r.list() !== 2) throw new WireError(`header field ${i}: expected [name, value]`);
    fields[i] = [r.latin1(), r.latin1()];
  }
  const h = new Headers();
  h.fields = fields;
  return h;
}

/** The MessageData keys and the request's or response's own, as `fromState` reads them. */
interface MessageFields {
  http_version?: string;
  headers?: Headers;
  content?: Uint8Array | null;
  trailers?: Headers | null;
  timestamp_start?: number;
  timestamp_end?: number | null;
  host?: string;
  port?: number;
  method?: string;
  scheme?: string;
  authority?: string;
  path?: string;
  status_code?: number;
  reason?: string;
}

function readMessage(
  r: WireReader,
  slots: FieldBytes,
  slotOf: ReadonlyMap<string, number>,
  what: string,
): MessageFields {
  const m: MessageFields = {};
  const n = r.dict();
  for (let i = 0; i < n; i++) {
    const key = r.key();
    const start = r.pos;
    const slot = slotOf.get(key);
    if (slot === undefined) throw new WireError(`${what}.${key}: not a field of the ${what}`);
    switch (key) {
      case "headers":
        m.headers = readHeaders(r);
        break;
      case "trailers":
        m.trailers = r.nullNext() ? null : readHeaders(r);
        break;
      case "content":
        m.content = r.nullNext() ? null : r.bytes();
        break;
      case "timestamp_start":
      case "port":
      case "status_code":
        m[key] = r.num();
        break;
      case "timestamp_end":
        m.timestamp_end = r.numOrNull();
        break;
      case "host":
        m.host = r.str();
        break;
      case "http_version":
      case "method":
      case "scheme":
      case "authority":
      case "path":
      case "reason":
        m[key] = r.latin1();
        break;
    }
    slots.set(slot, r.buffer, start, r.pos);
  }
  return m;
}

function need<T>(v: T | undefined, where: string): T {
  if (v === undefined) throw new WireError(`${where} is missing`);
  return v;
}

function message(m: MessageFields, what: string) {
  return {
    http_version: need(m.http_version, `${what}.http_version`),
    headers: need(m.headers, `${what}.headers`),
    content: need(m.content, `${what}.content`),
    trailers: need(m.trailers, `${what}.trailers`),
    timestamp_start: need(m.timestamp_start, `${what}.timestamp_start`),
    timestamp_end: need(m.timestamp_end, `${what}.timestamp_end`),
  };
}

function readRequest(r: WireReader, slots: FieldBytes): Request {
  const m = readMessage(r, slots, REQUEST_SLOT, "request");
  return new Request({
    ...message(m, "request"),
    host: need(m.host, "request.host"),
    port: need(m.port, "request.port"),
    method: need(m.method, "request.method"),
    scheme: need(m.scheme, "request.scheme"),
    authority: need(m.authority, "request.authority"),
    path: need(m.path, "request.path"),
  });
}

function readResponse(r: WireReader, slots: FieldBytes): Response {
  const m = readMessage(r, slots, RESPONSE_SLOT, "response");
  return new Response({
    ...message(m, "response"),
    status_code: need(m.status_code, "response.status_code"),
    reason: need(m.reason, "response.reason"),
  });
}

/** Signals that the fast path does not apply; the flow is read the general way. */
const GENERAL = Symbol("general");

/** The value of a top-level field other than `request` and `response`. */
function readTop(r: WireReader, key: string): unknown {
  switch (key) {
    case "version":
      return r.num() === FLOW_FORMAT_VERSION ? FLOW_FORMAT_VERSION : GENERAL;
    case "type":
      return r.str() === "http" ? "http" : GENERAL;
    case "backup":
      return r.nullNext() ? null : GENERAL;
    case "id":
    case "marked":
    case "comment":
      return r.str();
    case "client_conn":
      return Client.fromState(r.value(1));
    case "server_conn":
      return Server.fromState(r.value(1));
    case "timestamp_created":
      return r.num();
    case "error":
      return r.nullNext() ? null : FlowError.fromState(r.value(1));
    case "intercepted":
      return r.bool();
    case "is_replay": {
      const replay = r.strOrNull();
      if (replay !== null && replay !== "request" && replay !== "response") return GENERAL;
      return replay as ReplayKind | null;
    }
    case "metadata":
      return asDict(r.value(1) as StateValue, "metadata");
    case "websocket":
      return r.nullNext() ? null : WebSocketData.fromState(r.value(1));
    default:
      return GENERAL;
  }
}

/** Fields `readTop` reads that are not set on a flow afterwards. */
const CHECKED_ONLY: ReadonlySet<string> = new Set(["version", "type", "backup"]);

function readHttpFlow(r: WireReader, slots: FieldBytes): HttpFlow | typeof GENERAL {
  let request: Request | undefined;
  const top: Record<string, unknown> = {};
  const n = r.dict();
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const key = r.key();
    const start = r.pos;
    const slot = TOP_SLOT.get(key);
    if (slot === undefined) return GENERAL;
    seen |= 1 << slot;
    if (key === "request") request = readRequest(r, slots);
    else if (key === "response" && !r.nullNext()) top.response = readResponse(r, slots);
    else {
      const value = key === "response" ? null : readTop(r, key);
      if (value === GENERAL) return GENERAL;
      top[key] = value;
      slots.set(slot, r.buffer, start, r.pos);
    }
  }
  if (seen !== ALL_KEYS || n !== HTTP_KEY_COUNT) return GENERAL;
  const flow = new HttpFlow(
    top.client_conn as Client,
    top.server_conn as Server,
    top.timestamp_created as number,
    request!,
  );
  for (const key of Object.keys(top)) {
    if (!CHECKED_ONLY.has(key)) (flow as unknown as Record<string, unknown>)[key] = top[key];
  }
  return flow;
}

/** Keys of an HTTP flow state; with all present, every field above was read. */
const HTTP_KEY_COUNT = TOP_SLOT.size;
const ALL_KEYS = (1 << HTTP_KEY_COUNT) - 1;

/** Reads the flow at the reader's position. */
export function readFlow(r: WireReader): { flow: Flow; spans: FlowSpans } {
  const start = r.pos;
  const slots = new FieldBytes();
  const flow = readHttpFlow(r, slots);
  if (flow !== GENERAL) return { flow, spans: slots };
  r.seek(start);
  const read = readFlowWithSpans(r);
  return { flow: flowFromState(read.state as StateValue), spans: read.spans };
}
