import assert from "node:assert/strict";
import { Request } from "../../../core/flow/http.ts";
import { pointAtModeServer, validateRequestForm } from "../../../layers/http/http_mode.ts";

function originForm(): Request {
  return Request.make("GET", "http://example.com/a?b", "", [["Host", "example.com"]]);
}

Deno.test("http mode: regular mode leaves the request's own destination", () => {
  const r = Request.make("GET", "http://example.com:8080/x");
  pointAtModeServer({ kind: "regular" }, r, false, false);
  assert.deepEqual([r.scheme, r.host, r.port], ["http", "example.com", 8080]);
});

Deno.test("http mode: transparent mode keeps Host and takes the scheme from the client's TLS", () => {
  const r = originForm();
  pointAtModeServer({ kind: "transparent", address: ["10.0.0.7", 443] }, r, true, false);
  assert.deepEqual([r.scheme, r.host, r.port], ["https", "10.0.0.7", 443]);
  assert.equal(r.headers.get("host"), "example.com");
});

Deno.test("http mode: reverse mode rewrites Host unless keep_host_header", () => {
  const rewritten = originForm();
  pointAtModeServer(
    { kind: "reverse", address: ["::1", 8443], tls: true },
    rewritten,
    false,
    false,
  );
  assert.deepEqual([rewritten.scheme, rewritten.host, rewritten.port], ["https", "::1", 8443]);
  assert.equal(rewritten.headers.get("host"), "[::1]:8443");

  const defaultPort = originForm();
  pointAtModeServer(
    { kind: "reverse", address: ["backend", 80], tls: false },
    defaultPort,
    true,
    false,
  );
  assert.equal(defaultPort.headers.get("host"), "backend");

  const kept = originForm();
  pointAtModeServer({ kind: "reverse", address: ["backend", 8000], tls: false }, kept, false, true);
  assert.deepEqual([kept.scheme, kept.host, kept.port], ["http", "backend", 8000]);
  assert.equal(kept.headers.get("host"), "example.com");
});

Deno.test("http mode: request forms each mode accepts", () => {
  // Request.make gives origin form (no authority); a proxy client sends absolute form.
  assert.match(
    validateRequestForm({ kind: "regular" }, originForm()) ?? "",
    /expected: authority or absolute/,
  );
  const absolute = originForm();
  absolute.authority = "example.com";
  assert.equal(validateRequestForm({ kind: "regular" }, absolute), null);
  assert.equal(validateRequestForm({ kind: "transparent", address: ["b", 1] }, originForm()), null);
  const connect = Request.make("CONNECT", "http://example.com:443/");
  assert.match(
    validateRequestForm({ kind: "reverse", address: ["b", 1], tls: false }, connect) ?? "",
    /CONNECT is only valid/,
  );
});
