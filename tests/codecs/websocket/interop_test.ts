/**
 * End-to-end against Deno's own WebSocket implementation over loopback sockets: our client
 * codec talking to a Deno.serve + Deno.upgradeWebSocket echo server, and Deno's `WebSocket`
 * client talking to our server codec. Both offer permessage-deflate; Deno 2.9 declines it in
 * both roles, so these runs are uncompressed (the deflate paths are covered in deflate_test.ts
 * against node:zlib and RFC 7692's bytes).
 */

import assert from "node:assert/strict";
import { WebSocketConnection } from "../../../codecs/websocket/connection.ts";
import type { WebSocketEvent } from "../../../codecs/websocket/events.ts";
import {
  acceptKey,
  type HeaderPairs,
  isWebSocketAccept,
  isWebSocketUpgrade,
  negotiatedExtensions,
} from "../../../codecs/websocket/handshake.ts";
import {
  formatPerMessageDeflateOffer,
  negotiatePerMessageDeflate,
} from "../../../codecs/websocket/permessage_deflate.ts";
import { text, utf8 } from "./test_util.ts";

const randomMask = () => crypto.getRandomValues(new Uint8Array(4));

interface Head {
  startLine: string;
  headers: [string, string][];
  rest: Uint8Array;
}

/** Reads an HTTP/1.1 head; the bytes after it are returned as `rest`. */
async function readHead(conn: Deno.Conn): Promise<Head> {
  let buffered = new Uint8Array(0);
  const chunk = new Uint8Array(4096);
  for (;;) {
    const n = await conn.read(chunk);
    if (n === null) throw new Error("connection closed before the head was complete");
    const next = new Uint8Array(buffered.length + n);
    next.set(buffered);
    next.set(chunk.subarray(0, n), buffered.length);
    buffered = next;
    const latin1 = new TextDecoder("latin1").decode(buffered);
    const end = latin1.indexOf("\r\n\r\n");
    if (end < 0) continue;
    const [startLine, ...lines] = latin1.slice(0, end).split("\r\n");
    const headers = lines.map((line): [string, string] => {
      const colon = line.indexOf(":");
      return [line.slice(0, colon), line.slice(colon + 1).trim()];
    });
    return { startLine, headers, rest: buffered.slice(end + 4) };
  }
}

/** Reads from `conn` into `ws` until `count` events arrived (or the peer closed). */
async function readEvents(
  conn: Deno.Conn,
  ws: WebSocketConnection,
  count: number,
  pending: WebSocketEvent[],
): Promise<WebSocketEvent[]> {
  const chunk = new Uint8Array(16384);
  while (pending.length < count) {
    const n = await conn.read(chunk);
    if (n === null) break;
    pending.push(...ws.receiveData(chunk.subarray(0, n)));
  }
  return pending.splice(0, count);
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

function message(events: WebSocketEvent[]): { opcode: string; data: Uint8Array }[] {
  return events.map((e) => {
    if (e.type !== "Message") throw new Error(`expected a Message, got ${JSON.stringify(e)}`);
    return { opcode: e.opcode, data: e.data };
  });
}

Deno.test("our client codec against Deno.serve's WebSocket server", async () => {
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const { socket, response } = Deno.upgradeWebSocket(req);
    socket.binaryType = "arraybuffer";
    socket.onmessage = (e) => socket.send(e.data);
    return response;
  });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.addr.port });
  try {
    const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
    const request: HeaderPairs = [
      ["Host", `127.0.0.1:${server.addr.port}`],
      ["Upgrade", "websocket"],
      ["Connection", "Upgrade"],
      ["Sec-WebSocket-Key", key],
      ["Sec-WebSocket-Version", "13"],
      ["Sec-WebSocket-Extensions", formatPerMessageDeflateOffer()],
    ];
    const head = "GET /chat HTTP/1.1\r\n" + request.map(([k, v]) => `${k}: ${v}\r\n`).join("") +
      "\r\n";
    await writeAll(conn, utf8(head));
    const response = await readHead(conn);
    const status = Number(response.startLine.split(" ")[1]);
    assert.ok(isWebSocketAccept(request, response.headers, status), response.startLine);
    const extensions = negotiatedExtensions(response.headers, request);
    assert.ok(!("error" in extensions), JSON.stringify(extensions));

    const ws = new WebSocketConnection({
      role: "client",
      extensions: { permessageDeflate: extensions.permessageDeflate },
      maskKey: randomMask,
      fragmentOutgoing: 16384,
    });
    const pending = ws.receiveData(response.rest);
    const big = new Uint8Array(100_000).map((_, i) => (i * 31) % 256);
    const greeting = "héllo, Deno ✓ ".repeat(3000); // fragmented: over 16 KiB
    await writeAll(conn, ws.send("hello"));
    await writeAll(conn, ws.send(big));
    await writeAll(conn, ws.send(greeting));
    await writeAll(conn, ws.sendPing(utf8("are you there")));
    const echoed = await readEvents(conn, ws, 4, pending);
    // Deno answers the ping straight away, possibly before the echoes.
    const pong = echoed.findIndex((e) => e.type === "Pong");
    assert.deepEqual(echoed.splice(pong, 1), [{ type: "Pong", data: utf8("are you there") }]);
    assert.deepEqual(message(echoed), [
      { opcode: "text", data: utf8("hello") },
      { opcode: "binary", data: big },
      { opcode: "text", data: utf8(greeting) },
    ]);

    await writeAll(conn, ws.sendClose(1000, "bye"));
    const [close] = await readEvents(conn, ws, 1, pending);
    assert.equal(close.type, "Close");
    assert.equal((close as { code: number }).code, 1000);
    assert.equal(ws.state, "closed");
  } finally {
    conn.close();
    await server.shutdown();
  }
});

Deno.test("Deno's WebSocket client against our server codec", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const client = new WebSocket(`ws://127.0.0.1:${listener.addr.port}/echo`);
  client.binaryType = "arraybuffer";
  const fromServer: (string | Uint8Array)[] = [];
  const closed = Promise.withResolvers<CloseEvent>();
  const opened = Promise.withResolvers<void>();
  client.onopen = () => opened.resolve();
  const echoesArrived = Promise.withResolvers<void>();
  client.onmessage = (e) => {
    fromServer.push(typeof e.data === "string" ? e.data : new Uint8Array(e.data));
    if (fromServer.length === 2) echoesArrived.resolve();
  };
  client.onclose = (e) => closed.resolve(e);
  const conn = await listener.accept();
  try {
    const request = await readHead(conn);
    assert.match(request.startLine, /^GET \/echo HTTP\/1.1$/);
    assert.ok(isWebSocketUpgrade(request.headers));
    const key = request.headers.find(([k]) => k.toLowerCase() === "sec-websocket-key")![1];
    const offered = request.headers.filter(([k]) => k.toLowerCase() === "sec-websocket-extensions")
      .map(([, v]) => v);
    const deflate = negotiatePerMessageDeflate(offered);
    assert.ok(deflate === null || !("error" in deflate));
    const responseHead =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n` +
      (deflate ? `Sec-WebSocket-Extensions: ${deflate.response}\r\n` : "") + "\r\n";
    await writeAll(conn, utf8(responseHead));
    const ws = new WebSocketConnection({
      role: "server",
      extensions: { permessageDeflate: deflate?.params ?? null },
      fragmentOutgoing: 1000,
    });
    const pending = ws.receiveData(request.rest);
    await opened.promise;

    const big = new Uint8Array(70_000).map((_, i) => i % 251);
    client.send("from Deno ✓");
    client.send(big);
    const received = await readEvents(conn, ws, 2, pending);
    assert.deepEqual(message(received), [
      { opcode: "text", data: utf8("from Deno ✓") },
      { opcode: "binary", data: big },
    ]);
    // Echo them back in 1000-byte fragments, and ping: Deno answers pings itself.
    for (const event of received) {
      if (event.type === "Message") {
        await writeAll(conn, ws.send(event.opcode === "text" ? text(event.data) : event.data));
      }
    }
    await writeAll(conn, ws.sendPing(utf8("ping?")));
    assert.deepEqual(await readEvents(conn, ws, 1, pending), [{
      type: "Pong",
      data: utf8("ping?"),
    }]);
    await echoesArrived.promise;
    assert.deepEqual(fromServer, ["from Deno ✓", big]);

    client.close(4000, "done");
    assert.deepEqual(await readEvents(conn, ws, 1, pending), [{
      type: "Close",
      code: 4000,
      reason: "done",
    }]);
    await writeAll(conn, ws.sendClose(4000, "done"));
    assert.equal(ws.state, "closed");
    conn.close();
    const event = await closed.promise;
    assert.equal(event.code, 4000);
    assert.equal(event.reason, "done");
  } finally {
    try {
      conn.close();
    } catch {
      // already closed
    }
    listener.close();
  }
});
