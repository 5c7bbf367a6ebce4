import assert from "node:assert/strict";
import { parseRequestTarget } from "../../../codecs/http1/request_target.ts";
import { assertParseError } from "./test_util.ts";

Deno.test("forms", () => {
  assert.deepEqual(parseRequestTarget("GET", "/a"), {
    form: "origin",
    scheme: "",
    authority: "",
    host: "",
    port: 0,
    path: "/a",
  });
  assert.deepEqual(parseRequestTarget("GET", "http://a.b"), {
    form: "absolute",
    scheme: "http",
    authority: "a.b",
    host: "a.b",
    port: 80,
    path: "/",
  });
  assert.deepEqual(parseRequestTarget("CONNECT", "a.b:443"), {
    form: "authority",
    scheme: "",
    authority: "a.b:443",
    host: "a.b",
    port: 443,
    path: "",
  });
  assert.deepEqual(parseRequestTarget("OPTIONS", "*"), {
    form: "asterisk",
    scheme: "",
    authority: "",
    host: "",
    port: 0,
    path: "*",
  });
});

Deno.test("hosts: reg-names with sub-delims and pct-encoding, IPv6 with zone", () => {
  const a = parseRequestTarget("CONNECT", "xn--caf-dma.example_1~:1");
  assert.ok(!("error" in a) && a.host === "xn--caf-dma.example_1~");
  const b = parseRequestTarget("GET", "https://[fe80::1%25eth0]:8443/");
  assert.ok(!("error" in b) && b.host === "fe80::1%25eth0" && b.port === 8443);
  assertParseError(parseRequestTarget("GET", "http://a b/"), 400);
  assertParseError(parseRequestTarget("GET", "http://[]:80/"), 400);
  assertParseError(parseRequestTarget("CONNECT", "*"), 400);
  assertParseError(parseRequestTarget("OPTIONS", "example.com:80"), 400);
  assertParseError(parseRequestTarget("GET", "http://h:65535x/"), 400);
});
