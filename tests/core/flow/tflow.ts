/** Test flows in the spirit of mitmproxy's `test/tflow.py`. Importable from other tests. */

import { Client, Server } from "../../../core/flow/connection.ts";
import { FlowError } from "../../../core/flow/flow.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { HttpFlow, Request, Response } from "../../../core/flow/http.ts";
import { TcpFlow, TcpMessage } from "../../../core/flow/tcp.ts";
import { Opcode, WebSocketData, WebSocketMessage } from "../../../core/flow/websocket.ts";

const enc = (s: string) => new TextEncoder().encode(s);

export function tclient(): Client {
  return new Client({
    peername: ["127.0.0.1", 22],
    sockname: ["", 0],
    timestamp_start: 946681200,
    timestamp_tls_setup: 946681201,
    timestamp_end: 946681206,
    tls: true,
    sni: "address",
    cipher: "cipher",
    alpn: "http/1.1",
    alpn_offers: ["http/1.1", "h2"],
    tls_version: "TLSv1.2",
    cipher_list: ["AES128-GCM-SHA256"],
    certificate_list: ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"],
    mitmcert: "-----BEGIN CERTIFICATE-----\nMITM\n-----END CERTIFICATE-----\n",
    proxy_mode: "regular",
  });
}

export function tserver(): Server {
  return new Server({
    address: ["address", 22],
    peername: ["192.168.0.1", 22],
    sockname: ["address", 22],
    timestamp_start: 946681202,
    timestamp_tcp_setup: 946681203,
    timestamp_tls_setup: 946681204,
    timestamp_end: 946681205,
    tls: true,
    sni: "address",
    alpn: null,
    tls_version: "TLSv1.2",
    via: ["http", ["upstream", 8080]],
  });
}

export function treq(): Request {
  return new Request({
    host: "address",
    port: 22,
    method: "GET",
    scheme: "http",
    authority: "",
    path: "/path",
    http_version: "HTTP/1.1",
    headers: new Headers([["header", "qvalue"], ["content-length", "7"]]),
    content: enc("content"),
    trailers: null,
    timestamp_start: 946681200,
    timestamp_end: 946681201,
  });
}

export function tresp(): Response {
  return new Response({
    http_version: "HTTP/1.1",
    status_code: 200,
    reason: "OK",
    headers: new Headers([
      ["header-response", "svalue"],
      ["content-length", "7"],
    ]),
    content: enc("message"),
    trailers: new Headers([["trailer", "tvalue"]]),
    timestamp_start: 946681202,
    timestamp_end: 946681203,
  });
}

export function tflow(
  opts: { resp?: boolean; err?: boolean; ws?: boolean; live?: boolean } = {},
): HttpFlow {
  const f = new HttpFlow(tclient(), tserver(), 946681200, treq(), opts.live ?? false);
  if (opts.resp) f.response = tresp();
  if (opts.err) f.error = new FlowError("error", 946681207);
  if (opts.ws) {
    const ws = new WebSocketData();
    ws.messages = [
      new WebSocketMessage(Opcode.BINARY, true, enc("hello binary"), 946681203),
      new WebSocketMessage(Opcode.TEXT, true, enc("hello text"), 946681204),
      new WebSocketMessage(Opcode.TEXT, false, enc("it's me"), 946681205, false, true),
    ];
    ws.close_code = 1000;
    ws.close_reason = "";
    ws.closed_by_client = false;
    ws.timestamp_end = 946681205;
    f.websocket = ws;
  }
  f.metadata = { nested: { a: [1, "x", enc("b")] } };
  return f;
}

export function ttcpflow(opts: { err?: boolean; live?: boolean } = {}): TcpFlow {
  const f = new TcpFlow(tclient(), tserver(), 946681200, opts.live ?? false);
  f.messages = [
    new TcpMessage(true, enc("hello"), 946681204),
    new TcpMessage(false, enc("it's me"), 946681205),
  ];
  if (opts.err) f.error = new FlowError("error", 946681207);
  return f;
}
