import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { latin1Decode, utf8Encode } from "../../../codecs/bytes.ts";
import type { Flow } from "../../../core/flow/flow.ts";
import type { HttpFlow } from "../../../core/flow/http.ts";
import { readFlows } from "../../../core/io/flow_reader.ts";
import {
  harEntryToFlow,
  type HarImport,
  importHar,
  parseHarTimestamp,
} from "../../../core/io/har_import.ts";
import { flowSummary, HAR_FIXTURES, harFile, headerPairs, pickLike } from "./har_fixtures.ts";

type Obj = Record<string, unknown>;

function entry(over: Obj = {}, request: Obj = {}, response: Obj = {}): Obj {
  return {
    startedDateTime: "2024-01-02T03:04:05.123456Z",
    time: 250,
    request: {
      method: "GET",
      url: "https://example.com/a?b=c",
      httpVersion: "HTTP/1.1",
      headers: [{ name: "Host", value: "example.com" }],
      ...request,
    },
    response: {
      status: 200,
      statusText: "OK",
      httpVersion: "HTTP/1.1",
      headers: [{ name: "content-type", value: "text/plain" }],
      content: { size: 5, mimeType: "text/plain", text: "hello" },
      ...response,
    },
    ...over,
  };
}

function har(...entries: unknown[]): Obj {
  return { log: { version: "1.2", creator: { name: "test", version: "1" }, entries } };
}

function load(doc: unknown): HarImport {
  const r = importHar(JSON.stringify(doc));
  if ("error" in r) throw new Error(r.error);
  return r;
}

function one(e: Obj): HttpFlow {
  const r = load(har(e));
  deepStrictEqual(r.warnings, []);
  strictEqual(r.flows.length, 1);
  return r.flows[0];
}

const dec = (b: Uint8Array | null | undefined) => new TextDecoder().decode(b ?? undefined);

for (const name of HAR_FIXTURES) {
  Deno.test(`fixture ${name}.har imports as mitmproxy does (${name}.json)`, async () => {
    const r = importHar(await Deno.readFile(harFile(`${name}.har`)));
    if ("error" in r) throw new Error(r.error);
    deepStrictEqual(r.warnings, []);
    const expected = JSON.parse(await Deno.readTextFile(harFile(`${name}.json`))) as unknown[];
    strictEqual(r.flows.length, expected.length);
    r.flows.forEach((f, i) => {
      const got = flowSummary(f);
      deepStrictEqual(got, pickLike(expected[i], got), `${name} flow ${i}`);
    });
  });

  Deno.test(`fixture ${name}.har loads through readFlows (-r)`, async () => {
    const flows: Flow[] = [];
    const warnings: string[] = [];
    for await (
      const f of readFlows(harFile(`${name}.har`), { onWarning: (w) => warnings.push(w) })
    ) {
      flows.push(f);
    }
    const direct = importHar(await Deno.readFile(harFile(`${name}.har`))) as HarImport;
    deepStrictEqual(warnings, []);
    deepStrictEqual(
      flows.map((f) => flowSummary(f as HttpFlow)),
      direct.flows.map((f) => flowSummary(f)),
    );
  });
}

Deno.test("with-bom.har really has a BOM and reads like postdata.har", async () => {
  const bytes = await Deno.readFile(harFile("with-bom.har"));
  deepStrictEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const a = importHar(bytes) as HarImport;
  const b = importHar(await Deno.readFile(harFile("postdata.har"))) as HarImport;
  deepStrictEqual(a.flows.map(flowSummary), b.flows.map(flowSummary));
  strictEqual(a.flows[0].request.getText(), b.flows[0].request.getText());
  ok(a.flows[0].request.raw_content!.length > 1000);
});

Deno.test("fixture details: base64 bodies, gzip re-encoding, HTTP versions, no address", async () => {
  const chrome = importHar(await Deno.readFile(harFile("chrome.har"))) as HarImport;
  const png = chrome.flows[2].response!;
  deepStrictEqual([...png.raw_content!.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  strictEqual(chrome.flows[0].request.http_version, "HTTP/2");
  strictEqual(chrome.flows[1].server_conn.address, null, 'serverIPAddress "" is no address');
  strictEqual(chrome.flows[1].response!.status_code, 0);
  const firefox = importHar(await Deno.readFile(harFile("firefox.har"))) as HarImport;
  const js = firefox.flows.find((f) => f.request.path === "/polyfills.js")!;
  strictEqual(js.response!.headers.has("content-encoding"), false, "decoded after re-encoding");
  strictEqual(js.response!.headers.get("content-length"), String(js.response!.raw_content!.length));
  strictEqual(firefox.flows[0].response!.http_version, "HTTP/3");
  const head = importHar(await Deno.readFile(harFile("head-content-length.har"))) as HarImport;
  strictEqual(head.flows[0].response!.headers.get("content-length"), "78258", "empty: kept");
  strictEqual(head.flows[0].response!.http_version, "HTTP/1.1", '"HTTP/2.0" is not mapped');
});

Deno.test("headers may be [name, value] pairs (Slack); numbers are text", () => {
  const f = one(entry({}, { headers: [["Host", "example.com"], ["x-n", 5]] }));
  deepStrictEqual(f.request.headers.fields.slice(0, 2), [["Host", "example.com"], ["x-n", "5"]]);
});

Deno.test("non-ASCII header text is stored as UTF-8 bytes", () => {
  const f = one(entry({}, { headers: [{ name: "x-name", value: "café" }] }));
  strictEqual(f.request.headers.get("x-name"), latin1Decode(utf8Encode("café")));
  deepStrictEqual(headerPairs(f.request.headers.fields)[0], ["x-name", "café"]);
});

Deno.test("request: method, URL parts, body from postData, timestamps, connections", () => {
  const f = one(entry({ serverIPAddress: "[2001:db8::1]" }, {
    method: "POST",
    url: "http://example.com:8080/p?q=1",
    headers: [{ name: "content-type", value: "application/json" }],
    postData: { mimeType: "application/json", text: '{"a":"é"}' },
  }));
  const q = f.request;
  deepStrictEqual([q.method, q.scheme, q.host, q.port, q.path], [
    "POST",
    "http",
    "example.com",
    8080,
    "/p?q=1",
  ]);
  strictEqual(dec(q.raw_content), '{"a":"é"}');
  strictEqual(q.headers.get("content-length"), String(q.raw_content!.length));
  strictEqual(q.timestamp_start, 1704164645.123456);
  strictEqual(q.timestamp_end, 1704164645.123456 + 0.25);
  strictEqual(f.response!.timestamp_start, q.timestamp_start);
  strictEqual(f.response!.timestamp_end, q.timestamp_end);
  deepStrictEqual(f.server_conn.address, ["2001:db8::1", 80], "http:// means port 80");
  deepStrictEqual(f.client_conn.peername, ["127.0.0.1", 0]);
  strictEqual(f.client_conn.timestamp_end, q.timestamp_end);
  strictEqual(f.timestamp_created, q.timestamp_start);
});

Deno.test("postData without text uses params; base64 postData (our extension) is bytes", () => {
  const form = one(entry({}, {
    method: "POST",
    postData: {
      mimeType: "application/x-www-form-urlencoded",
      params: [{ name: "a b", value: "1&2" }, { name: "c", value: "" }],
    },
  }));
  strictEqual(dec(form.request.raw_content), "a+b=1%262&c=");
  const bin = one(entry({}, {
    method: "PUT",
    postData: { mimeType: "application/octet-stream", text: "AAH/", encoding: "base64" },
  }));
  deepStrictEqual([...bin.request.raw_content!], [0, 1, 255]);
});

Deno.test("response body: base64, charset from Content-Type, UTF-8 fallback", () => {
  const bin = one(entry({}, {}, {
    headers: [],
    content: { size: 3, mimeType: "image/png", text: "AAH/", encoding: "base64" },
  }));
  deepStrictEqual([...bin.response!.raw_content!], [0, 1, 255]);
  strictEqual(bin.response!.headers.get("content-length"), "3");
  const latin = one(entry({}, {}, {
    headers: [{ name: "content-type", value: "text/plain; charset=iso-8859-1" }],
    content: { size: 1, mimeType: "text/plain", text: "é" },
  }));
  deepStrictEqual([...latin.response!.raw_content!], [0xe9]);
  const euro = one(entry({}, {}, {
    headers: [{ name: "content-type", value: "text/plain; charset=iso-8859-1" }],
    content: { size: 1, mimeType: "text/plain", text: "€" },
  }));
  deepStrictEqual([...euro.response!.raw_content!], [...utf8Encode("€")]);
  const none = one(entry({}, {}, { content: { size: 0, mimeType: "image/png" } }));
  strictEqual(none.response!.raw_content!.length, 0, "Firefox leaves out image bodies");
});

Deno.test("response Content-Encoding: text is re-encoded, then decoded; unknown is dropped", () => {
  const gz = one(entry({}, {}, {
    headers: [{ name: "content-encoding", value: "gzip" }, {
      name: "content-type",
      value: "text/html",
    }],
    content: { size: 4, mimeType: "text/html", text: "<p/>" },
  }));
  strictEqual(dec(gz.response!.raw_content), "<p/>");
  strictEqual(gz.response!.headers.has("content-encoding"), false);
  const odd = one(entry({}, {}, {
    headers: [{ name: "content-encoding", value: "x-custom" }],
    content: { size: 2, mimeType: "text/plain", text: "hi" },
  }));
  strictEqual(dec(odd.response!.raw_content), "hi");
  strictEqual(odd.response!.headers.has("content-encoding"), false);
  const zlibbed = one(entry({}, {}, {
    headers: [{ name: "content-encoding", value: "deflate" }],
    content: { size: 2, mimeType: "", text: btoa("hi"), encoding: "base64" },
  }));
  strictEqual(dec(zlibbed.response!.raw_content), "hi");
});

Deno.test("HTTP versions follow mitmproxy's table", () => {
  const cases: [string, string][] = [
    ["http/2.0", "HTTP/2"],
    ["HTTP/2", "HTTP/2"],
    ["HTTP/3", "HTTP/3"],
    ["HTTP/1.0", "HTTP/1.1"],
    ["HTTP/2.0", "HTTP/1.1"],
    ["", "HTTP/1.1"],
  ];
  for (const [har, ours] of cases) {
    const f = one(entry({}, { httpVersion: har }, { httpVersion: har }));
    deepStrictEqual([f.request.http_version, f.response!.http_version], [ours, ours], har);
  }
  const missing = one(entry({}, { httpVersion: undefined }, { httpVersion: undefined }));
  strictEqual(missing.request.http_version, "HTTP/1.1");
});

Deno.test("reason comes from the status table, statusText only when the table has none", () => {
  strictEqual(one(entry({}, {}, { status: 404, statusText: "" })).response!.reason, "Not Found");
  strictEqual(one(entry({}, {}, { status: 299, statusText: "Odd" })).response!.reason, "Odd");
  strictEqual(one(entry({}, {}, { status: 0, statusText: "" })).response!.reason, "");
});

Deno.test("timestamps: ISO 8601 with zones and microseconds; no zone is UTC", () => {
  strictEqual(parseHarTimestamp("2023-03-30T00:00:54.253Z"), 1680134454.253);
  strictEqual(parseHarTimestamp("2023-03-30T02:00:54.253+02:00"), 1680134454.253);
  strictEqual(parseHarTimestamp("2023-03-29T22:00:54.253-0200"), 1680134454.253);
  strictEqual(parseHarTimestamp("2023-12-12T16:23:16.067544+00:00"), 1702398196.067544);
  strictEqual(parseHarTimestamp("2023-12-12T16:23:16.0675449Z"), 1702398196.067544);
  strictEqual(parseHarTimestamp("2023-03-30T00:00:54"), 1680134454);
  strictEqual(parseHarTimestamp("2023-03-30 00:00"), 1680134400);
  strictEqual(parseHarTimestamp("Thu, 30 Mar 2023 00:00:54 GMT"), 1680134454);
  strictEqual(parseHarTimestamp("yesterday"), null);
  strictEqual(parseHarTimestamp("2023-13-30T00:00:54Z"), null);
});

Deno.test("broken files are errors for the whole file", () => {
  const cases: [string | Uint8Array, string][] = [
    ["not json", "not a HAR file: invalid JSON ("],
    ["[1, 2]", "not a HAR file: expected a JSON object, got a list"],
    ['"log"', "not a HAR file: expected a JSON object, got a string"],
    ["{}", "not a HAR file: missing log"],
    ['{"log": []}', "not a HAR file: log: expected an object, got a list"],
    ['{"log": {}}', "not a HAR file: missing log.entries"],
    ['{"log": {"entries": {}}}', "not a HAR file: log.entries: expected a list, got an object"],
    [Uint8Array.of(0x7b, 0xff, 0x7d), "not a HAR file: not valid UTF-8"],
  ];
  for (const [input, message] of cases) {
    const r = importHar(input);
    ok("error" in r, `${input}: ${JSON.stringify(r)}`);
    ok(r.error.startsWith(message), r.error);
  }
});

Deno.test("broken entries are skipped with a warning naming index and field", () => {
  const cases: [Obj | unknown, string][] = [
    [entry({}, { url: undefined }), "missing request.url"],
    [entry({}, { method: 5 }), "request.method: expected a string, got a number"],
    [entry({ request: undefined }), "missing request"],
    [entry({ request: "GET /" }), "request: expected an object, got a string"],
    [entry({ response: undefined }), "missing response"],
    [entry({}, {}, { status: "200" }), "response.status: expected a number, got a string"],
    [entry({}, {}, { status: 200.5 }), "response.status: expected an integer, got 200.5"],
    [entry({ startedDateTime: undefined }), "missing startedDateTime"],
    [entry({ startedDateTime: "soon" }), 'startedDateTime: cannot read "soon" as a date'],
    [entry({ time: "5" }), "time: expected a number, got a string"],
    [entry({}, { headers: {} }), "request.headers: expected a list, got an object"],
    [
      entry({}, { headers: [["x"]] }),
      "request.headers[0]: expected {name, value} or [name, value]",
    ],
    [entry({}, { headers: [{ name: "x" }] }), "missing request.headers[0].value"],
    [entry({}, {}, { headers: [null] }), "response.headers[0]: expected {name, value}"],
    [entry({}, {}, { content: [] }), "response.content: expected an object, got a list"],
    [entry({}, { postData: { text: 5 } }), "request.postData.text: expected a string"],
    [entry({}, { url: "/relative" }), 'invalid request.url "/relative": No hostname given'],
    [entry({}, { url: "http://exa mple.com/" }), 'invalid request.url "http://exa mple.com/"'],
    ["GET /", "expected an object, got a string"],
    [null, "expected an object, got null"],
  ];
  for (const [bad, problem] of cases) {
    const r = load(har(entry(), bad, entry({}, { url: "https://after.example/" })));
    deepStrictEqual(
      r.flows.map((f) => f.request.host),
      ["example.com", "after.example"],
      problem,
    );
    strictEqual(r.warnings.length, 1, problem);
    ok(r.warnings[0].startsWith(`HAR entry 1: ${problem}`), r.warnings[0]);
    ok(r.warnings[0].endsWith("(entry skipped)"), r.warnings[0]);
    const single = harEntryToFlow(bad, 7);
    ok("error" in single && single.error.startsWith(`HAR entry 7: ${problem}`));
  }
});

Deno.test("readFlows reports broken entries as warnings naming the file, keeps the rest", async () => {
  const path = await Deno.makeTempFile({ suffix: ".har" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(har(entry(), entry({}, { url: undefined }))));
    const warnings: string[] = [];
    const flows: Flow[] = [];
    for await (const f of readFlows(path, { onWarning: (w) => warnings.push(w) })) flows.push(f);
    strictEqual(flows.length, 1);
    deepStrictEqual(warnings, [`${path}: HAR entry 1: missing request.url (entry skipped)`]);
  } finally {
    await Deno.remove(path);
  }
});

const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 3 },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string(),
    fc.array(tie("value"), { maxLength: 3 }),
    fc.dictionary(fc.string(), tie("value"), { maxKeys: 3 }),
  ),
})).value;

/** Replaces the value at a random path of `doc` (or deletes it). */
function mutate(doc: unknown, path: number[], replacement: unknown, remove: boolean): unknown {
  if (path.length === 0 || typeof doc !== "object" || doc === null) return replacement;
  const keys = Object.keys(doc);
  if (keys.length === 0) return replacement;
  const key = keys[path[0] % keys.length];
  const copy: Record<string, unknown> = Array.isArray(doc) ? [...doc] as never : { ...doc };
  if (remove && path.length === 1) delete copy[key];
  else copy[key] = mutate(copy[key], path.slice(1), replacement, remove);
  return copy;
}

Deno.test("property: mutated HAR gives flows, warnings or an error, never an exception", () => {
  const base = har(
    entry({}, { method: "POST", postData: { mimeType: "text/plain", text: "x" } }),
    entry({ serverIPAddress: "10.0.0.1" }, {}, {
      headers: [["content-encoding", "gzip"]],
      content: { size: 1, mimeType: "x", text: "AA==", encoding: "base64" },
    }),
  );
  fc.assert(
    fc.property(
      fc.array(fc.nat(), { minLength: 1, maxLength: 7 }),
      json,
      fc.boolean(),
      (path, replacement, remove) => {
        const doc = mutate(base, path, replacement, remove) as { log: { entries: unknown[] } };
        const r = importHar(JSON.stringify(doc));
        if ("error" in r) ok(r.error.startsWith("not a HAR file: "));
        else strictEqual(r.flows.length + r.warnings.length, doc.log.entries.length);
      },
    ),
    { numRuns: 400 },
  );
});
