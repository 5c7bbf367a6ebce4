import assert from "node:assert/strict";
import { ContentEncodingError, encodeContent } from "../../../core/encoding/content_encoding.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { Request, Response } from "../../../core/flow/http.ts";
import { treq, tresp } from "./tflow.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => new TextDecoder().decode(b ?? new Uint8Array(0));
const latin = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

Deno.test("Request.url getter", () => {
  const r = treq();
  assert.equal(r.url, "http://address:22/path");
  r.port = 80;
  assert.equal(r.url, "http://address/path");
  r.path = "*";
  assert.equal(r.url, "http://address");
  r.method = "CONNECT";
  assert.equal(r.url, "address:80");
  assert.equal(r.first_line_format, "authority");
});

Deno.test("Request.url setter parses scheme/host/port/path", () => {
  const r = treq();
  r.url = "https://Example.com:8443/a/b?x=1&y=2#f";
  assert.equal(r.scheme, "https");
  assert.equal(r.host, "example.com");
  assert.equal(r.port, 8443);
  assert.equal(r.path, "/a/b?x=1&y=2#f");
  assert.equal(r.url, "https://example.com:8443/a/b?x=1&y=2#f");
  r.url = "http://[::1]/v6";
  assert.equal(r.host, "::1");
  assert.equal(r.port, 80);
  assert.equal(r.url, "http://[::1]/v6");
  r.url = "https://[2001:db8::1]:444";
  assert.equal(r.url, "https://[2001:db8::1]:444/");
  assert.throws(() => (r.url = "not a url"), /No hostname given/);
});

Deno.test("url/host/port setters update an existing Host header and authority", () => {
  const r = treq();
  r.headers.set("Host", "address:22");
  r.url = "https://new.example/";
  assert.equal(r.headers.get("host"), "new.example");
  r.port = 8443;
  assert.equal(r.headers.get("host"), "new.example:8443");
  const noHost = treq();
  noHost.host = "other";
  assert.equal(noHost.headers.has("host"), false);
  const h2 = treq();
  h2.http_version = "HTTP/2.0";
  h2.authority = "address:22";
  h2.host = "h2.example";
  assert.equal(h2.authority, "h2.example:22");
  assert.equal(h2.first_line_format, "absolute");
});

Deno.test("setAddress retargets the request but keeps Host header and authority as sent", () => {
  const r = treq();
  r.headers.add("Host", "sent.example");
  r.headers.add("Host", "dup.example");
  r.authority = "sent.example";
  r.setAddress("https", "10.0.0.1", 8443);
  assert.equal(r.url, "https://10.0.0.1:8443/path");
  assert.deepEqual(r.headers.getAll("host"), ["sent.example", "dup.example"]);
  assert.equal(r.authority, "sent.example");
  assert.throws(() => r.setAddress("http", "x", 1.5), TypeError);
});

Deno.test("host_header, pretty_host and pretty_url", () => {
  const r = treq();
  assert.equal(r.host_header, null);
  assert.equal(r.pretty_host, "address");
  assert.equal(r.pretty_url, "http://address:22/path");
  r.host_header = "pretty.example:8080";
  assert.equal(r.headers.get("Host"), "pretty.example:8080");
  assert.equal(r.pretty_host, "pretty.example");
  assert.equal(r.pretty_url, "http://pretty.example:8080/path");
  r.host_header = "[::1]";
  assert.equal(r.pretty_url, "http://[::1]/path");
  r.host_header = null;
  assert.equal(r.headers.has("host"), false);

  const h2 = treq();
  h2.http_version = "HTTP/2.0";
  h2.host_header = "auth.example";
  assert.equal(h2.authority, "auth.example");
  assert.equal(h2.headers.has("host"), false, "h2 never creates a Host header");
  assert.equal(h2.host_header, "auth.example");
  h2.host_header = null;
  assert.equal(h2.authority, "");

  const c = treq();
  c.method = "CONNECT";
  c.authority = "example.com:443";
  assert.equal(c.pretty_url, "example.com:443");
});

Deno.test("method is upper-cased on read but stored as given", () => {
  const r = treq();
  r.method = "post";
  assert.equal(r.method, "POST");
  assert.deepEqual(r.getState().method, latin("post"));
});

Deno.test("query view reads and writes the path", () => {
  const r = treq();
  r.path = "/p;par?a=1&b=%20x&a=2#frag";
  assert.deepEqual(r.query.fields, [["a", "1"], ["b", " x"], ["a", "2"]]);
  assert.equal(r.query.get("a"), "1");
  assert.deepEqual(r.query.getAll("a"), ["1", "2"]);
  const q = r.query;
  q.set("a", "3");
  assert.equal(r.path, "/p;par?a=3&b=+x#frag");
  q.add("c", "ä");
  assert.equal(r.path, "/p;par?a=3&b=+x&c=%C3%A4#frag");
  q.delete("b");
  assert.deepEqual([...r.query], [["a", "3"], ["c", "ä"]]);
  r.query = [["only", "1"]];
  assert.equal(r.path, "/p;par?only=1#frag");
  r.query = [];
  assert.equal(r.path, "/p;par#frag");
  assert.equal(r.query.size, 0);
});

Deno.test("path_components", () => {
  const r = treq();
  r.path = "/foo/b%20ar//baz?x=1";
  assert.deepEqual(r.path_components, ["foo", "b ar", "baz"]);
  r.path_components = ["a/b", "c"];
  assert.equal(r.path, "/a%2Fb/c?x=1");
});

Deno.test("request cookies", () => {
  const r = treq();
  r.headers.add("Cookie", 'a=1; b="q\\"uoted"');
  r.headers.add("cookie", "c=3");
  assert.deepEqual(r.cookies.fields, [["a", "1"], ["b", 'q"uoted'], ["c", "3"]]);
  r.cookies.set("a", "x y");
  assert.deepEqual(r.headers.getAll("cookie"), ['a="x y"; b="q\\"uoted"; c=3']);
});

Deno.test("urlencoded_form", () => {
  const r = treq();
  assert.equal(r.urlencoded_form.size, 0);
  r.headers.set("content-type", "application/x-www-form-urlencoded");
  r.content = enc("a=1&b=x+y");
  assert.deepEqual(r.urlencoded_form.fields, [["a", "1"], ["b", "x y"]]);
  r.urlencoded_form.set("b", "z&");
  assert.equal(dec(r.content), "a=1&b=z%26");
  assert.equal(r.headers.get("content-length"), "10");
  r.urlencoded_form = [["k", "v"]];
  assert.equal(dec(r.content), "k=v");
});

Deno.test("anticache, anticomp, constrain_encoding", () => {
  const r = treq();
  r.headers.set("If-Modified-Since", "x");
  r.headers.set("if-none-match", "y");
  r.anticache();
  assert.equal(r.headers.has("if-modified-since") || r.headers.has("if-none-match"), false);
  r.headers.set("Accept-Encoding", "gzip, sdch, br, compress");
  r.constrain_encoding();
  assert.equal(r.headers.get("accept-encoding"), "gzip, br");
  r.anticomp();
  assert.equal(r.headers.get("accept-encoding"), "identity");
});

Deno.test("content decodes per Content-Encoding; setter re-encodes and sets length", () => {
  const r = tresp();
  r.headers.set("content-encoding", "gzip");
  r.raw_content = encodeContent(enc("hello"), "gzip");
  assert.equal(dec(r.content), "hello");
  assert.equal(r.text, "hello");
  r.content = enc("hello world");
  assert.equal(r.headers.get("content-encoding"), "gzip");
  assert.equal(dec(r.content), "hello world");
  assert.equal(r.headers.get("content-length"), String(r.raw_content?.length));
  r.headers.set("transfer-encoding", "chunked");
  r.headers.delete("content-length");
  r.content = enc("x");
  assert.equal(r.headers.has("content-length"), false);
});

Deno.test("unchanged content keeps the original wire bytes", () => {
  const r = tresp();
  r.headers.set("content-encoding", "gzip");
  const wire = encodeContent(enc("same"), "gzip").slice();
  wire[9] = 0x07; // different OS byte than ours: a recompression would change it
  r.raw_content = wire;
  assert.equal(dec(r.content), "same");
  r.content = enc("same"); // equal bytes, new array
  assert.equal(r.raw_content, wire);
  r.content = enc("other");
  assert.notEqual(r.raw_content, wire);
});

Deno.test("decoding is cached until raw_content changes", () => {
  const r = tresp();
  r.headers.set("content-encoding", "br");
  r.raw_content = encodeContent(enc("one"), "br");
  const a = r.content;
  assert.equal(r.content, a);
  r.raw_content = encodeContent(enc("two"), "br");
  assert.equal(dec(r.content), "two");
});

Deno.test("invalid Content-Encoding: strict throws, lenient returns raw, setter drops it", () => {
  const r = tresp();
  r.headers.set("content-encoding", "gzip");
  r.raw_content = enc("not gzip");
  assert.throws(() => r.content, ContentEncodingError);
  assert.throws(() => r.text, ContentEncodingError);
  assert.equal(dec(r.getContent(false)), "not gzip");
  assert.equal(r.getText(false), "not gzip");
  r.headers.set("content-encoding", "snappy");
  r.content = enc("plain");
  assert.equal(r.headers.has("content-encoding"), false);
  assert.equal(dec(r.raw_content), "plain");
});

Deno.test("decode() and encode()", () => {
  const r = tresp();
  r.encode("zstd");
  assert.equal(r.headers.get("content-encoding"), "zstd");
  assert.notEqual(dec(r.raw_content), "message");
  assert.equal(dec(r.content), "message");
  r.decode();
  assert.equal(r.headers.has("content-encoding"), false);
  assert.equal(dec(r.raw_content), "message");
  assert.equal(r.headers.get("content-length"), "7");
  assert.throws(() => r.encode("nope"), /Invalid content encoding "nope"/);
  assert.equal(r.headers.has("content-encoding"), false);
  const empty = tresp();
  empty.raw_content = new Uint8Array(0);
  empty.headers.set("content-encoding", "gzip");
  empty.decode();
  assert.equal(empty.headers.get("content-encoding"), "gzip", "empty body: no-op");
});

Deno.test("null content", () => {
  const r = tresp();
  r.content = null;
  assert.equal(r.raw_content, null);
  assert.equal(r.content, null);
  assert.equal(r.text, null);
  assert.throws(() => r.json(), TypeError);
});

Deno.test("text uses the inferred charset", () => {
  const r = tresp();
  r.headers.set("content-type", "text/html; charset=iso-8859-1");
  r.raw_content = latin("caf\xe9");
  assert.equal(r.text, "café");
  r.headers.set("content-type", "text/html");
  r.raw_content = enc("café");
  assert.equal(r.text, "café");
  r.headers.set("content-type", "text/plain");
  assert.equal(r.text, "cafÃ©", "no charset: latin-1 like mitmproxy");
  r.headers.set("content-type", "application/json");
  r.raw_content = latin("\xff");
  assert.throws(() => r.text);
  assert.equal(r.getText(false), "\udcff");
});

Deno.test("text setter: charset when possible, else UTF-8 with a charset parameter", () => {
  const r = tresp();
  r.headers.set("content-type", "text/html; charset=latin1");
  r.text = "é";
  assert.deepEqual(r.raw_content, latin("\xe9"));
  r.text = "€";
  assert.equal(r.headers.get("content-type"), "text/html; charset=utf-8");
  assert.deepEqual(r.raw_content, enc("€"));
  const p = tresp();
  p.headers.delete("content-type");
  p.text = "ok";
  assert.equal(p.headers.has("content-type"), false);
  p.text = "日本";
  assert.equal(p.headers.get("content-type"), "text/plain; charset=utf-8");
  p.text = null;
  assert.equal(p.raw_content, null);
  // Surrogate-escaped text written back gives the original bytes.
  const s = tresp();
  s.headers.set("content-type", "text/plain; charset=utf-8");
  s.raw_content = latin("a\xffb");
  s.text = s.getText(false);
  assert.deepEqual(s.raw_content, latin("a\xffb"));
});

Deno.test("json()", () => {
  const r = tresp();
  r.content = enc('{"a": [1, "ü"]}');
  assert.deepEqual(r.json<{ a: unknown[] }>(), { a: [1, "ü"] });
  r.content = enc("{");
  assert.throws(() => r.json(), SyntaxError);
});

Deno.test("Request.make", () => {
  const r = Request.make("get", "https://example.com/p?q=1", "", { Accept: "*/*" }, 5);
  assert.equal(r.method, "GET");
  assert.equal(r.scheme, "https");
  assert.equal(r.host, "example.com");
  assert.equal(r.port, 443);
  assert.equal(r.path, "/p?q=1");
  assert.equal(r.authority, "");
  assert.equal(r.http_version, "HTTP/1.1");
  assert.deepEqual(r.headers.fields, [["Accept", "*/*"], ["content-length", "0"]]);
  assert.equal(r.timestamp_start, 5);
  const p = Request.make("POST", "http://x/", enc("body"), [["A", "1"]]);
  assert.equal(p.headers.get("content-length"), "4");
  assert.ok(p.timestamp_start > 1e9);
  const h = new Headers([["Host", "old"]]);
  const withHost = Request.make("GET", "http://new.example:81/", "", h);
  assert.equal(withHost.headers.get("host"), "new.example:81");
});

Deno.test("Response.make", () => {
  const r = Response.make(404, "not found", { Server: "x" }, 7);
  assert.equal(r.status_code, 404);
  assert.equal(r.reason, "Not Found");
  assert.equal(r.http_version, "HTTP/1.1");
  assert.deepEqual(r.headers.fields, [["Server", "x"], ["content-length", "9"]]);
  assert.equal(r.text, "not found");
  assert.equal(r.timestamp_start, 7);
  assert.equal(r.timestamp_end, 7);
  const d = Response.make();
  assert.equal(d.status_code, 200);
  assert.equal(d.reason, "OK");
  assert.deepEqual(d.raw_content, new Uint8Array(0));
  assert.equal(d.headers.get("content-length"), "0");
  assert.equal(Response.make(299).reason, "");
  const u = Response.make(200, "ünïcödé ✓");
  assert.equal(u.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(u.text, "ünïcödé ✓");
  const l = Response.make(200, "café");
  assert.equal(l.headers.has("content-type"), false, "latin-1 text needs no content-type");
  assert.deepEqual(l.raw_content, latin("caf\xe9"));
  const b = Response.make(200, enc("\x00"), [["X", "1"]]);
  assert.deepEqual(b.raw_content, Uint8Array.of(0));
});

Deno.test("response cookies", () => {
  const r = tresp();
  r.headers.add("Set-Cookie", "a=1; Path=/; HttpOnly");
  r.headers.add("set-cookie", "b=2; expires=Wed, 21 Oct 2015 07:28:00 GMT; Secure");
  const c = r.cookies;
  assert.deepEqual(c.keys(), ["a", "b"]);
  const [value, attrs] = c.get("a") ?? [];
  assert.equal(value, "1");
  assert.equal(attrs?.get("path"), "/");
  assert.equal(attrs?.get("HTTPONLY"), null);
  assert.equal(attrs?.has("httponly"), true);
  assert.equal(c.get("b")?.[1].get("Expires"), "Wed, 21 Oct 2015 07:28:00 GMT");
  const [, battrs] = c.get("b") ?? [];
  c.set("b", ["3", battrs ?? attrs!]);
  assert.deepEqual(r.headers.getAll("set-cookie"), [
    "a=1; Path=/; HttpOnly",
    'b=3; expires="Wed, 21 Oct 2015 07:28:00 GMT"; Secure',
  ]);
});

Deno.test("stream flag is runtime only", () => {
  const r = treq();
  r.stream = true;
  assert.equal("stream" in r.getState(), false);
  assert.equal(Request.fromState(r.getState()).stream, false);
});

Deno.test("rawContent alias", () => {
  const r = treq();
  assert.equal(r.rawContent, r.raw_content);
  r.rawContent = enc("x");
  assert.equal(dec(r.raw_content), "x");
});
