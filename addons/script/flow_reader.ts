/**
 * Reads a flow state into a flow object in the worker, keeping the encoding of each field
 * (`FlowSpans`, for `flow_delta.ts`).
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

function readMessage(r: WireReader, spans: Map<string, Uint8Array>, what: string) {
  const m: MessageFields = {};
  const n = r.dict();
  for (let i = 0; i < n; i++) {
    const key = r.key();
    const start = r.pos;
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
      default:
        throw new WireError(`${what}.${key}: not a field of the ${what}`);
    }
    spans.set(key, r.since(start));
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

function readRequest(r: WireReader, spans: Map<string, Uint8Array>): Request {
  const m = readMessage(r, spans, "request");
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

function readResponse(r: WireReader, spans: Map<string, Uint8Array>): Response {
  const m = readMessage(r, spans, "response");
  return new Response({
    ...message(m, "response"),
    status_code: need(m.status_code, "response.status_code"),
    reason: need(m.reason, "response.reason"),
  });
}

/** Signals that the fast path does not apply; the flow is read the general way. */
const GENERAL = Symbol("general");

function readHttpFlow(r: WireReader, spans: FlowSpans): HttpFlow | typeof GENERAL {
  let id: string | undefined, client: Client | undefined, server: Server | undefined;
  let created: number | undefined, request: Request | undefined;
  const rest: Partial<HttpFlow> = {};
  const n = r.dict();
  for (let i = 0; i < n; i++) {
    const key = r.key();
    const start = r.pos;
    switch (key) {
      case "version":
        if (r.num() !== FLOW_FORMAT_VERSION) return GENERAL;
        break;
      case "type":
        if (r.str() !== "http") return GENERAL;
        break;
      case "backup":
        if (!r.nullNext()) return GENERAL;
        break;
      case "id":
        id = r.str();
        break;
      case "client_conn":
        client = Client.fromState(r.value(1));
        break;
      case "server_conn":
        server = Server.fromState(r.value(1));
        break;
      case "timestamp_created":
        created = r.num();
        break;
      case "error":
        rest.error = r.nullNext() ? null : FlowError.fromState(r.value(1));
        break;
      case "intercepted":
        rest.intercepted = r.bool();
        break;
      case "is_replay": {
        const replay = r.strOrNull();
        if (replay !== null && replay !== "request" && replay !== "response") return GENERAL;
        rest.is_replay = replay as ReplayKind | null;
        break;
      }
      case "marked":
        rest.marked = r.str();
        break;
      case "comment":
        rest.comment = r.str();
        break;
      case "metadata":
        rest.metadata = asDict(r.value(1) as StateValue, "metadata");
        break;
      case "request": {
        const sub = new Map<string, Uint8Array>();
        request = readRequest(r, sub);
        spans.sub.set(key, sub);
        break;
      }
      case "response": {
        if (r.nullNext()) rest.response = null;
        else {
          const sub = new Map<string, Uint8Array>();
          rest.response = readResponse(r, sub);
          spans.sub.set(key, sub);
        }
        break;
      }
      case "websocket":
        rest.websocket = r.nullNext() ? null : WebSocketData.fromState(r.value(1));
        break;
      default:
        return GENERAL;
    }
    spans.top.set(key, r.since(start));
  }
  if (spans.top.size !== HTTP_KEY_COUNT || spans.top.size !== n) return GENERAL;
  const flow = new HttpFlow(client!, server!, created!, request!);
  flow.id = id!;
  return Object.assign(flow, rest);
}

/** Keys of an HTTP flow state; with all present, every variable above was set. */
const HTTP_KEY_COUNT = 16;

/** Reads the flow at the reader's position. */
export function readFlow(r: WireReader): { flow: Flow; spans: FlowSpans } {
  const start = r.pos;
  const spans: FlowSpans = { top: new Map(), sub: new Map() };
  const flow = readHttpFlow(r, spans);
  if (flow !== GENERAL) return { flow, spans };
  r.seek(start);
  const read = readFlowWithSpans(r);
  return { flow: flowFromState(read.state as StateValue), spans: read.spans };
}
