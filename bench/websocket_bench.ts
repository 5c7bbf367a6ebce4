/**
 * WebSocket echo through proxies: messages per second for small text messages, with a window
 * of in-flight messages, against a Deno.serve echo origin. Run:
 *   deno run -A bench/websocket_bench.ts [--messages N] [--proxy host:port ...]
 * Without --proxy it starts mitmdeno (and mitmdump, if installed) itself and prints the ratio.
 */
import { WebSocketConnection } from "../codecs/websocket/connection.ts";

const args = Deno.args;
const count = Number(args[args.indexOf("--messages") + 1]) || 20000;
const WINDOW = 32;

function startOrigin() {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  });
  return server;
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`port ${port} never opened`);
}

/** Upgrades through an HTTP proxy and echoes `count` messages; returns messages/s. */
async function run(proxyPort: number, originPort: number): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: proxyPort });
  const authority = `127.0.0.1:${originPort}`;
  await conn.write(new TextEncoder().encode(
    `GET http://${authority}/ HTTP/1.1\r\nHost: ${authority}\r\nUpgrade: websocket\r\n` +
      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
  ));
  const buf = new Uint8Array(256 * 1024);
  let pending = new Uint8Array(0);
  // Read the 101 head.
  while (true) {
    const n = await conn.read(buf);
    if (n === null) throw new Error("closed during the handshake");
    const merged = new Uint8Array(pending.length + n);
    merged.set(pending);
    merged.set(buf.subarray(0, n), pending.length);
    const text = new TextDecoder("latin1").decode(merged);
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) {
      if (!text.startsWith("HTTP/1.1 101")) throw new Error(`no upgrade: ${text.slice(0, 80)}`);
      pending = merged.subarray(end + 4);
      break;
    }
    pending = merged;
  }
  const codec = new WebSocketConnection({
    role: "client",
    maskKey: () => crypto.getRandomValues(new Uint8Array(4)),
  });
  let sent = 0;
  let received = 0;
  const start = performance.now();
  const sendSome = async () => {
    while (sent < count && sent - received < WINDOW) {
      await conn.write(codec.send(`message ${sent++}`));
    }
  };
  await sendSome();
  for (const e of codec.receiveData(pending)) if (e.type === "Message") received++;
  while (received < count) {
    const n = await conn.read(buf);
    if (n === null) throw new Error(`closed after ${received} messages`);
    for (const e of codec.receiveData(buf.subarray(0, n))) if (e.type === "Message") received++;
    await sendSome();
  }
  const seconds = (performance.now() - start) / 1000;
  conn.close();
  return count / seconds;
}

const origin = startOrigin();
const results: [string, number][] = [];
const mitmdeno = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", new URL("../main.ts", import.meta.url).pathname, "dump", "-q", "-p", "18765"],
  stdout: "null",
  stderr: "null",
}).spawn();
try {
  await waitForPort(18765);
  results.push(["mitmdeno", await run(18765, origin.addr.port)]);
} finally {
  mitmdeno.kill("SIGKILL");
  await mitmdeno.status;
}
const hasMitmdump = new Deno.Command("sh", { args: ["-c", "command -v mitmdump"] }).outputSync()
  .success;
if (hasMitmdump) {
  const mitmdump = new Deno.Command("mitmdump", {
    args: ["-q", "-p", "18766"],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    await waitForPort(18766);
    results.push(["mitmdump", await run(18766, origin.addr.port)]);
  } finally {
    mitmdump.kill("SIGKILL");
    await mitmdump.status;
  }
}
await origin.shutdown();
for (const [name, rate] of results) console.log(`${name.padEnd(10)} ${rate.toFixed(0)} messages/s`);
if (results.length === 2) {
  console.log(`ratio mitmdeno/mitmdump: ${(results[0][1] / results[1][1]).toFixed(2)}`);
}
