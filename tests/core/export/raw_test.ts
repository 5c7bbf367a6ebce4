import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { latin1Decode } from "../../../codecs/bytes.ts";
import { raw, rawRequest, rawResponse } from "../../../core/export/raw.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { Request, Response } from "../../../core/flow/http.ts";
import { tflow, ttcpflow } from "../flow/tflow.ts";
import { flowOf, getRequest, getResponse, treq, tresp } from "./flows.ts";

const text = (b: Uint8Array) => latin1Decode(b);

const GET_REQUEST = "GET /path?a=foo&a=bar&b=baz HTTP/1.1\r\n" +
  "header: qvalue\r\ncontent-length: 0\r\n\r\n";

Deno.test("raw_request: request line, headers in order, body", () => {
  strictEqual(text(rawRequest(getRequest())), GET_REQUEST);
  strictEqual(
    text(rawRequest(getResponse())),
    "GET /path HTTP/1.1\r\nheader: qvalue\r\ncontent-length: 7\r\n\r\ncontent",
  );
});

Deno.test("raw_response: status line, headers, body; no response is an error", () => {
  strictEqual(
    text(rawResponse(getResponse())),
    "HTTP/1.1 404 OK\r\nheader-response: svalue\r\ncontent-length: 18\r\n\r\nTest Response Body",
  );
  throws(() => rawResponse(getRequest()), { message: "Can't export flow with no response." });
});

Deno.test("raw: request, CRLF CRLF, response; or whichever has a body", () => {
  const f = flowOf(
    treq({ path: "/path?a=foo&a=bar&b=baz", content: new Uint8Array(0), headers: [] }),
    tresp({ status_code: 404, content: new TextEncoder().encode("Test Response Body") }),
  );
  strictEqual(
    text(raw(f)),
    "GET /path?a=foo&a=bar&b=baz HTTP/1.1\r\n\r\n\r\n\r\n" +
      "HTTP/1.1 404 OK\r\nheader-response: svalue\r\ncontent-length: 18\r\n\r\nTest Response Body",
  );
  strictEqual(text(raw(getRequest())), GET_REQUEST);
  const noRequestBody = getResponse();
  noRequestBody.request.raw_content = null;
  strictEqual(text(raw(noRequestBody)).startsWith("HTTP/1.1 404 OK\r\n"), true);
  const neither = getRequest();
  neither.request.raw_content = null;
  throws(() => raw(neither), { message: "Can't export flow with no request or response." });
});

Deno.test("raw: WebSocket messages follow as [OUTGOING]/[INCOMING] lines", () => {
  const f = tflow({ resp: true, ws: true });
  f.response!.trailers = null;
  strictEqual(
    text(raw(f)),
    "GET /path HTTP/1.1\r\nheader: qvalue\r\ncontent-length: 7\r\n\r\ncontent\r\n\r\n" +
      "HTTP/1.1 200 OK\r\nheader-response: svalue\r\ncontent-length: 7\r\n\r\nmessage\r\n\r\n" +
      "[OUTGOING] hello binary\n[OUTGOING] hello text\n[INCOMING] it's me",
  );
});

Deno.test("raw: missing (streamed) bodies are errors", () => {
  const f = getResponse();
  f.request.raw_content = null;
  throws(() => rawRequest(f), { message: /^Request content missing/ });
  f.response!.raw_content = null;
  throws(() => rawResponse(f), { message: /^Response content missing/ });
});

Deno.test("raw: TCP flows are refused", () => {
  for (
    const [fn, name] of [[raw, "raw"], [rawRequest, "raw_request"], [
      rawResponse,
      "raw_response",
    ]] as const
  ) {
    throws(() => fn(ttcpflow()), {
      message: `Can't export a TCP flow as ${name}: only HTTP flows can be exported.`,
    });
  }
});

Deno.test("raw: bodies are decoded, Content-Encoding removed, Content-Length updated", () => {
  const req = treq({
    method: "POST",
    headers: [["content-encoding", "gzip"], ["content-length", "999"]],
  });
  req.raw_content = gzipSync("decoded body");
  const resp = tresp();
  resp.headers.add("content-encoding", "gzip");
  resp.raw_content = gzipSync("decoded response");
  const f = flowOf(req, resp);
  strictEqual(
    text(rawRequest(f)),
    "POST /path HTTP/1.1\r\ncontent-length: 12\r\n\r\ndecoded body",
  );
  strictEqual(
    text(rawResponse(f)),
    "HTTP/1.1 200 OK\r\nheader-response: svalue\r\ncontent-length: 16\r\n\r\ndecoded response",
  );
  strictEqual(f.request.headers.get("content-encoding"), "gzip", "the flow is not changed");
});

Deno.test("raw: a HEAD response keeps its Content-Length with an empty body", () => {
  const resp = tresp({ content: new Uint8Array(0) });
  strictEqual(
    text(rawResponse(flowOf(treq({ method: "HEAD" }), resp))).includes("content-length: 7"),
    true,
  );
});

Deno.test("raw: chunked bodies are framed, with trailers", () => {
  const req = treq({
    method: "POST",
    headers: [["Transfer-Encoding", "chunked"]],
    content: new TextEncoder().encode("hello"),
  });
  req.trailers = new Headers([["x-checksum", "abc"]]);
  strictEqual(
    text(rawRequest(flowOf(req))),
    "POST /path HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nx-checksum: abc\r\n\r\n",
  );
  req.raw_content = new Uint8Array(0);
  req.trailers = null;
  strictEqual(
    text(rawRequest(flowOf(req))),
    "POST /path HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  );
});

Deno.test("raw: trailers without chunked framing cannot be written as HTTP/1", () => {
  const resp = tresp();
  resp.trailers = new Headers([["grpc-status", "0"]]);
  throws(() => rawResponse(flowOf(treq(), resp)), {
    message:
      `Can't export the response as HTTP/1: it has trailers but no "Transfer-Encoding: chunked".`,
  });
});

Deno.test("raw: absolute-form, CONNECT, HTTP/2 and the method as sent", () => {
  const h2 = Request.make("post", "https://example.com/x?y=1", "hi", [["content-type", "a/b"]]);
  h2.http_version = "HTTP/2.0";
  h2.authority = "example.com";
  strictEqual(
    text(rawRequest(flowOf(h2))),
    "post https://example.com/x?y=1 HTTP/2.0\r\ncontent-type: a/b\r\ncontent-length: 2\r\n\r\nhi",
  );
  const connect = treq({ method: "CONNECT", path: "", headers: [], content: new Uint8Array(0) });
  connect.authority = "example.com:443";
  strictEqual(text(rawRequest(flowOf(connect))), "CONNECT example.com:443 HTTP/1.1\r\n\r\n");
  const resp = new Response({
    http_version: "HTTP/2.0",
    status_code: 204,
    reason: "",
    headers: [],
    content: new Uint8Array(0),
    timestamp_start: 0,
    timestamp_end: 0,
  });
  strictEqual(text(rawResponse(flowOf(h2, resp))), "HTTP/2.0 204 \r\n\r\n");
});

Deno.test("raw: header and body bytes are kept exactly", () => {
  const body = Uint8Array.from({ length: 256 }, (_, i) => i);
  const f = flowOf(treq({ method: "PUT", headers: [["X-Bin", "\xff\x80é"]], content: body }));
  const out = rawRequest(f);
  const head = "PUT /path HTTP/1.1\r\nX-Bin: \xff\x80é\r\ncontent-length: 256\r\n\r\n";
  strictEqual(text(out.subarray(0, head.length)), head);
  deepStrictEqual(out.subarray(head.length), body);
});
