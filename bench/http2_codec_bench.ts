/**
 * HTTP/2 codec micro-benchmarks: `deno bench bench/http2_codec_bench.ts`.
 * Throughput benches process 1 MiB per iteration, so MB/s = iterations per second.
 */

import { H2Connection } from "../codecs/http2/connection.ts";
import { FrameReader } from "../codecs/http2/frame_reader.ts";
import { encodeFrame } from "../codecs/http2/frame_writer.ts";
import type { Frame } from "../codecs/http2/frames.ts";
import { HpackDecoder } from "../codecs/http2/hpack/decoder.ts";
import { HpackEncoder } from "../codecs/http2/hpack/encoder.ts";
import {
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
} from "../codecs/http2/hpack/huffman.ts";

const MIB = 1 << 20;

const REQUEST: [string, string][] = [
  [":method", "GET"],
  [":scheme", "https"],
  [":authority", "www.example.com"],
  [":path", "/api/v1/items?page=2&sort=desc"],
  ["user-agent", "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"],
  ["accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"],
  ["accept-language", "en-US,en;q=0.5"],
  ["accept-encoding", "gzip, deflate, br"],
  ["cookie", "session=4f2a9c1e7b3d8a6f; theme=dark; consent=yes"],
  ["upgrade-insecure-requests", "1"],
  ["sec-fetch-dest", "document"],
  ["sec-fetch-mode", "navigate"],
  ["sec-fetch-site", "none"],
  ["priority", "u=0, i"],
];

// Steady state: the encoder and decoder have seen these headers before (as on a real connection).
const warmEncoder = new HpackEncoder();
const warmDecoder = new HpackDecoder();
for (let i = 0; i < 3; i++) warmDecoder.decode(warmEncoder.encode(REQUEST));
const WARM_BLOCK = warmEncoder.encode(REQUEST);
// Cold: a fresh connection's first block (all literals, Huffman-coded).
const COLD_BLOCK = new HpackEncoder().encode(REQUEST);
let sink = 0;

Deno.bench("hpack encode: 14-field request block, warm table", { group: "hpack" }, () => {
  sink += warmEncoder.encode(REQUEST).length;
});

Deno.bench("hpack encode: 14-field request block, fresh encoder", { group: "hpack" }, () => {
  sink += new HpackEncoder().encode(REQUEST).length;
});

Deno.bench("hpack decode: 14-field request block, warm table", { group: "hpack" }, () => {
  const r = warmDecoder.decode(WARM_BLOCK);
  if ("error" in r) throw new Error(r.error);
  sink += r.headers.length;
});

Deno.bench("hpack decode: 14-field request block, fresh decoder", { group: "hpack" }, () => {
  const r = new HpackDecoder().decode(COLD_BLOCK);
  if ("error" in r) throw new Error(r.error);
  sink += r.headers.length;
});

const TEXT = REQUEST.map(([n, v]) => n + v).join("").repeat(20);
const HUFF = new Uint8Array(huffmanEncodedLength(TEXT));
huffmanEncode(TEXT, HUFF, 0);
const HUFF_OUT = new Uint8Array(TEXT.length + 16);

Deno.bench(`huffman decode: ${HUFF.length} octets`, { group: "huffman" }, () => {
  sink += huffmanDecode(HUFF, 0, HUFF.length, HUFF_OUT) as number;
});

Deno.bench(`huffman encode: ${TEXT.length} chars`, { group: "huffman" }, () => {
  sink += huffmanEncode(TEXT, HUFF, 0);
});

function frames(make: (i: number) => Frame, bytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let n = 0;
  for (let i = 0; n < bytes; i++) {
    const f = encodeFrame(make(i));
    parts.push(f);
    n += f.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out.subarray(0, bytes - (bytes % 1)); // whole frames; ~1 MiB
}

const DATA_16K = frames(
  (i) => ({
    type: "DATA",
    streamId: 1 + 2 * (i % 8),
    endStream: false,
    data: new Uint8Array(16384),
  }),
  MIB,
);
const SMALL = frames(
  (i) =>
    i % 3 === 0
      ? { type: "WINDOW_UPDATE", streamId: 1, increment: 1000 }
      : i % 3 === 1
      ? { type: "HEADERS", streamId: 1, endStream: false, endHeaders: true, fragment: WARM_BLOCK }
      : { type: "DATA", streamId: 1, endStream: false, data: new Uint8Array(100) },
  MIB,
);

Deno.bench("frame parse: 1 MiB of 16 KiB DATA frames, 64 KiB reads", { group: "frames" }, () => {
  const r = new FrameReader();
  for (let at = 0; at < DATA_16K.length; at += 65536) {
    sink += r.feed(DATA_16K.subarray(at, at + 65536)).length;
  }
});

Deno.bench("frame parse: 1 MiB of small frames (HEADERS/DATA/WINDOW_UPDATE)", {
  group: "frames",
}, () => {
  const r = new FrameReader();
  for (let at = 0; at < SMALL.length; at += 65536) {
    sink += r.feed(SMALL.subarray(at, at + 65536)).length;
  }
});

// A whole connection: client request bodies through the server codec (frames, flow control,
// events, acknowledgement).
function uploadBytes(): Uint8Array {
  const client = new H2Connection({ role: "client" });
  const peer = new H2Connection({ role: "server" });
  client.initiateConnection();
  peer.initiateConnection();
  client.receiveData(peer.dataToSend());
  const parts: Uint8Array[] = [client.dataToSend()];
  const body = new Uint8Array(16384);
  for (let id = 1; id < 17; id += 2) {
    client.sendHeaders(id, [...REQUEST.slice(0, 3), [":path", `/u${id}`]]);
    for (let i = 0; i < 8; i++) client.sendData(id, body, { endStream: i === 7 });
  }
  parts.push(client.dataToSend());
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
const UPLOAD = uploadBytes();

Deno.bench(`connection receive: ${(UPLOAD.length / MIB).toFixed(2)} MiB upload, 8 streams`, {
  group: "connection",
}, () => {
  const server = new H2Connection({ role: "server" });
  server.initiateConnection();
  for (let at = 0; at < UPLOAD.length; at += 65536) {
    for (const e of server.receiveData(UPLOAD.subarray(at, at + 65536))) {
      if (e.type === "DataReceived") {
        server.acknowledgeReceivedData(e.streamId, e.flowControlledLength);
      }
    }
  }
  sink += server.dataToSend().length;
});

Deno.bench("connection: 100 GET request/response exchanges (both codecs)", {
  group: "connection",
}, () => {
  const client = new H2Connection({ role: "client" });
  const server = new H2Connection({ role: "server" });
  client.initiateConnection();
  server.initiateConnection();
  server.receiveData(client.dataToSend());
  client.receiveData(server.dataToSend());
  server.receiveData(client.dataToSend());
  for (let i = 0; i < 100; i++) {
    const id = client.getNextAvailableStreamId();
    client.sendHeaders(id, REQUEST, { endStream: true });
    server.receiveData(client.dataToSend());
    server.sendHeaders(id, [[":status", "200"], ["content-type", "text/html"]], {
      endStream: true,
    });
    sink += client.receiveData(server.dataToSend()).length;
  }
});

addEventListener("unload", () => {
  if (sink === -1) console.log(sink);
});
