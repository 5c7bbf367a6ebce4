import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import * as zlib from "node:zlib";
import harValidator from "har-validator";
import { latin1Decode, utf8Encode } from "../../../codecs/bytes.ts";
import { encodeContent } from "../../../core/encoding/content_encoding.ts";
import { FlowError } from "../../../core/flow/flow.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { HttpFlow, Request, Response } from "../../../core/flow/http.ts";
import {
  flowsToHar,
  flowToHarEntry,
  harBodyText,
  harTimestamp,
  harToBytes,
  isMostlyBinary,
} from "../../../core/io/har_export.ts";
import { type HarImport, importHar, parseHarTimestamp } from "../../../core/io/har_import.ts";
import type { HarLog } from "../../../core/io/har_types.ts";
import { VERSION } from "../../../core/version.ts";
import { tflow, ttcpflow } from "../flow/tflow.ts";
import { HAR_FIXTURES, harFile } from "./har_fixtures.ts";

const validator = harValidator as { har(data: unknown): Promise<unknown> };

/** Validates against the HAR 1.2 JSON schema (har-schema via har-validator). */
async function assertValidHar(har: HarLog): Promise<void> {
  // Through JSON text, as a reader would see it.
  const doc = JSON.parse(new TextDecoder().decode(harToBytes(har)));
  try {
    await validator.har(doc);
  } catch (e) {
    const errors = (e as { errors?: unknown }).errors;
    throw new Error(`invalid HAR: ${JSON.stringify(errors, null, 1)}`);
  }
}

function reimport(har: HarLog): HarImport {
  const r = importHar(harToBytes(har));
  if ("error" in r) throw new Error(r.error);
  deepStrictEqual(r.warnings, []);
  return r;
}

function flow(
  method: string,
  url: string,
  opts: {
    reqBody?: Uint8Array | string;
    reqHeaders?: [string, string][];
    status?: number;
    respBody?: Uint8Array | string;
    respHeaders?: [string, string][];
  } = {},
): HttpFlow {
  const f = tflow();
  f.request = Request.make(method, url, opts.reqBody ?? "", opts.reqHeaders ?? [], 1700000000.5);
  if (opts.status !== undefined) {
    f.response = Response.make(
      opts.status,
      opts.respBody ?? "",
      opts.respHeaders ?? [],
      1700000001,
    );
  }
  return f;
}

Deno.test("log: version 1.2, creator mitmdeno, no pages, HTTP flows only", () => {
  const har = flowsToHar([tflow({ resp: true }), ttcpflow(), tflow()]);
  strictEqual(har.log.version, "1.2");
  deepStrictEqual(har.log.creator, { name: "mitmdeno", version: VERSION, comment: "" });
  deepStrictEqual(har.log.pages, []);
  strictEqual(har.log.entries.length, 2);
});

Deno.test("entry fields of a complete flow", async () => {
  const f = tflow({ resp: true });
  f.request.headers.add("Cookie", "a=1; b=2");
  f.request.path = "/path?x=1&y=%C3%A9";
  const e = flowToHarEntry(f);
  strictEqual(e.startedDateTime, "1999-12-31T23:00:00.000000Z");
  strictEqual(parseHarTimestamp(e.startedDateTime), 946681200);
  deepStrictEqual(e.timings, { connect: 1000, ssl: 1000, send: 1000, wait: 1000, receive: 1000 });
  strictEqual(e.time, 5000);
  deepStrictEqual(e.cache, {});
  strictEqual(e.serverIPAddress, "192.168.0.1");
  deepStrictEqual(e.request, {
    method: "GET",
    url: "http://address:22/path?x=1&y=%C3%A9",
    httpVersion: "HTTP/1.1",
    cookies: [{ name: "a", value: "1" }, { name: "b", value: "2" }],
    headers: [
      { name: "header", value: "qvalue" },
      { name: "content-length", value: "7" },
      { name: "Cookie", value: "a=1; b=2" },
    ],
    queryString: [{ name: "x", value: "1" }, { name: "y", value: "é" }],
    headersSize: f.request.headers.toString().length,
    bodySize: 7,
    postData: { mimeType: "", text: "content", params: [] },
  });
  deepStrictEqual(e.response, {
    status: 200,
    statusText: "OK",
    httpVersion: "HTTP/1.1",
    cookies: [],
    headers: [{ name: "header-response", value: "svalue" }, { name: "content-length", value: "7" }],
    content: { size: 7, compression: 0, mimeType: "", text: "message" },
    redirectURL: "",
    headersSize: 44,
    bodySize: 7,
  });
  await assertValidHar(flowsToHar([f]));
});

Deno.test("timings: connect and ssl only on the first use of a server connection", () => {
  const a = tflow({ resp: true });
  const b = tflow({ resp: true });
  b.server_conn.id = a.server_conn.id;
  const c = tflow({ resp: true });
  c.server_conn.timestamp_tls_setup = null;
  const d = tflow();
  d.server_conn.timestamp_tcp_setup = null;
  d.request.timestamp_end = null;
  const [ea, eb, ec, ed] = flowsToHar([a, b, c, d]).log.entries;
  deepStrictEqual([ea.timings.connect, ea.timings.ssl], [1000, 1000]);
  deepStrictEqual([eb.timings.connect, eb.timings.ssl], [-1, -1]);
  strictEqual(eb.time, 3000, "-1 is not summed");
  deepStrictEqual([ec.timings.connect, ec.timings.ssl], [1000, -1]);
  deepStrictEqual(ed.timings, { connect: -1, ssl: -1, send: 0, wait: 0, receive: 0 });
  strictEqual(ed.time, 0);
  const odd = tflow({ resp: true });
  odd.response!.timestamp_start = odd.request.timestamp_start;
  strictEqual(flowToHarEntry(odd).timings.wait, 0, "never negative");
});

Deno.test("flows without a response: status 0 and _error", async () => {
  const failed = tflow({ err: true });
  const pending = tflow();
  const [a, b] = flowsToHar([failed, pending]).log.entries;
  deepStrictEqual(a.response, {
    status: 0,
    statusText: "",
    httpVersion: "",
    cookies: [],
    headers: [],
    content: { size: 0, mimeType: "x-unknown" },
    redirectURL: "",
    headersSize: -1,
    bodySize: -1,
    _transferSize: 0,
    _error: "error",
  });
  strictEqual(b.response._error, null);
  strictEqual(b.timings.wait, 0);
  await assertValidHar(flowsToHar([failed, pending]));
  const back = reimport(flowsToHar([failed]));
  strictEqual(back.flows[0].response!.status_code, 0);
  strictEqual(back.flows[0].request.url, failed.request.url);
});

Deno.test("WebSocket flows carry Chrome's _webSocketMessages", async () => {
  const f = tflow({ resp: true, ws: true });
  const e = flowToHarEntry(f);
  strictEqual(e._resourceType, "websocket");
  deepStrictEqual(e._webSocketMessages, [
    { type: "send", time: 946681203, opcode: 2, data: btoa("hello binary") },
    { type: "send", time: 946681204, opcode: 1, data: "hello text" },
    { type: "receive", time: 946681205, opcode: 1, data: "it's me" },
  ]);
  strictEqual(flowToHarEntry(tflow({ resp: true }))._resourceType, undefined);
  await assertValidHar(flowsToHar([f]));
});

Deno.test("binary and undecodable bodies are base64; text stays text", async () => {
  const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 0xff, 0xfe, 1, 2);
  const f = flow("GET", "https://example.com/i.png", {
    status: 200,
    respBody: png,
    respHeaders: [["content-type", "image/png"]],
  });
  const e = flowToHarEntry(f);
  deepStrictEqual(e.response.content, {
    size: png.length,
    compression: 0,
    mimeType: "image/png",
    text: btoa(String.fromCharCode(...png)),
    encoding: "base64",
  });
  // Mostly text, but not valid UTF-8 for a JSON body: base64 so it reads back unchanged.
  const broken = Uint8Array.of(...utf8Encode('{"a": "'), 0xff, ...utf8Encode('"}'));
  const g = flow("GET", "https://example.com/j", {
    status: 200,
    respBody: broken,
    respHeaders: [["content-type", "application/json"]],
  });
  strictEqual(flowToHarEntry(g).response.content.encoding, "base64");
  const back = reimport(flowsToHar([f, g]));
  deepStrictEqual(back.flows[0].response!.raw_content, png);
  deepStrictEqual(back.flows[1].response!.raw_content, broken);
  await assertValidHar(flowsToHar([f, g]));
});

Deno.test("harBodyText: is_mostly_bin, charsets, and the read-back check", () => {
  strictEqual(isMostlyBinary(new Uint8Array(0)), false);
  strictEqual(isMostlyBinary(utf8Encode("plain\ttext\r\n")), false);
  strictEqual(isMostlyBinary(Uint8Array.of(0, 1, 2, 65)), true);
  const cafe = Uint8Array.of(...utf8Encode("caf"), 0xe9, ...utf8Encode(" au lait"));
  deepStrictEqual(harBodyText(cafe, "text/plain; charset=latin-1"), { text: "café au lait" });
  strictEqual(harBodyText(Uint8Array.of(0xe9), "text/plain; charset=latin-1").encoding, "base64");
  deepStrictEqual(harBodyText(utf8Encode("<p>é</p>"), "text/html"), { text: "<p>é</p>" });
  // A <meta charset> the importer cannot see: text would not read back, so base64.
  const sjis = Uint8Array.of(...utf8Encode('<meta charset="shift_jis">'), 0x82, 0xa0);
  deepStrictEqual(harBodyText(sjis, "text/html").encoding, "base64");
  deepStrictEqual(harBodyText(new Uint8Array(0), "image/png"), { text: "" });
});

Deno.test("compressed responses: content is decoded, sizes say what was saved", () => {
  const body = utf8Encode("hello hello hello hello hello hello hello hello");
  const f = flow("GET", "https://example.com/", {
    status: 200,
    respHeaders: [["content-encoding", "gzip"], ["content-type", "text/plain; charset=utf-8"]],
  });
  f.response!.raw_content = encodeContent(body, "gzip");
  const e = flowToHarEntry(f);
  strictEqual(e.response.content.text, new TextDecoder().decode(body));
  strictEqual(e.response.content.size, body.length);
  strictEqual(e.response.bodySize, f.response!.raw_content.length);
  strictEqual(e.response.content.compression, body.length - f.response!.raw_content.length);
  const back = reimport(flowsToHar([f])).flows[0].response!;
  deepStrictEqual(back.raw_content, body);
  strictEqual(back.headers.has("content-encoding"), false);
  // A body that does not decode is exported as it is.
  f.response!.raw_content = Uint8Array.of(1, 2, 3);
  strictEqual(flowToHarEntry(f).response.content.text, "AQID");
});

Deno.test("postData for POST, PUT and PATCH only: mimeType, text, form params", async () => {
  const form = flow("POST", "https://example.com/f", {
    reqBody: "a=1&b=%C3%A9",
    reqHeaders: [["content-type", "application/x-www-form-urlencoded"]],
    status: 201,
  });
  deepStrictEqual(flowToHarEntry(form).request.postData, {
    mimeType: "application/x-www-form-urlencoded",
    text: "a=1&b=%C3%A9",
    params: [{ name: "a", value: "1" }, { name: "b", value: "é" }],
  });
  const bin = flow("PUT", "https://example.com/u", { reqBody: Uint8Array.of(0, 255, 1) });
  deepStrictEqual(flowToHarEntry(bin).request.postData, {
    mimeType: "",
    text: "AP8B",
    params: [],
    encoding: "base64",
  });
  strictEqual(flowToHarEntry(flow("GET", "https://example.com/")).request.postData, undefined);
  strictEqual(flowToHarEntry(tflow()).request.postData?.text, "content", "GET with a body");
  strictEqual(flowToHarEntry(flow("PATCH", "https://x.org/")).request.postData?.text, "");
  const back = reimport(flowsToHar([form, bin])).flows;
  deepStrictEqual(back[0].request.raw_content, form.request.raw_content);
  deepStrictEqual(back[1].request.raw_content, Uint8Array.of(0, 255, 1));
  await assertValidHar(flowsToHar([form, bin]));
});

Deno.test("CONNECT requests export as https://authority/", () => {
  const f = tflow();
  f.request.method = "CONNECT";
  f.request.authority = "example.com:443";
  f.request.path = "";
  strictEqual(flowToHarEntry(f).request.url, "https://example.com:443/");
});

Deno.test("response cookies: path default, domain, flags, sameSite, expires", async () => {
  const f = flow("GET", "https://example.com/", {
    status: 200,
    respHeaders: [
      ["Set-Cookie", "sid=abc; Path=/app; Domain=example.com; HttpOnly; Secure; SameSite=Lax"],
      ["set-cookie", "plain=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT"],
      ["Location", "/next"],
    ],
  });
  const e = flowToHarEntry(f);
  deepStrictEqual(e.response.cookies, [
    {
      name: "sid",
      value: "abc",
      path: "/app",
      domain: "example.com",
      httpOnly: true,
      secure: true,
      sameSite: "Lax",
    },
    {
      name: "plain",
      value: "1",
      path: "/",
      domain: "",
      httpOnly: false,
      secure: false,
      expires: "2015-10-21T07:28:00.000Z",
    },
  ]);
  strictEqual(e.response.redirectURL, "/next");
  await assertValidHar(flowsToHar([f]));
});

Deno.test("serverIPAddress: peer IP, else an IP address, else none", () => {
  const f = tflow({ resp: true });
  f.server_conn.peername = null;
  strictEqual(flowToHarEntry(f).serverIPAddress, undefined, '"address" is a hostname');
  f.server_conn.address = ["10.1.2.3", 443];
  strictEqual(flowToHarEntry(f).serverIPAddress, "10.1.2.3");
});

Deno.test("non-UTF-8 header bytes survive export and import (surrogateescape)", () => {
  const f = flow("GET", "https://example.com/", {
    reqHeaders: [["x-raw", latin1Decode(Uint8Array.of(0x61, 0xff))]],
    status: 200,
  });
  const back = reimport(flowsToHar([f])).flows[0];
  strictEqual(back.request.headers.get("x-raw"), f.request.headers.get("x-raw"));
});

Deno.test("startedDateTime keeps microseconds and reads back exactly", () => {
  for (const ts of [0, 946684800, 1700000000.5, 1702398196.067544, 1689428246.093]) {
    strictEqual(parseHarTimestamp(harTimestamp(ts)), ts, String(ts));
  }
  strictEqual(harTimestamp(1702398196.067544), "2023-12-12T16:23:16.067544Z");
  strictEqual(harTimestamp(1.9999999), "1970-01-01T00:00:02.000000Z");
});

Deno.test("round trip: export -> import keeps method, URL, status, headers and bodies", () => {
  const flows = [
    tflow({ resp: true }),
    flow("POST", "https://example.com:8443/api?q=1", {
      reqBody: '{"x": "ü"}',
      reqHeaders: [["content-type", "application/json"]],
      status: 418,
      respBody: "short and stout",
      respHeaders: [["content-type", "text/plain; charset=utf-8"], ["x-multi", "1"], [
        "x-multi",
        "2",
      ]],
    }),
    flow("DELETE", "http://[::1]:8080/x", { status: 204 }),
  ];
  const back = reimport(flowsToHar(flows)).flows;
  strictEqual(back.length, flows.length);
  back.forEach((b, i) => {
    const f = flows[i];
    strictEqual(b.request.method, f.request.method);
    strictEqual(b.request.url, f.request.url);
    deepStrictEqual(b.request.raw_content, f.request.raw_content);
    deepStrictEqual(b.request.headers.fields, f.request.headers.fields);
    strictEqual(b.response!.status_code, f.response!.status_code);
    strictEqual(b.response!.reason, f.response!.reason);
    deepStrictEqual(b.response!.raw_content, f.response!.raw_content);
    deepStrictEqual(b.response!.headers.fields, f.response!.headers.fields);
    strictEqual(b.request.timestamp_start, f.request.timestamp_start);
  });
  deepStrictEqual(back[0].server_conn.address, ["192.168.0.1", 80]);
});

for (const name of HAR_FIXTURES) {
  Deno.test(`round trip: ${name}.har -> flows -> valid HAR -> same flows`, async () => {
    const first = importHar(await Deno.readFile(harFile(`${name}.har`))) as HarImport;
    const har = flowsToHar(first.flows);
    await assertValidHar(har);
    const again = reimport(har).flows;
    strictEqual(again.length, first.flows.length);
    again.forEach((b, i) => {
      const a = first.flows[i];
      deepStrictEqual(
        [b.request.method, b.request.pretty_url, b.response!.status_code, b.response!.reason],
        [a.request.method, a.request.pretty_url, a.response!.status_code, a.response!.reason],
      );
      deepStrictEqual(b.request.raw_content, a.request.raw_content);
      deepStrictEqual(b.response!.raw_content, a.response!.raw_content);
      deepStrictEqual(b.response!.headers.fields, a.response!.headers.fields);
      strictEqual(b.request.timestamp_start, a.request.timestamp_start);
    });
  });
}

Deno.test("the schema validator does reject broken HAR (so passing means something)", async () => {
  const har = flowsToHar([tflow({ resp: true })]);
  const bad = JSON.parse(JSON.stringify(har));
  delete bad.log.entries[0].startedDateTime;
  await rejects(validator.har(bad));
  bad.log.entries[0].startedDateTime = "yesterday";
  await rejects(validator.har(bad));
  const noContent = JSON.parse(JSON.stringify(har));
  noContent.log.entries[0].response.content = {};
  await rejects(validator.har(noContent), "mitmproxy's content: {} would not pass");
});

Deno.test("harToBytes: indented UTF-8 JSON, or zlib level 9 for .zhar", () => {
  const har = flowsToHar([flow("GET", "https://example.com/ü", { status: 200, respBody: "ü" })]);
  const plain = harToBytes(har);
  deepStrictEqual(JSON.parse(new TextDecoder().decode(plain)), har);
  ok(new TextDecoder().decode(plain).startsWith('{\n  "log": {'));
  const packed = harToBytes(har, true);
  strictEqual(packed[0], 0x78);
  deepStrictEqual(new Uint8Array(zlib.inflateSync(packed)), plain);
});

Deno.test("flows made in tests with Headers objects export too", () => {
  const f = new HttpFlow(tflow().client_conn, tflow().server_conn, 0, tflow().request);
  f.response = Response.make(200, "x", new Headers([["a", "b"]]), 1);
  f.error = new FlowError("late", 2);
  strictEqual(flowToHarEntry(f).response.status, 200);
});
