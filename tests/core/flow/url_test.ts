import assert from "node:assert/strict";
import {
  hostport,
  isValidHost,
  joinPath,
  parseAuthority,
  parseUrl,
  quote,
  splitPath,
  unparseUrl,
  unquote,
  urlDecodeForm,
  urlEncodeForm,
  UrlError,
} from "../../../core/flow/url.ts";

Deno.test("parseUrl: scheme, host, default ports, path", () => {
  assert.deepEqual(parseUrl("http://foo.com:8888/test"), {
    scheme: "http",
    host: "foo.com",
    port: 8888,
    path: "/test",
  });
  assert.deepEqual(parseUrl("http://foo/bar"), {
    scheme: "http",
    host: "foo",
    port: 80,
    path: "/bar",
  });
  assert.deepEqual(parseUrl("https://Foo.COM"), {
    scheme: "https",
    host: "foo.com",
    port: 443,
    path: "/",
  });
  assert.equal(parseUrl("HTTPS://x/").scheme, "https");
  assert.equal(parseUrl("ftp://x/").port, 80);
  assert.equal(parseUrl("http://user:pw@host:81/").host, "host");
  assert.equal(parseUrl("http://host:/").port, 80);
});

Deno.test("parseUrl: IPv6 literals", () => {
  assert.deepEqual(parseUrl("http://[::1]:8080/x"), {
    scheme: "http",
    host: "::1",
    port: 8080,
    path: "/x",
  });
  assert.equal(parseUrl("https://[2001:db8::1]/").port, 443);
  assert.throws(() => parseUrl("http://[::1/"), /Invalid IPv6 URL/);
  assert.throws(() => parseUrl("http://[nothost]/"), UrlError);
});

Deno.test("parseUrl: query, params and fragment stay in the path", () => {
  assert.equal(parseUrl("http://h/p?a=1&b=2").path, "/p?a=1&b=2");
  assert.equal(parseUrl("http://h?q").path, "/?q");
  assert.equal(parseUrl("http://h/a;p=1?q#frag").path, "/a;p=1?q#frag");
  assert.equal(parseUrl("http://h/a?").path, "/a", "an empty query is dropped like urlunparse");
  assert.equal(parseUrl("  http://h/a\tb\n").path, "/ab");
  assert.equal(parseUrl("http://h/ä").path, "/%C3%A4");
});

Deno.test("parseUrl: errors", () => {
  assert.throws(() => parseUrl("foo.com"), /No hostname given/);
  assert.throws(() => parseUrl("http://"), /No hostname given/);
  assert.throws(() => parseUrl("http://foo:bar/"), /Port could not be cast/);
  assert.throws(() => parseUrl("http://foo:99999/"), /Port out of range/);
  assert.throws(() => parseUrl("http://foo bar/"), /Invalid Host/);
  assert.throws(() => parseUrl("http://a..b/"), /Invalid Host/);
});

Deno.test("parseUrl: IDNA hosts", () => {
  assert.equal(parseUrl("http://bücher.example/").host, "xn--bcher-kva.example");
});

Deno.test("hostport / unparseUrl", () => {
  assert.equal(hostport("http", "foo", 80), "foo");
  assert.equal(hostport("https", "foo", 80), "foo:80");
  assert.equal(hostport("http", "::1", 8080), "[::1]:8080");
  assert.equal(hostport("https", "::1", 443), "[::1]");
  assert.equal(unparseUrl("http", "foo.com", 8080, "/x"), "http://foo.com:8080/x");
  assert.equal(unparseUrl("https", "foo.com", 443, "*"), "https://foo.com");
});

Deno.test("parseAuthority", () => {
  assert.deepEqual(parseAuthority("foo.com:8080", true), ["foo.com", 8080]);
  assert.deepEqual(parseAuthority("foo.com", true), ["foo.com", null]);
  assert.deepEqual(parseAuthority("[::1]:99", true), ["::1", 99]);
  assert.deepEqual(parseAuthority("[::1]", true), ["::1", null]);
  assert.throws(() => parseAuthority("foo:bar:baz", true), UrlError);
  assert.deepEqual(parseAuthority("foo:bar:baz", false), ["foo:bar:baz", null]);
  assert.deepEqual(parseAuthority("x:70000", false), ["x:70000", null]);
});

Deno.test("isValidHost", () => {
  for (const h of ["example.com", "a_b.c", "example.com.", "127.0.0.1", "::1", "bücher.de"]) {
    assert.equal(isValidHost(h), true, h);
  }
  for (const h of ["", "a b", "a..b", "x".repeat(64) + ".com", "a\x00b"]) {
    assert.equal(isValidHost(h), false, JSON.stringify(h));
  }
});

Deno.test("splitPath / joinPath like urlparse/urlunparse", () => {
  assert.deepEqual(splitPath("/a/b;x?y=1#z"), {
    path: "/a/b",
    params: "x",
    query: "y=1",
    fragment: "z",
  });
  assert.deepEqual(splitPath("/a;x/b"), { path: "/a;x/b", params: "", query: "", fragment: "" });
  for (const p of ["/a/b;x?y=1#z", "/", "/x?q", "/x#f"]) assert.equal(joinPath(splitPath(p)), p);
});

Deno.test("form decode/encode like parse_qsl/urlencode", () => {
  assert.deepEqual(urlDecodeForm("a=1&b=&c&&d=x+y%21&e=%C3%A4"), [
    ["a", "1"],
    ["b", ""],
    ["c", ""],
    ["d", "x y!"],
    ["e", "ä"],
  ]);
  assert.deepEqual(urlDecodeForm("x=%ff"), [["x", "\udcff"]], "surrogateescape");
  assert.equal(urlEncodeForm([["a b", "c&d"], ["e", "ä/~"]]), "a+b=c%26d&e=%C3%A4%2F~");
  assert.equal(urlEncodeForm([["a", ""], ["b", ""]], "a&b"), "a&b");
  assert.equal(urlEncodeForm([["a", ""], ["b", "1"]], "a=&b=1"), "a=&b=1");
  assert.equal(urlEncodeForm([["x", "\udcff"]]), "x=%FF");
});

Deno.test("quote / unquote", () => {
  assert.equal(quote("a b/c"), "a%20b/c");
  assert.equal(quote("a b/c", ""), "a%20b%2Fc");
  assert.equal(unquote("a%20b%2fc%zz"), "a b/c%zz");
  assert.equal(unquote("%E2%82%AC"), "€");
});
