import * as assert from "node:assert/strict";
import { WebSocketConnection } from "../../codecs/websocket/connection.ts";
import type { WebSocketEvent } from "../../codecs/websocket/events.ts";
import { BufferedConn } from "./support/buffered_conn.ts";
import { readResponse } from "./support/http_wire.ts";
import { ProxyProcess } from "./support/proxy_process.ts";
import { testCert } from "../proxy/tls_test_certs.ts";

/** A Deno.serve WebSocket echo origin: text messages come back upper-cased. */
function startEchoOrigin() {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.onmessage = (e) =>
      socket.send(typeof e.data === "string" ? e.data.toUpperCase() : e.data);
    return response;
  });
  return { port: server.addr.port, [Symbol.asyncDispose]: () => server.shutdown() };
}

/** Reads one small (< 126 bytes), unmasked frame from the server and decodes it. */
async function readEvents(
  conn: BufferedConn,
  codec: WebSocketConnection,
): Promise<WebSocketEvent[]> {
  const head = await conn.readExact(2);
  const payload = await conn.readExact(head[1] & 0x7f);
  const frame = new Uint8Array(2 + payload.length);
  frame.set(head);
  frame.set(payload, 2);
  return codec.receiveData(frame);
}

Deno.test("websocket through the proxy: messages are decoded, relayed and printed", async () => {
  await using origin = startEchoOrigin();
  await using proxy = await ProxyProcess.start(["--flow-detail", "3"]);
  using conn = await BufferedConn.connect(proxy.port);
  const authority = `127.0.0.1:${origin.port}`;
  await conn.write(
    `GET http://${authority}/ws HTTP/1.1\r\nHost: ${authority}\r\nUpgrade: websocket\r\n` +
      "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
  );
  const response = await readResponse(conn, { method: "GET" });
  assert.equal(response.status, 101);
  const codec = new WebSocketConnection({
    role: "client",
    maskKey: () => crypto.getRandomValues(new Uint8Array(4)),
  });
  await conn.write(codec.send("hello proxy"));
  const events = await readEvents(conn, codec);
  assert.equal(events[0].type, "Message");
  assert.equal(new TextDecoder().decode((events[0] as { data: Uint8Array }).data), "HELLO PROXY");
  await conn.write(codec.sendClose(1000, "done"));
  const closing = await readEvents(conn, codec);
  assert.equal(closing[0].type, "Close");
  await proxy.waitForLine(/-> WebSocket text message -> 127\.0\.0\.1:\d+\/ws/);
  await proxy.waitForLine(/<- WebSocket text message <- /);
  await proxy.waitForLine(/WebSocket connection closed by client: 1000 \(done\)/);
});

Deno.test("websocket over TLS (wss through CONNECT) is intercepted and relayed", async () => {
  const { certPem, keyPem } = await testCert();
  const origin = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: certPem, key: keyPem, onListen: () => {} },
    (req) => {
      const { socket, response } = Deno.upgradeWebSocket(req);
      socket.onmessage = (e) => socket.send(`tls:${e.data}`);
      return response;
    },
  );
  const confdir = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-wss-" });
  try {
    await using proxy = await ProxyProcess.start([
      "--set",
      `confdir=${confdir}`,
      "--set",
      "ssl_insecure=true",
    ]);
    const authority = `127.0.0.1:${origin.addr.port}`;
    const raw = await Deno.connect({ hostname: "127.0.0.1", port: proxy.port });
    await raw.write(
      new TextEncoder().encode(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`),
    );
    const head = new Uint8Array(1024);
    const n = await raw.read(head);
    assert.match(new TextDecoder().decode(head.subarray(0, n ?? 0)), /^HTTP\/1\.1 200/);
    const caCerts = [await Deno.readTextFile(`${confdir}/mitmproxy-ca-cert.pem`)];
    const tls = await Deno.startTls(raw, {
      hostname: "127.0.0.1",
      caCerts,
      alpnProtocols: ["http/1.1"],
    });
    using conn = new BufferedConn(tls);
    await conn.write(
      `GET /ws HTTP/1.1\r\nHost: ${authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    );
    const response = await readResponse(conn, { method: "GET" });
    assert.equal(response.status, 101);
    const codec = new WebSocketConnection({
      role: "client",
      maskKey: () => crypto.getRandomValues(new Uint8Array(4)),
    });
    await conn.write(codec.send("secure"));
    const events = await readEvents(conn, codec);
    assert.equal(new TextDecoder().decode((events[0] as { data: Uint8Array }).data), "tls:secure");
    await proxy.waitForLine(/-> WebSocket text message -> 127\.0\.0\.1:\d+\/ws/);
  } finally {
    await origin.shutdown();
    await Deno.remove(confdir, { recursive: true });
  }
});
