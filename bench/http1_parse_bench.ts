/** HTTP/1 codec micro-benchmarks: `deno bench bench/http1_parse_bench.ts`. */

import { latin1Encode } from "../codecs/bytes.ts";
import { assembleRequestHead, encodeChunk, encodeLastChunk } from "../codecs/http1/assemble.ts";
import { requestBodyFraming, responseBodyFraming } from "../codecs/http1/body_framing.ts";
import { createBodyReader } from "../codecs/http1/body_reader.ts";
import { HeadReader } from "../codecs/http1/head_reader.ts";
import { parseRequestHead, parseResponseHead } from "../codecs/http1/parse_head.ts";

const REQUEST_HEAD = "GET /api/v1/items?page=2&sort=desc HTTP/1.1\r\n" +
  "Host: www.example.com\r\n" +
  "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
  "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" +
  "Accept-Language: en-US,en;q=0.5\r\n" +
  "Accept-Encoding: gzip, deflate, br\r\n" +
  "Connection: keep-alive\r\n" +
  "Cookie: session=4f2a9c1e7b3d8a6f; theme=dark\r\n" +
  "Upgrade-Insecure-Requests: 1\r\n" +
  "\r\n";
const GET = latin1Encode(REQUEST_HEAD);
const POST = latin1Encode(
  REQUEST_HEAD.replace("GET", "POST").replace("\r\n\r\n", "\r\nContent-Length: 64\r\n\r\n") +
    "x".repeat(64),
);
const GET_SPLIT = [GET.slice(0, 100), GET.slice(100, 250), GET.slice(250)];

const RESPONSE_HEAD = latin1Encode(
  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n" +
    "Date: Mon, 01 Jan 2024 00:00:00 GMT\r\nServer: bench\r\n\r\n",
);
const chunks = [RESPONSE_HEAD];
for (let i = 0; i < 4; i++) chunks.push(encodeChunk(new Uint8Array(1024).fill(0x61)));
chunks.push(encodeLastChunk());
const CHUNKED_RESPONSE = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
{
  let o = 0;
  for (const c of chunks) {
    CHUNKED_RESPONSE.set(c, o);
    o += c.length;
  }
}

const reader = new HeadReader();
let sink = 0;

function request(data: Uint8Array): void {
  const r = reader.feed(data);
  if (r === null || "error" in r) throw new Error("bad bench input");
  const head = parseRequestHead(r.head);
  if ("error" in head) throw new Error(head.error);
  const framing = requestBodyFraming(head);
  if ("error" in framing) throw new Error(framing.error);
  const body = createBodyReader(framing);
  if (!body.done) {
    const b = body.feed(r.rest);
    if ("error" in b || !b.done) throw new Error("bad body");
    sink += b.data.length;
  }
  sink += head.headers.length;
}

Deno.bench(
  `request: ${GET.length}-byte GET head, one chunk`,
  { group: "req", baseline: true },
  () => {
    request(GET);
  },
);

Deno.bench(`request: ${POST.length}-byte POST with Content-Length body`, { group: "req" }, () => {
  request(POST);
});

Deno.bench(`request: ${GET.length}-byte GET head in 3 chunks`, { group: "req" }, () => {
  reader.feed(GET_SPLIT[0]);
  reader.feed(GET_SPLIT[1]);
  const r = reader.feed(GET_SPLIT[2]);
  if (r === null || "error" in r) throw new Error("bad bench input");
  const head = parseRequestHead(r.head);
  if ("error" in head) throw new Error(head.error);
  sink += head.headers.length;
});

Deno.bench(`response: chunked, 4 x 1 KiB chunks (${CHUNKED_RESPONSE.length} bytes)`, () => {
  const r = reader.feed(CHUNKED_RESPONSE);
  if (r === null || "error" in r) throw new Error("bad bench input");
  const head = parseResponseHead(r.head);
  if ("error" in head) throw new Error(head.error);
  const framing = responseBodyFraming("GET", head);
  if ("error" in framing) throw new Error(framing.error);
  const b = createBodyReader(framing).feed(r.rest);
  if ("error" in b || !b.done) throw new Error("bad body");
  sink += b.data.length;
});

const HEADERS = (() => {
  const r = parseRequestHead(GET);
  if ("error" in r) throw new Error(r.error);
  return r.headers;
})();

Deno.bench(`assembleRequestHead (${GET.length} bytes)`, () => {
  sink += assembleRequestHead("GET", "/api/v1/items?page=2&sort=desc", "HTTP/1.1", HEADERS).length;
});

globalThis.addEventListener("unload", () => {
  if (sink < 0) console.log(sink);
});
