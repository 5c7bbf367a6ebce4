/**
 * Interop with nghttp2's tools over h2c on loopback (apt packages nghttp2-client and
 * nghttp2-server): our client against `nghttpd`, `nghttp` and `h2load` against a tiny Deno
 * TCP server driven by our server codec. Skipped when the binaries are absent.
 */

import assert from "node:assert/strict";
import { H2Connection } from "../../../codecs/http2/connection.ts";
import type { H2ConnectionOptions } from "../../../codecs/http2/connection_options.ts";
import type { H2Event } from "../../../codecs/http2/events.ts";
import { concat, dec, enc } from "./test_util.ts";

async function hasBinary(name: string): Promise<boolean> {
  try {
    const r = await new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return r.success;
  } catch {
    return false;
  }
}

const HAVE_NGHTTPD = await hasBinary("nghttpd");
const HAVE_NGHTTP = await hasBinary("nghttp");
const HAVE_H2LOAD = await hasBinary("h2load");

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/** Deterministic body content. */
function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

/** Sends queued response bodies as far as the flow-control windows allow. */
class BodySender {
  readonly #pending = new Map<number, { data: Uint8Array; at: number }>();
  constructor(readonly h2: H2Connection) {}

  add(streamId: number, data: Uint8Array): void {
    this.#pending.set(streamId, { data, at: 0 });
  }

  pump(): void {
    for (const [id, p] of this.#pending) {
      if (this.h2.streamState(id) === "closed") {
        this.#pending.delete(id);
        continue;
      }
      const window = this.h2.localFlowControlWindow(id);
      const n = Math.min(window, p.data.length - p.at);
      if (n === 0 && p.at < p.data.length) continue;
      const end = p.at + n === p.data.length;
      this.h2.sendData(id, p.data.subarray(p.at, p.at + n), { endStream: end });
      p.at += n;
      if (end) this.#pending.delete(id);
    }
  }
}

interface Response {
  headers: [string, string][];
  body: Uint8Array;
}

/** Runs requests through our client codec against `port`; returns responses by stream. */
async function runClient(
  port: number,
  requests: { headers: [string, string][]; body?: Uint8Array }[],
  options: Partial<H2ConnectionOptions> = {},
): Promise<Response[]> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const h2 = new H2Connection({ ...options, role: "client" });
  h2.initiateConnection();
  const sender = new BodySender(h2);
  const ids: number[] = [];
  const responses = new Map<number, { headers: [string, string][]; body: Uint8Array[] }>();
  let remoteSettings = false;
  const buf = new Uint8Array(65536);
  let done = 0;
  await writeAll(conn, h2.dataToSend());
  try {
    while (done < requests.length) {
      const n = await conn.read(buf);
      if (n === null) throw new Error("server closed the connection");
      const events: H2Event[] = h2.receiveData(buf.subarray(0, n));
      for (const e of events) {
        if (e.type === "RemoteSettingsChanged" && !remoteSettings) {
          remoteSettings = true;
          for (const r of requests) {
            const id = h2.getNextAvailableStreamId();
            ids.push(id);
            responses.set(id, { headers: [], body: [] });
            h2.sendHeaders(id, r.headers, { endStream: !r.body });
            if (r.body) sender.add(id, r.body);
          }
        } else if (e.type === "ResponseReceived") {
          responses.get(e.streamId)!.headers = e.headers;
        } else if (e.type === "DataReceived") {
          responses.get(e.streamId)!.body.push(e.data);
          h2.acknowledgeReceivedData(e.streamId, e.flowControlledLength);
        } else if (e.type === "StreamEnded") {
          done++;
        } else if (e.type === "StreamReset" || e.type === "ConnectionTerminated") {
          throw new Error(`${e.type}: ${e.reason}`);
        }
      }
      sender.pump();
      await writeAll(conn, h2.dataToSend());
    }
    h2.closeConnection();
    await writeAll(conn, h2.dataToSend());
  } finally {
    conn.close();
  }
  return ids.map((id) => {
    const r = responses.get(id)!;
    return { headers: r.headers, body: concat(r.body) };
  });
}

function header(r: Response, name: string): string | undefined {
  return r.headers.find(([n]) => n === name)?.[1];
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing listens on ${port}`);
}

Deno.test({
  name: "interop: our client against nghttpd (h2c)",
  ignore: !HAVE_NGHTTPD,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "h2interop" });
    const big = pattern(1_500_000, 7);
    await Deno.writeFile(`${dir}/big.bin`, big);
    await Deno.writeTextFile(`${dir}/index.html`, "<h1>hi</h1>\n");
    const port = freePort();
    const proc = new Deno.Command("nghttpd", {
      args: ["--no-tls", "--echo-upload", "-d", dir, String(port)],
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      await waitForPort(port);
      const req = (path: string, method = "GET"): [string, string][] => [
        [":method", method],
        [":scheme", "http"],
        [":path", path],
        [":authority", `127.0.0.1:${port}`],
        ["user-agent", "mitmdeno-h2-test"],
      ];
      const upload = pattern(300_000, 3);
      const requests = [
        { headers: req("/index.html") },
        { headers: req("/big.bin") },
        { headers: req("/missing") },
        { headers: req("/index.html", "POST"), body: upload },
        ...Array.from({ length: 20 }, () => ({ headers: req("/index.html") })),
      ];
      // Default (wide) windows, then small ones so WINDOW_UPDATEs must flow both ways.
      for (
        const options of [{}, {
          connectionWindow: 65535,
          settings: { initialWindowSize: 16384, maxFrameSize: 16384 },
        }]
      ) {
        const res = await runClient(port, requests, options);
        assert.equal(header(res[0], ":status"), "200");
        assert.equal(dec(res[0].body), "<h1>hi</h1>\n");
        assert.equal(header(res[1], "content-length"), String(big.length));
        assert.deepEqual(res[1].body, big);
        assert.equal(header(res[2], ":status"), "404");
        assert.deepEqual(res[3].body, upload);
        for (const r of res.slice(4)) assert.equal(dec(r.body), "<h1>hi</h1>\n");
      }
    } finally {
      proc.kill();
      await proc.status;
      await Deno.remove(dir, { recursive: true });
    }
  },
});

/** A tiny h2c server: answers each request with a body derived from it. */
function startServer(): { port: number; close: () => Promise<void>; errors: string[] } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const errors: string[] = [];
  const conns = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const conn of listener) {
      const p = serve(conn, errors).catch((e) => {
        errors.push(String(e));
      });
      conns.add(p);
      p.finally(() => conns.delete(p));
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    errors,
    async close() {
      listener.close();
      await loop.catch(() => {});
      await Promise.all(conns);
    },
  };
}

async function serve(conn: Deno.Conn, errors: string[]): Promise<void> {
  const h2 = new H2Connection({ role: "server" });
  h2.initiateConnection();
  const sender = new BodySender(h2);
  const requests = new Map<number, { headers: [string, string][]; body: number }>();
  const buf = new Uint8Array(65536);
  try {
    await writeAll(conn, h2.dataToSend());
    while (!h2.isClosed) {
      const n = await conn.read(buf);
      if (n === null) break;
      for (const e of h2.receiveData(buf.subarray(0, n))) {
        if (e.type === "RequestReceived") requests.set(e.streamId, { headers: e.headers, body: 0 });
        else if (e.type === "DataReceived") {
          requests.get(e.streamId)!.body += e.data.length;
          h2.acknowledgeReceivedData(e.streamId, e.flowControlledLength);
        } else if (e.type === "StreamEnded") {
          const r = requests.get(e.streamId)!;
          requests.delete(e.streamId);
          const path = r.headers.find(([k]) => k === ":path")?.[1] ?? "";
          const method = r.headers.find(([k]) => k === ":method")?.[1] ?? "";
          const body = path === "/big"
            ? pattern(2_000_000, 1)
            : enc(`${method} ${path} ${r.body}\n`);
          h2.sendHeaders(e.streamId, [
            [":status", "200"],
            ["content-length", String(body.length)],
            ["server", "mitmdeno-test"],
          ]);
          sender.add(e.streamId, body);
        } else if (e.type === "ConnectionTerminated" && !e.remote) {
          errors.push(e.reason);
        } else if (e.type === "StreamReset" && !e.remote) {
          errors.push(e.reason);
        }
      }
      sender.pump();
      await writeAll(conn, h2.dataToSend());
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.ConnectionReset) && !(e instanceof Deno.errors.BrokenPipe)) {
      throw e;
    }
  } finally {
    conn.close();
  }
}

Deno.test({
  name: "interop: nghttp client against our server codec",
  ignore: !HAVE_NGHTTP,
  async fn() {
    const server = startServer();
    const dir = await Deno.makeTempDir({ prefix: "h2interop" });
    try {
      const upload = `${dir}/upload.bin`;
      await Deno.writeFile(upload, pattern(200_000, 9));
      const base = `http://127.0.0.1:${server.port}`;
      const get = await new Deno.Command("nghttp", { args: [`${base}/hello?x=1`] }).output();
      assert.ok(get.success, dec(get.stderr));
      assert.equal(dec(get.stdout), "GET /hello?x=1 0\n");
      const post = await new Deno.Command("nghttp", { args: ["-d", upload, `${base}/up`] })
        .output();
      assert.ok(post.success, dec(post.stderr));
      assert.equal(dec(post.stdout), "POST /up 200000\n");
      // Several streams at once, a big response through nghttp's 64 KiB windows.
      const many = await new Deno.Command("nghttp", {
        args: ["-n", "-s", `${base}/a`, `${base}/b`, `${base}/big`, `${base}/c`],
      }).output();
      assert.ok(many.success, dec(many.stderr));
      assert.match(dec(many.stdout), /\/big/);
      assert.deepEqual(server.errors, []);
    } finally {
      await server.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "interop: h2load drives 20 000 requests through our server codec",
  ignore: !HAVE_H2LOAD,
  async fn() {
    const server = startServer();
    try {
      const r = await new Deno.Command("h2load", {
        args: ["-n", "20000", "-c", "10", "-m", "10", `http://127.0.0.1:${server.port}/`],
      }).output();
      const out = dec(r.stdout);
      assert.ok(r.success, out + dec(r.stderr));
      assert.match(out, /requests: 20000 total, 20000 started, 20000 done, 20000 succeeded/);
      assert.deepEqual(server.errors, []);
    } finally {
      await server.close();
    }
  },
});
