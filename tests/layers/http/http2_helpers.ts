/**
 * Shared pieces for the HTTP/2 connection layer tests: a Layer adapter so playbooks can drive
 * `Http2Server`/`Http2Client` directly, peer codecs, and compact descriptions of what each
 * side saw, so transcripts read as lists like `["response 1 200", "data 1 hi", "end 1"]`.
 */
import { latin1Decode, latin1Encode } from "../../../codecs/bytes.ts";
import { H2Connection } from "../../../codecs/http2/connection.ts";
import type { H2ConnectionOptions } from "../../../codecs/http2/connection_options.ts";
import { errorCodeName } from "../../../codecs/http2/error_codes.ts";
import type { H2Event } from "../../../codecs/http2/events.ts";
import type { HeaderList } from "../../../codecs/http2/header_validation.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { Request, Response } from "../../../core/flow/http.ts";
import type { Command, Connection } from "../../../layers/commands.ts";
import type { Context } from "../../../layers/context.ts";
import type { Event } from "../../../layers/events.ts";
import { type CommandGenerator, Layer } from "../../../layers/layer.ts";
import { ReceiveHttp } from "../../../layers/http/http_commands.ts";
import type { HttpEvent } from "../../../layers/http/http_events.ts";
import { type CommandMatcher, sendData, where } from "../../playbook.ts";

interface ConnectionLayer {
  handleEvent(event: Event | HttpEvent): Generator<Command, void, unknown>;
}

/** Runs a connection layer as a Layer, so a playbook can feed it. */
export class ConnectionAdapter extends Layer {
  constructor(context: Context, readonly inner: ConnectionLayer) {
    super(context);
  }
  protected *handle(event: Event): CommandGenerator {
    yield* this.inner.handleEvent(event);
  }
}

/** The client side of the wire, ready to send requests. */
export function clientPeer(options: Partial<H2ConnectionOptions> = {}): H2Connection {
  const peer = new H2Connection({ ...options, role: "client" });
  peer.initiateConnection();
  return peer;
}

export function serverPeer(options: Partial<H2ConnectionOptions> = {}): H2Connection {
  const peer = new H2Connection({ ...options, role: "server" });
  peer.initiateConnection();
  return peer;
}

export const GET: HeaderList = [
  [":method", "GET"],
  [":scheme", "https"],
  [":authority", "example.com"],
  [":path", "/index.html"],
  ["user-agent", "test"],
];

export function post(path = "/upload", extra: HeaderList = []): HeaderList {
  return [
    [":method", "POST"],
    [":scheme", "https"],
    [":authority", "example.com"],
    [":path", path],
    ...extra,
  ];
}

const NOISE = new Set([
  "RemoteSettingsChanged",
  "SettingsAcknowledged",
  "WindowUpdated",
  "PingReceived",
  "PingAckReceived",
  "PriorityUpdated",
]);

function fields(headers: HeaderList): string {
  return headers.map(([k, v]) => `${k}=${v}`).join(" ");
}

/** One line per significant codec event (settings and window bookkeeping left out). */
export function describeH2(events: H2Event[]): string[] {
  const out: string[] = [];
  for (const e of events) {
    if (NOISE.has(e.type)) continue;
    switch (e.type) {
      case "RequestReceived":
        out.push(`request ${e.streamId} ${fields(e.headers)}${e.endStream ? " (end)" : ""}`);
        break;
      case "ResponseReceived":
        out.push(`response ${e.streamId} ${fields(e.headers)}${e.endStream ? " (end)" : ""}`);
        break;
      case "InformationalResponseReceived":
        out.push(`informational ${e.streamId} ${fields(e.headers)}`);
        break;
      case "TrailersReceived":
        out.push(`trailers ${e.streamId} ${fields(e.headers)}`);
        break;
      case "DataReceived":
        out.push(`data ${e.streamId} ${latin1Decode(e.data)}`);
        break;
      case "StreamEnded":
        out.push(`end ${e.streamId}`);
        break;
      case "StreamReset":
        out.push(`reset ${e.streamId} ${errorCodeName(e.errorCode)}`);
        break;
      case "ConnectionTerminated":
        out.push(`goaway ${errorCodeName(e.errorCode)} last=${e.lastStreamId}`);
        break;
      default:
        out.push(e.type);
    }
  }
  return out;
}

/** Describes an HTTP event the way the tests compare them. */
export function describeHttp(e: HttpEvent): string {
  switch (e.kind) {
    case "RequestHeaders": {
      const r = e.request;
      return `RequestHeaders ${e.streamId} ${r.method} ${r.scheme}://${r.authority}${r.path} ` +
        `${r.host}:${r.port} ${r.http_version} [${fields(r.headers.fields)}]` +
        (e.endStream ? " (end)" : "");
    }
    case "ResponseHeaders": {
      const r = e.response;
      return `ResponseHeaders ${e.streamId} ${r.status_code} ${r.http_version} ` +
        `[${fields(r.headers.fields)}]${e.endStream ? " (end)" : ""}`;
    }
    case "RequestData":
    case "ResponseData":
      return `${e.kind} ${e.streamId} ${latin1Decode(e.data)}`;
    case "RequestEndOfMessage":
    case "ResponseEndOfMessage":
      return `${e.kind} ${e.streamId}` + (e.trailers ? ` [${fields(e.trailers.fields)}]` : "");
    case "RequestProtocolError":
    case "ResponseProtocolError":
      return `${e.kind} ${e.streamId} ${e.status} ${e.message}`;
  }
}

/** Expects a ReceiveHttp whose description equals (or, given a RegExp, matches) `want`. */
export function received(want: string | RegExp): CommandMatcher {
  return where(`ReceiveHttp(${want})`, (c) => {
    if (!(c instanceof ReceiveHttp)) return false;
    const got = describeHttp(c.event);
    return typeof want === "string" ? got === want : want.test(got);
  });
}

/**
 * Expects bytes to `conn` and feeds them to the peer codec; the significant events it reports
 * must equal `want`. (Adjacent SendData are merged by the playbook, so this sees one step.)
 */
export function peerGets(
  conn: Connection,
  peer: H2Connection,
  want: string[],
  onEvents?: (events: H2Event[]) => void,
): CommandMatcher {
  return sendData(conn, (text) => {
    const events = peer.receiveData(latin1Encode(text));
    onEvents?.(events);
    const got = describeH2(events);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      throw new Error(`peer saw ${JSON.stringify(got)}, expected ${JSON.stringify(want)}`);
    }
    return true;
  });
}

export function response(
  status: number,
  headers: [string, string][] = [],
  http_version = "HTTP/1.1",
): Response {
  return new Response({
    http_version,
    status_code: status,
    reason: "OK",
    headers: new Headers(headers),
    content: null,
    trailers: null,
    timestamp_start: 1,
    timestamp_end: null,
  });
}

export function request(
  method: string,
  url: { scheme: string; host: string; port: number; path: string; authority?: string },
  headers: [string, string][] = [],
  http_version = "HTTP/1.1",
): Request {
  return new Request({
    host: url.host,
    port: url.port,
    method,
    scheme: url.scheme,
    authority: url.authority ?? "",
    path: url.path,
    http_version,
    headers: new Headers(headers),
    content: null,
    trailers: null,
    timestamp_start: 1,
    timestamp_end: null,
  });
}

export const bytesOf = (text: string): Uint8Array => latin1Encode(text);
