/**
 * WebSocket codec micro-benchmarks, with and without permessage-deflate:
 * small text messages (messages/s) and 64 KiB binary messages (MB/s), each sent by a client
 * (masking) and received by a server (unmasking, UTF-8 checking, inflating).
 *
 * `deno bench bench/websocket_codec_bench.ts` for Deno's table, or
 * `deno run bench/websocket_codec_bench.ts` for messages/s and MB/s.
 */

import { WebSocketConnection } from "../codecs/websocket/connection.ts";
import type { PerMessageDeflateParams } from "../codecs/websocket/permessage_deflate.ts";

const DEFLATE: PerMessageDeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

/** Cheap deterministic masking keys: the codec's cost, not the random source's. */
function maskKeys(): () => Uint8Array {
  let n = 1;
  return () => {
    n = (Math.imul(n, 1103515245) + 12345) >>> 0;
    return new Uint8Array([n >>> 24, n >>> 16, n >>> 8, n]);
  };
}

function client(deflate: boolean): WebSocketConnection {
  return new WebSocketConnection({
    role: "client",
    maskKey: maskKeys(),
    extensions: { permessageDeflate: deflate ? DEFLATE : null },
  });
}

function server(deflate: boolean): WebSocketConnection {
  return new WebSocketConnection({
    role: "server",
    extensions: { permessageDeflate: deflate ? DEFLATE : null },
  });
}

const SMALL_COUNT = 1000;
const SMALL_TEXTS = Array.from(
  { length: SMALL_COUNT },
  (_, i) => `{"type":"tick","seq":${i},"price":${(100 + i / 7).toFixed(3)}}`,
);

const BIG_COUNT = 16;
const BIG_SIZE = 64 * 1024;
/** JSON-like bytes: realistic for deflate (random bytes would not compress). */
const BIG = new TextEncoder().encode(
  Array.from({ length: 2000 }, (_, i) => `{"id":${i},"name":"item-${i * 7919 % 1000}","ok":true}`)
    .join(",").padEnd(BIG_SIZE, " ").slice(0, BIG_SIZE),
);

/** The client's bytes for a batch, sent through a fresh compression context. */
function wire(deflate: boolean, kind: "small" | "big"): Uint8Array[] {
  const c = client(deflate);
  const out = kind === "small"
    ? SMALL_TEXTS.map((t) => c.send(t))
    : Array.from({ length: BIG_COUNT }, () => c.send(BIG));
  c.dispose();
  return out;
}

const WIRE = {
  small: { plain: wire(false, "small"), deflate: wire(true, "small") },
  big: { plain: wire(false, "big"), deflate: wire(true, "big") },
};

let sink = 0;

function sendBatch(deflate: boolean, kind: "small" | "big"): void {
  const c = client(deflate);
  if (kind === "small") { for (const t of SMALL_TEXTS) sink += c.send(t).length; }
  else for (let i = 0; i < BIG_COUNT; i++) sink += c.send(BIG).length;
  c.dispose();
}

function receiveBatch(deflate: boolean, kind: "small" | "big"): void {
  const s = server(deflate);
  for (const bytes of WIRE[kind][deflate ? "deflate" : "plain"]) {
    for (const event of s.receiveData(bytes)) {
      if (event.type !== "Message") throw new Error(`bench input broke: ${JSON.stringify(event)}`);
      sink += event.data.length;
    }
  }
  s.dispose();
}

const CASES: { name: string; run: () => void; unit: "messages" | "bytes"; per: number }[] = [];
for (const deflate of [false, true]) {
  const label = deflate ? "deflate" : "plain";
  CASES.push(
    {
      name: `send ${SMALL_COUNT} small text, ${label}`,
      run: () => sendBatch(deflate, "small"),
      unit: "messages",
      per: SMALL_COUNT,
    },
    {
      name: `receive ${SMALL_COUNT} small text, ${label}`,
      run: () => receiveBatch(deflate, "small"),
      unit: "messages",
      per: SMALL_COUNT,
    },
    {
      name: `send ${BIG_COUNT} x 64 KiB binary, ${label}`,
      run: () => sendBatch(deflate, "big"),
      unit: "bytes",
      per: BIG_COUNT * BIG_SIZE,
    },
    {
      name: `receive ${BIG_COUNT} x 64 KiB binary, ${label}`,
      run: () => receiveBatch(deflate, "big"),
      unit: "bytes",
      per: BIG_COUNT * BIG_SIZE,
    },
  );
}

for (const c of CASES) {
  Deno.bench(c.name, { group: `${c.unit}:${c.name.split(" ")[0]}` }, c.run);
}

if (import.meta.main) {
  const rows: string[] = [];
  for (const c of CASES) {
    for (let i = 0; i < 5; i++) c.run(); // warm up
    let runs = 0;
    const start = performance.now();
    while (performance.now() - start < 1000) {
      c.run();
      runs++;
    }
    const seconds = (performance.now() - start) / 1000;
    const rate = (runs * c.per) / seconds;
    const shown = c.unit === "messages"
      ? `${Math.round(rate).toLocaleString("en-US")} messages/s`
      : `${(rate / 1e6).toFixed(0)} MB/s`;
    rows.push(`${c.name.padEnd(40)} ${shown}`);
  }
  console.log(rows.join("\n"));
  if (sink < 0) console.log(sink);
}
