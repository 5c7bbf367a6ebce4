import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import {
  h2HeadersFromRequest,
  h2HeadersFromResponse,
  h2Trailers,
  requestFromH2Headers,
  responseFromH2Headers,
} from "../../../layers/http/http2_translate.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { GET, request, response } from "./http2_helpers.ts";

Deno.test("requestFromH2Headers: pseudo-headers become the request line; no Host is added", () => {
  const r = requestFromH2Headers(GET, 5);
  if ("error" in r) throw new Error(r.error);
  const q = r.request;
  assertEquals(
    [q.method, q.scheme, q.authority, q.path, q.host, q.port, q.http_version],
    ["GET", "https", "example.com", "/index.html", "example.com", 443, "HTTP/2.0"],
  );
  assertEquals(q.headers.fields, [["user-agent", "test"]]);
  assertEquals([q.timestamp_start, q.timestamp_end, q.raw_content], [5, null, null]);
});

Deno.test("requestFromH2Headers: ports, Host fallback, CONNECT and split cookies", () => {
  const port = requestFromH2Headers([
    [":method", "GET"],
    [":scheme", "http"],
    [":authority", "[::1]:8080"],
    [":path", "/"],
  ], 0);
  ok("request" in port);
  assertEquals([port.request.host, port.request.port], ["::1", 8080]);
  const http = requestFromH2Headers([
    [":method", "GET"],
    [":scheme", "http"],
    [":path", "/"],
    ["host", "example.org"],
  ], 0);
  ok("request" in http);
  assertEquals([http.request.host, http.request.port, http.request.authority], [
    "example.org",
    80,
    "",
  ]);
  const connect = requestFromH2Headers([[":method", "CONNECT"], [":authority", "a.com:443"]], 0);
  ok("request" in connect);
  assertEquals(
    [connect.request.host, connect.request.port, connect.request.scheme, connect.request.path],
    ["a.com", 443, "", ""],
  );
  const cookies = requestFromH2Headers([
    ...GET,
    ["cookie", "a=1"],
    ["accept", "*/*"],
    ["cookie", "b=2"],
  ], 0);
  ok("request" in cookies);
  assertEquals(cookies.request.headers.fields, [
    ["user-agent", "test"],
    ["cookie", "a=1; b=2"],
    ["accept", "*/*"],
  ]);
});

Deno.test("requestFromH2Headers: malformed lists are errors, not exceptions", () => {
  const cases: [string, [string, string][]][] = [
    ["without :path", [[":method", "GET"], [":scheme", "https"], [":authority", "a"]]],
    ["without :method", [[":scheme", "https"], [":path", "/"]]],
    ["unknown pseudo", [...GET, [":status", "200"]]],
    ["duplicate", [...GET, [":path", "/x"]]],
    ["bad authority", [[":method", "GET"], [":scheme", "https"], [":path", "/"], [
      ":authority",
      "a b:99999",
    ]]],
    ["CONNECT without port", [[":method", "CONNECT"], [":authority", "a.com"]]],
    ["extended CONNECT", [[":method", "CONNECT"], [":protocol", "websocket"], [":path", "/"]]],
  ];
  for (const [what, headers] of cases) {
    const r = requestFromH2Headers(headers, 0);
    ok("error" in r, `${what} should be an error`);
  }
});

Deno.test("h2HeadersFromRequest: Host moves to :authority; connection fields go", () => {
  const req = request("post", { scheme: "http", host: "example.com", port: 8080, path: "/a?b" }, [
    ["Host", "example.com:8080"],
    ["Connection", "keep-alive, X-Hop"],
    ["Keep-Alive", "timeout=5"],
    ["X-Hop", "1"],
    ["Transfer-Encoding", "chunked"],
    ["Upgrade", "h2c"],
    ["HTTP2-Settings", "AAA"],
    ["Proxy-Connection", "keep-alive"],
    ["TE", "trailers, deflate"],
    ["Content-Type", "  text/plain "],
    ["X-Custom", "Value"],
  ]);
  const r = h2HeadersFromRequest(req);
  if ("error" in r) throw new Error(r.error);
  assertEquals(r.headers, [
    [":method", "POST"],
    [":scheme", "http"],
    [":authority", "example.com:8080"],
    [":path", "/a?b"],
    ["te", "trailers"],
    ["content-type", "text/plain"],
    ["x-custom", "Value"],
  ]);
});

Deno.test("h2HeadersFromRequest: authority first, then Host, then host:port; CONNECT", () => {
  const withAuthority = request("GET", {
    scheme: "https",
    host: "a.com",
    port: 443,
    path: "/",
    authority: "a.com",
  }, [["Host", "other.com"]]);
  const a = h2HeadersFromRequest(withAuthority);
  ok("headers" in a);
  assertEquals(a.headers[2], [":authority", "a.com"]);
  const bare = request("GET", { scheme: "", host: "b.com", port: 8443, path: "" });
  const b = h2HeadersFromRequest(bare, "https");
  ok("headers" in b);
  assertEquals(b.headers, [
    [":method", "GET"],
    [":scheme", "https"],
    [":authority", "b.com:8443"],
    [":path", "/"],
  ]);
  const connect = request("CONNECT", { scheme: "", host: "c.com", port: 443, path: "" });
  const c = h2HeadersFromRequest(connect);
  ok("headers" in c);
  assertEquals(c.headers, [[":method", "CONNECT"], [":authority", "c.com:443"]]);
  const nowhere = request("GET", { scheme: "https", host: "", port: 0, path: "/" });
  ok("error" in h2HeadersFromRequest(nowhere));
  const badValue = request("GET", { scheme: "https", host: "d.com", port: 443, path: "/" }, [[
    "X",
    "a\r\nb",
  ]]);
  ok("error" in h2HeadersFromRequest(badValue));
});

Deno.test("responses: :status both ways, reason empty, bad statuses are errors", () => {
  const r = responseFromH2Headers([[":status", "404"], ["content-type", "text/html"]], 3);
  if ("error" in r) throw new Error(r.error);
  assertEquals(
    [r.response.status_code, r.response.reason, r.response.http_version],
    [404, "", "HTTP/2.0"],
  );
  assertEquals(r.response.headers.fields, [["content-type", "text/html"]]);
  ok("error" in responseFromH2Headers([["content-type", "x"]], 0));
  ok("error" in responseFromH2Headers([[":status", "20"]], 0));
  const out = h2HeadersFromResponse(response(200, [
    ["Content-Length", "5"],
    ["Connection", "close"],
    ["Transfer-Encoding", "chunked"],
    ["Set-Cookie", "a=1"],
    ["Set-Cookie", "b=2"],
  ]));
  if ("error" in out) throw new Error(out.error);
  assertEquals(out.headers, [
    [":status", "200"],
    ["content-length", "5"],
    ["set-cookie", "a=1"],
    ["set-cookie", "b=2"],
  ]);
  ok("error" in h2HeadersFromResponse(response(101, [["Upgrade", "websocket"]])));
  ok("error" in h2HeadersFromResponse(response(600)));
  ok("error" in h2HeadersFromResponse(response(200, [["Bad Name", "x"]])));
  ok("error" in h2HeadersFromResponse(response(200, [["content-length", "x"]])));
});

Deno.test("h2Trailers: lowercased, connection fields dropped, pseudo-headers refused", () => {
  const t = h2Trailers(new Headers([["Grpc-Status", "0"], ["Connection", "close"]]));
  ok("headers" in t);
  assertEquals(t.headers, [["grpc-status", "0"]]);
  ok("error" in h2Trailers(new Headers([[":status", "200"]])));
});
