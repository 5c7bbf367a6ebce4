import assert from "node:assert/strict";
import fc from "fast-check";
import { parseRequestHead, parseResponseHead } from "../../../codecs/http1/parse_head.ts";
import type { RequestHead } from "../../../codecs/http1/types.ts";
import {
  assertOk,
  assertParseError,
  bracket,
  enc,
  headersArb,
  headerText,
  hostArb,
  pathArb,
  tokenArb,
} from "./test_util.ts";

function req(text: string): RequestHead {
  const r = parseRequestHead(enc(text));
  assertOk(r);
  return r;
}

function reqError(text: string, status = 400): string {
  const r = parseRequestHead(enc(text));
  assertParseError(r, status);
  return r.error;
}

function resError(text: string, status = 400): string {
  const r = parseResponseHead(enc(text));
  assertParseError(r, status);
  return r.error;
}

Deno.test("origin-form request with headers kept in order, case and duplicates", () => {
  const r = req("GET /p?q=1 HTTP/1.1\r\nHost: a\r\nX-A:  1 \r\nx-a:2\r\nEmpty:\r\nT:\tv\t\r\n\r\n");
  assert.deepEqual(r, {
    method: "GET",
    target: "/p?q=1",
    form: "origin",
    scheme: "",
    authority: "",
    host: "",
    port: 0,
    path: "/p?q=1",
    httpVersion: "HTTP/1.1",
    headers: [["Host", "a"], ["X-A", "1"], ["x-a", "2"], ["Empty", ""], ["T", "v"]],
  });
});

Deno.test("HTTP/1.0, bare LF lines, no trailing blank line, obs-text in values", () => {
  const r = req("POST /x HTTP/1.0\nA: caf\xe9 \x80\n");
  assert.equal(r.httpVersion, "HTTP/1.0");
  assert.deepEqual(r.headers, [["A", "caf\xe9 \x80"]]);
  assert.equal(req("GET / HTTP/1.1").headers.length, 0);
  assert.equal(req("GET / HTTP/1.1\r\n").headers.length, 0);
});

Deno.test("absolute-form targets", () => {
  const a = req("GET http://example.com/a?b HTTP/1.1\r\n\r\n");
  assert.deepEqual(
    [a.form, a.scheme, a.authority, a.host, a.port, a.path],
    ["absolute", "http", "example.com", "example.com", 80, "/a?b"],
  );
  const b = req("GET HTTPS://Example.com:8443 HTTP/1.1\r\n\r\n");
  assert.deepEqual(
    [b.scheme, b.authority, b.host, b.port, b.path],
    ["https", "Example.com:8443", "Example.com", 8443, "/"],
  );
  const c = req("GET https://[2001:db8::1]?x=1 HTTP/1.1\r\n\r\n");
  assert.deepEqual([c.host, c.port, c.path], ["2001:db8::1", 443, "/?x=1"]);
  const d = req("GET http://h:/ HTTP/1.1\r\n\r\n");
  assert.deepEqual([d.host, d.port], ["h", 80]);
  const e = req("GET http://[::1]:8080/p HTTP/1.1\r\n\r\n");
  assert.deepEqual([e.authority, e.host, e.port, e.path], ["[::1]:8080", "::1", 8080, "/p"]);
  const f = req("GET http://1.2.3.4/caf\xc3\xa9 HTTP/1.1\r\n\r\n");
  assert.equal(f.path, "/caf\xc3\xa9");
});

Deno.test("authority-form targets only for CONNECT", () => {
  const a = req("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  assert.deepEqual(
    [a.form, a.scheme, a.authority, a.host, a.port, a.path],
    ["authority", "", "example.com:443", "example.com", 443, ""],
  );
  const b = req("CONNECT [::1]:8443 HTTP/1.1\r\n\r\n");
  assert.deepEqual([b.host, b.port], ["::1", 8443]);
  for (
    const bad of [
      "example.com",
      "example.com:",
      "example.com:0",
      "example.com:65536",
      "example.com:123456",
      "example.com:44a",
      "example.com:-1",
      ":443",
      "[::1]",
      "[::1",
      "[::1]x:443",
      "[zz]:443",
      "user@example.com:443",
      "/path",
      "http://example.com:443",
      "a:b:443",
    ]
  ) {
    assert.match(reqError(`CONNECT ${bad} HTTP/1.1\r\n\r\n`), /CONNECT target/, bad);
  }
  reqError("GET example.com:443 HTTP/1.1\r\n\r\n");
  reqError("connect example.com:443 HTTP/1.1\r\n\r\n");
});

Deno.test("asterisk-form only for OPTIONS", () => {
  const r = req("OPTIONS * HTTP/1.1\r\n\r\n");
  assert.deepEqual([r.form, r.path, r.host, r.port], ["asterisk", "*", "", 0]);
  assert.match(reqError("GET * HTTP/1.1\r\n\r\n"), /only allowed for OPTIONS/);
});

Deno.test("bad absolute-form targets", () => {
  assert.match(reqError("GET ftp://example.com/ HTTP/1.1\r\n\r\n"), /Unsupported scheme/);
  assert.match(reqError("GET http://u:p@example.com/ HTTP/1.1\r\n\r\n"), /userinfo/);
  assert.match(reqError("GET http:///x HTTP/1.1\r\n\r\n"), /empty host/);
  assert.match(reqError("GET http://a:99999/ HTTP/1.1\r\n\r\n"), /bad port/);
  assert.match(reqError("GET http://a<b/ HTTP/1.1\r\n\r\n"), /bad host/);
  assert.match(reqError("GET ://a/ HTTP/1.1\r\n\r\n"), /Bad request target/);
  assert.match(reqError("GET foo HTTP/1.1\r\n\r\n"), /Bad request target/);
});

Deno.test("versions: other well-formed versions are 505, garbage is 400", () => {
  assert.match(reqError("GET / HTTP/2.0\r\n\r\n", 505), /Unsupported HTTP version/);
  reqError("GET / HTTP/1.2\r\n\r\n", 505);
  reqError("GET / HTTP/0.9\r\n\r\n", 505);
  for (const v of ["http/1.1", "HTTP/1.1x", "HTTP/11", "HTTP/1.", "HTTP/10.0", "HTTP/1.1 "]) {
    assert.match(reqError(`GET / ${v}\r\n\r\n`), /invalid HTTP version/, v);
  }
});

Deno.test("bad request lines quote the offending bytes", () => {
  assert.equal(
    reqError("GARBAGE\x00 / HTTP/1.1\r\n\r\n"),
    'Bad HTTP request line (invalid method): "GARBAGE\\x00 / HTTP/1.1"',
  );
  assert.equal(reqError("GET\r\n\r\n"), 'Bad HTTP request line: "GET"');
  assert.equal(reqError("GET /\r\n\r\n"), 'Bad HTTP request line: "GET /"');
  assert.match(reqError("GET  / HTTP/1.1\r\n\r\n"), /invalid request target/);
  assert.match(reqError("GET /\x01 HTTP/1.1\r\n\r\n"), /invalid request target/);
  assert.match(reqError("GET /\x7f HTTP/1.1\r\n\r\n"), /invalid request target/);
  assert.match(reqError("G(T / HTTP/1.1\r\n\r\n"), /invalid method/);
  assert.match(reqError(" GET / HTTP/1.1\r\n\r\n"), /invalid method/);
  const long = reqError("\x16\x03\x01" + "x".repeat(500) + "\r\n\r\n");
  assert.ok(long.length < 120, long);
  assert.ok(long.endsWith('..."'), long);
  assert.ok(long.includes("\\x16\\x03\\x01"), long);
});

Deno.test("bad header lines", () => {
  assert.match(reqError("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), /Whitespace before colon/);
  assert.match(reqError("GET / HTTP/1.1\r\nA: b\r\n  folded\r\n\r\n"), /Obsolete line folding/);
  assert.match(reqError("GET / HTTP/1.1\r\nA: b\r\n\tfolded\r\n\r\n"), /Obsolete line folding/);
  assert.match(reqError("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), /Missing colon/);
  assert.match(reqError("GET / HTTP/1.1\r\n: v\r\n\r\n"), /Empty field name/);
  assert.match(reqError("GET / HTTP/1.1\r\nA(b: v\r\n\r\n"), /Invalid character in field name/);
  assert.match(reqError("GET / HTTP/1.1\r\nA\r: v\r\n\r\n"), /Bare CR/);
  assert.match(
    reqError("GET / HTTP/1.1\r\nA: b\x00c\r\n\r\n"),
    /Invalid character in header value/,
  );
  assert.match(reqError("GET / HTTP/1.1\r\nA: b\rc\r\n\r\n"), /Invalid character in header value/);
  assert.match(reqError("GET / HTTP/1.1\r\nA: b\x7f\r\n\r\n"), /Invalid character in header value/);
  assert.match(reqError("GET / HTTP/1.1\r\n\r\nA: b\r\n"), /Unexpected data after the header/);
  assert.match(reqError("\rGET / HTTP/1.1\r\n\r\n"), /invalid method/);
});

Deno.test("limits: too many headers and too large heads are 431", () => {
  const limits = { maxHeadSize: 1000, maxHeaderCount: 3 };
  const three = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  assertOk(parseRequestHead(enc(three), limits));
  const four = "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n";
  const e = parseRequestHead(enc(four), limits);
  assertParseError(e, 431);
  assert.match(e.error, /Too many header fields/);
  assertParseError(parseRequestHead(enc(three), { maxHeadSize: 10, maxHeaderCount: 9 }), 431);
  assertParseError(
    parseResponseHead(enc("HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n"), limits),
    431,
  );
  const many = "GET / HTTP/1.1\r\n" + "A: b\r\n".repeat(201) + "\r\n";
  assertParseError(parseRequestHead(enc(many)), 431);
  assertParseError(parseRequestHead(new Uint8Array(0)), 400);
});

Deno.test("response heads", () => {
  assert.deepEqual(parseResponseHead(enc("HTTP/1.1 200 OK\r\nA: b\r\n\r\n")), {
    httpVersion: "HTTP/1.1",
    statusCode: 200,
    reason: "OK",
    headers: [["A", "b"]],
  });
  const r = parseResponseHead(enc("HTTP/1.0 404 Not  Found \xe9\r\n\r\n"));
  assertOk(r);
  assert.deepEqual([r.httpVersion, r.statusCode, r.reason], ["HTTP/1.0", 404, "Not  Found \xe9"]);
  for (const line of ["HTTP/1.1 200", "HTTP/1.1 200 "]) {
    const e = parseResponseHead(enc(line + "\r\n\r\n"));
    assertOk(e);
    assert.deepEqual([e.statusCode, e.reason], [200, ""]);
  }
  const c = parseResponseHead(enc("HTTP/1.1 999 Whatever\n\n"));
  assertOk(c);
  assert.equal(c.statusCode, 999);
});

Deno.test("bad response heads", () => {
  for (const code of ["20", "2000", "abc", "099", "2x0", "", " 200"]) {
    assert.match(resError(`HTTP/1.1 ${code} OK\r\n\r\n`), /invalid status code/, code);
  }
  assert.match(resError("HTTP/1.1 200 O\x00K\r\n\r\n"), /invalid reason phrase/);
  assert.match(resError("HTTP/2 200 OK\r\n\r\n"), /invalid HTTP version/);
  assert.match(resError("HTTP/2.0 200 OK\r\n\r\n", 505), /Unsupported HTTP version/);
  assert.match(resError("HTTP/1.1\r\n\r\n"), /Bad HTTP response line/);
  assert.match(resError("SSH-2.0-OpenSSH\r\n\r\n"), /Bad HTTP response line/);
  assert.match(resError("HTTP/1.1 200 OK\r\nA : b\r\n\r\n"), /Whitespace before colon/);
  resError("");
});

Deno.test("property: generated valid requests parse back to their parts", () => {
  const targetArb = fc.oneof(
    pathArb.map((p) => ({ method: "GET", target: p, host: "", port: 0, path: p })),
    fc.tuple(hostArb, fc.integer({ min: 1, max: 65535 }), pathArb).map(([h, port, p]) => ({
      method: "POST",
      target: `http://${bracket(h)}:${port}${p}`,
      host: h,
      port,
      path: p,
    })),
    fc.tuple(hostArb, fc.integer({ min: 1, max: 65535 })).map(([h, port]) => ({
      method: "CONNECT",
      target: `${bracket(h)}:${port}`,
      host: h,
      port,
      path: "",
    })),
  );
  fc.assert(
    fc.property(targetArb, tokenArb, headersArb, fc.constantFrom("\r\n", "\n"), (t, m, hs, eol) => {
      const method = t.method === "GET" ? m : t.method;
      const text = `${method} ${t.target} HTTP/1.1${eol}${headerText(hs, eol, "\t ")}${eol}`;
      const r = parseRequestHead(enc(text));
      assertOk(r);
      assert.deepEqual(
        [r.method, r.target, r.host, r.port, r.path, r.headers],
        [method, t.target, t.host, t.port, t.path, hs],
      );
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: mutated heads give a value or a ParseError, never an exception", () => {
  const base = enc(
    "GET http://example.com:8080/a?b HTTP/1.1\r\nHost: example.com\r\nX-Y: z\r\n\r\n",
  );
  const mutation = fc.record({
    at: fc.nat(base.length - 1),
    byte: fc.integer({ min: 0, max: 255 }),
    op: fc.constantFrom("replace", "insert", "delete"),
  });
  fc.assert(
    fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (ms) => {
      let bytes = Array.from(base);
      for (const m of ms) {
        const at = Math.min(m.at, bytes.length);
        if (m.op === "replace") bytes[at] = m.byte;
        else if (m.op === "insert") bytes.splice(at, 0, m.byte);
        else bytes.splice(at, 1);
        bytes = bytes.filter((b) => b !== undefined);
      }
      const data = new Uint8Array(bytes);
      for (const r of [parseRequestHead(data), parseResponseHead(data)]) {
        if ("error" in r) assert.ok([400, 431, 505].includes(r.status), r.error);
      }
    }),
    { numRuns: 1000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (data) => {
      for (const r of [parseRequestHead(data), parseResponseHead(data)]) {
        if ("error" in r) assert.ok(r.error.length > 0);
      }
    }),
    { numRuns: 500 },
  );
});
