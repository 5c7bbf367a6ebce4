/** One test per operator on HTTP flows (mitmproxy's TestMatchingHTTPFlow and more). Other flow
 * kinds are in operators_flows_test.ts. */

import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { parseFilter } from "../../../core/flowfilter/filter.ts";
import type { FilterableFlow } from "../../../core/flowfilter/filterable.ts";
import { tflow } from "../flow/tflow.ts";

const enc = (s: string) => new TextEncoder().encode(s);

function q(expr: string, flow: FilterableFlow, caseSensitive = false): boolean {
  return parseFilter(expr, { caseSensitive }).match(flow);
}

/** Asserts which of `exprs` match `flow`. */
function matches(flow: FilterableFlow, yes: string[], no: string[], caseSensitive = false) {
  deepStrictEqual(
    {
      yes: yes.filter((e) => !q(e, flow, caseSensitive)),
      no: no.filter((e) => q(e, flow, caseSensitive)),
    },
    { yes: [], no: [] },
  );
}

Deno.test("~all matches every flow", () => {
  matches(tflow(), ["~all"], []);
  matches(tflow({ resp: true, err: true }), ["~all"], ["!~all"]);
});

Deno.test("~a: response content type is an asset type (case-sensitive)", () => {
  const s = tflow({ resp: true });
  matches(s, [], ["~a"]);
  for (const ct of ["text/javascript", "application/x-javascript", "text/css; charset=utf8"]) {
    s.response!.headers.set("content-type", ct);
    ok(q("~a", s), ct);
  }
  for (const ct of ["image/png", "font/woff2", "application/font-woff"]) {
    s.response!.headers.set("Content-Type", ct);
    ok(q("~a", s), ct);
  }
  for (const ct of ["text/html", "TEXT/CSS", "application/json"]) {
    s.response!.headers.set("content-type", ct);
    ok(!q("~a", s), ct);
  }
  const req = tflow();
  req.request.headers.set("content-type", "text/css");
  ok(!q("~a", req), "only the response counts");
});

Deno.test("~b: decoded request or response body, DOTALL, case-insensitive", () => {
  const f = tflow();
  const s = tflow({ resp: true });
  matches(f, ["~b content", "~b CONTENT", "~b ^content$", "~b con.ent"], ["~b nonexistent"]);
  matches(s, ["~b message", "~b content"], ["~b nomatch"]);
  s.response!.content = enc("line1\nline2");
  // DOTALL but not MULTILINE: `$` and `^` are the ends of the whole body.
  matches(s, ["~b 'line1.line2'", "~b 'line2$'"], ["~b 'line1$'", "~b '^line2'"]);
});

Deno.test("~b: content-encoded bodies are decoded, undecodable ones searched raw", () => {
  const s = tflow({ resp: true });
  s.request.encode("gzip");
  s.response!.encode("gzip");
  ok(s.request.raw_content![0] === 0x1f, "gzip magic");
  matches(s, ["~bq content", "~bs message", "~b content"], ["~bq message"]);
  const broken = tflow();
  broken.request.headers.set("content-encoding", "gzip");
  ok(q("~b content", broken), "raw body when gzip fails");
});

Deno.test("~b: arbitrary bytes and UTF-8 patterns", () => {
  const s = tflow({ resp: true });
  for (const text of ["яч", "测试", "ॐ", "لله", "θεός", "לוהים", "神", "하나님", "Äÿ"]) {
    s.response!.content = enc(text);
    ok(q(`~bs ${text}`, s), text);
  }
  s.response!.content = new Uint8Array([0x00, 0xc4, 0xff, 0x80]);
  matches(s, ['~bs "\\\\xc4\\\\xff"', '~bs "\\\\x00"', '~bs "\\\\x80$"'], ['~bs "\\\\xc3"']);
  s.response!.content = null;
  matches(s, [], ["~bs ''", "~bs message"]);
});

Deno.test("~bq and ~bs pick a side", () => {
  const f = tflow();
  const s = tflow({ resp: true });
  matches(f, ["~bq content"], ["~bs content", "~bs message", "~bq message"]);
  matches(s, ["~bq content", "~bs message"], ["~bq nomatch", "~bq message", "~bs content"]);
});

Deno.test("~c: response status code", () => {
  matches(tflow(), [], ["~c 200"]);
  matches(tflow({ resp: true }), ["~c 200", "~c 0200"], ["~c 201", "~c 20"]);
});

Deno.test("~comment: MULTILINE over the flow comment", () => {
  const f = tflow();
  matches(f, [], ["~comment ."]);
  f.comment = "first\nSecond line";
  matches(f, ["~comment .", "~comment ^second", "~comment 'first$'"], ["~comment ^line"]);
});

Deno.test("~d: request host or pretty host", () => {
  const f = tflow();
  matches(f, ["~d address", "~d ADDRESS", "~d ^addr"], ["~d none"]);
  f.request.headers.set("Host", "example.org:8080");
  matches(f, ["~d address", "~d example.org", "~d org$"], ["~d 8080"]);
});

Deno.test("~dst: server address as host:port", () => {
  const f = tflow();
  matches(f, ["~dst address", "~dst :22", "~dst address:22", "~dst ^address:22$"], [
    "~dst foobar",
    "~dst :99",
  ]);
  f.server_conn.address = null;
  matches(f, [], ["~dst address", "~dst ''"]);
});

Deno.test("~e: flow error", () => {
  matches(tflow({ err: true }), ["~e"], []);
  matches(tflow(), [], ["~e"]);
});

Deno.test("~h, ~hq, ~hs: the `Name: value\\r\\n` header blocks, MULTILINE", () => {
  const f = tflow();
  const s = tflow({ resp: true });
  matches(f, ["~h qvalue", "~h header", "~h 'header: qvalue'", "~hq 'header: qvalue'"], [
    "~h nonexistent",
    "~hq 'header-request: svalue'",
    "~hs 'header: qvalue'",
  ]);
  matches(s, ["~h 'header: qvalue'", "~h 'header-response: svalue'", "~hq 'header: qvalue'"], [
    "~hq 'header-response: svalue'",
    "~hs 'header: qvalue'",
  ]);
  matches(s, ["~hs 'header-response: svalue'", "~h '^content-length: 7'"], []);
  // Python's MULTILINE `$` is before "\n" only: the "\r" of "\r\n" has to be matched.
  matches(f, ["~h '^header: qvalue\\r$'", "~h 'qvalue\\r?$'"], ["~h '^header: qvalue$'"]);
  f.request.headers.set("X-Bytes", "caf\xc3\xa9");
  ok(q("~hq 'X-Bytes: café'", f), "UTF-8 pattern against raw header bytes");
});

Deno.test("~http and ~websocket", () => {
  matches(tflow(), ["~http"], ["~tcp", "~udp", "~dns", "~websocket"]);
  matches(tflow({ resp: true }), ["~http"], ["~websocket"]);
  matches(tflow({ ws: true }), ["~http", "~websocket"], ["~tcp"]);
});

Deno.test("~m: request method", () => {
  const f = tflow();
  matches(f, ["~m get", "~m GET", "~m ^G"], ["~m post"]);
  matches(f, ["~m GET"], ["~m get"], true);
  f.request.method = "oink";
  matches(f, [], ["~m get"]);
});

Deno.test("~marked and ~marker", () => {
  const f = tflow();
  matches(f, [], ["~marked", "~marker X"]);
  f.marked = ":default:";
  matches(f, ["~marked", "~marker default", "~marker ^:default:$"], ["~marker X"]);
  f.marked = "X";
  matches(f, ["~marked", "~marker X"], []);
});

Deno.test("~meta: `key: value` lines with Python str() values", () => {
  const f = tflow();
  f.metadata = { a: 1, b: "string", c: { key: "value" }, d: [true, null, enc("x")] };
  matches(f, [
    "~meta a",
    "~meta string",
    "~meta key",
    "~meta value",
    '~meta "b: string"',
    "~meta \"'key': 'value'\"",
    "~meta '^d: \\\\[True, None, b.x.\\\\]$'",
    "~meta '^a: 1$'",
  ], ["~meta xyz", "~meta '^string'"]);
});

Deno.test("~q and ~s: request without response, has response", () => {
  matches(tflow(), ["~q"], ["~s"]);
  matches(tflow({ resp: true }), ["~s"], ["~q"]);
});

Deno.test("~replay, ~replayq, ~replays", () => {
  const f = tflow();
  matches(f, [], ["~replay", "~replayq", "~replays"]);
  f.is_replay = "request";
  matches(f, ["~replay", "~replayq"], ["~replays"]);
  f.is_replay = "response";
  matches(f, ["~replay", "~replays"], ["~replayq"]);
});

Deno.test("~src: client address as host:port", () => {
  const f = tflow();
  matches(f, ["~src 127.0.0.1", "~src :22", "~src 127.0.0.1:22"], ["~src foobar", "~src :99"]);
  f.client_conn.peername = null;
  matches(f, [], ["~src 127", "~src ''"]);
});

Deno.test("~t, ~tq, ~ts: content type of request, else response", () => {
  const f = tflow();
  const s = tflow({ resp: true });
  matches(f, [], ["~t content"]);
  matches(s, [], ["~t content"]);
  f.request.headers.set("content-type", "text/json");
  matches(f, ["~t json", "~tq json", "~t JSON"], ["~ts json"]);
  s.response!.headers.set("Content-Type", "text/json");
  matches(s, ["~t json", "~ts json"], ["~tq json"]);
  s.response!.headers.delete("content-type");
  s.request.headers.set("content-type", "text/json");
  matches(s, ["~t json", "~tq json"], ["~ts json"]);
  s.request.headers.add("Content-Type", "image/png");
  matches(s, ["~tq png", "~tq json"], ["~tq 'json.*png'"]);
});

Deno.test("~u and bare values: the pretty URL", () => {
  const f = tflow();
  const s = tflow({ resp: true });
  for (const flow of [f, s]) {
    matches(flow, ["~u address", "~u ADDRESS", "~u address:22/path", "address", "^http://"], [
      "~u moo/path",
      "moo",
    ]);
  }
  matches(f, ["~u address"], ["~u ADDRESS"], true);
  f.request.headers.set("Host", "example.com");
  matches(f, ["~u example.com/path", "~u ^http://example.com/path$"], ["~u address"]);
  const noRequest = { ...tflow(), type: "http", request: null } as unknown as FilterableFlow;
  equal(q("~u address", noRequest), false);
});

Deno.test("~u: a UTF-8 path is searched as text, like Python's str URL", () => {
  const f = tflow();
  f.request.path = "/caf\xc3\xa9/%20";
  matches(f, ["~u café/", "~u 'caf\\\\w/'", "~u é"], ["~u 'caf\\xc3'"]);
});

Deno.test("combinations (mitmproxy test_and/test_or/test_not)", () => {
  const s = tflow({ resp: true });
  matches(s, [
    "~c 200 & ~h head",
    "(~c 200 & ~h head) & ~b content",
    "~c 200 | ~h nohead",
    "~c 201 | ~h head",
    "(~c 201 | ~h nohead) | ~s",
    "! ~c 201",
    "!~c 201 !~c 202",
  ], [
    "~c 200 & ~h nohead",
    "(~c 200 & ~h head) & ~b nonexistent",
    "(~c 200 & ~h nohead) & ~b content",
    "~c 201 | ~h nohead",
    "! ~c 200",
    "!~c 201 !~c 200",
  ]);
});
