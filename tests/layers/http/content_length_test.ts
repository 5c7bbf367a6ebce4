import assert from "node:assert/strict";
import { Request, Response } from "../../../core/flow/http.ts";
import { fixContentLength } from "../../../layers/http/content_length.ts";

Deno.test("content length: corrected to the body, added when missing for a body", () => {
  const r = Response.make(200, "hello", [["Content-Length", "99"]]);
  fixContentLength(r, false);
  assert.equal(r.headers.get("content-length"), "5");
  const missing = Request.make("POST", "http://example.com/", "abc");
  missing.headers.delete("content-length");
  fixContentLength(missing, false);
  assert.equal(missing.headers.get("content-length"), "3");
});

Deno.test("content length: left alone for chunked, bodiless statuses, HEAD and empty bodies", () => {
  const chunked = Response.make(200, "hello", [["Transfer-Encoding", "gzip, chunked"]]);
  fixContentLength(chunked, false);
  assert.equal(chunked.headers.get("content-length"), undefined);
  for (const code of [101, 204, 304]) {
    const r = Response.make(code);
    r.headers.set("Content-Length", "42");
    fixContentLength(r, false);
    assert.equal(r.headers.get("content-length"), "42", `status ${code}`);
  }
  const head = Response.make(200);
  head.headers.set("Content-Length", "1234");
  fixContentLength(head, true);
  assert.equal(head.headers.get("content-length"), "1234");
  const get = Request.make("GET", "http://example.com/");
  get.headers.delete("content-length");
  fixContentLength(get, false);
  assert.equal(get.headers.get("content-length"), undefined);
});
