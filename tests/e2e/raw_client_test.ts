/** A Deno client on a raw socket: framing edge cases and malformed input. */
import assert from "node:assert/strict";
import { BufferedConn, concat, utf8 } from "./support/buffered_conn.ts";
import {
  bodyText,
  header,
  proxyRequest,
  readResponse,
  type WireResponse,
} from "./support/http_wire.ts";
import { startNginx } from "./support/nginx.ts";
import { type ProxyProcess, startProxy } from "./support/proxy_process.ts";
import { startRawOrigin } from "./support/raw_origin.ts";

interface EchoReply {
  method: string;
  target: string;
  version: string;
  headers: [string, string][];
  body: string;
  bodyLength: number;
  chunked: boolean;
  trailers: [string, string][];
  connection: number;
}

function echoOf(response: WireResponse): EchoReply {
  assert.equal(response.status, 200, bodyText(response));
  return JSON.parse(bodyText(response)) as EchoReply;
}

/** Sends `data` on a new connection and reads one response. */
async function exchange(
  proxy: ProxyProcess,
  data: string | Uint8Array,
  method = "GET",
): Promise<{ response: WireResponse; conn: BufferedConn }> {
  const conn = await BufferedConn.connect(proxy.port);
  try {
    await conn.write(data);
    return { response: await readResponse(conn, { method }), conn };
  } catch (e) {
    conn.close();
    throw e;
  }
}

/** Asserts a proxy-made error response: status, text/plain, a body naming the problem. */
function assertErrorResponse(response: WireResponse, status: number, bodyPattern?: RegExp) {
  assert.equal(response.status, status, bodyText(response));
  assert.match(header(response.headers, "content-type") ?? "", /^text\/plain/);
  const text = bodyText(response);
  assert.ok(text.startsWith(`${status} `), `body should start with the status: ${text}`);
  assert.ok(text.trim().split("\n").length >= 2, `body should explain the error: ${text}`);
  if (bodyPattern) assert.match(text, bodyPattern);
}

Deno.test("raw socket clients", async (t) => {
  await using nginx = await startNginx();
  await using origin = startRawOrigin();
  await using proxy = await startProxy();

  await t.step("pipelined requests in one write are answered in order", async () => {
    const data = proxyRequest("GET", origin.url("/echo?n=1")) +
      proxyRequest("GET", nginx.url("/echo?n=2"), [["X-Test", "two"]]) +
      proxyRequest("POST", origin.url("/echo?n=3"), [], "third body") +
      proxyRequest("GET", origin.url("/echo?n=4"), [["Connection", "close"]]);
    using conn = await BufferedConn.connect(proxy.port);
    await conn.write(data);
    const first = echoOf(await readResponse(conn));
    const second = await readResponse(conn);
    const third = echoOf(await readResponse(conn));
    const fourth = echoOf(await readResponse(conn));
    assert.equal(first.target, "/echo?n=1");
    assert.equal(second.status, 200);
    assert.equal(bodyText(second), "GET /echo?n=2 two\n");
    assert.equal(third.target, "/echo?n=3");
    assert.equal(third.body, "third body");
    assert.equal(fourth.target, "/echo?n=4");
    assert.equal((await conn.readToEnd()).length, 0, "closed after Connection: close");
    assert.ok(conn.eof);
  });

  await t.step("chunked request body with trailers", async () => {
    const head =
      `POST ${origin.url("/echo?chunked")} HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n` +
      "Transfer-Encoding: chunked\r\nTrailer: X-Trailer\r\n\r\n";
    const body = "6\r\nhello \r\n5;name=value\r\nworld\r\n0\r\nX-Trailer: yes\r\n\r\n";
    const { response, conn } = await exchange(proxy, head + body, "POST");
    conn.close();
    const echo = echoOf(response);
    assert.equal(echo.body, "hello world");
    assert.ok(
      echo.trailers.some(([n, v]) => n.toLowerCase() === "x-trailer" && v === "yes"),
      `trailer not forwarded: ${JSON.stringify(echo)}`,
    );
    const received = origin.requests.at(-1)!;
    assert.equal(received.target, "/echo?chunked");
  });

  await t.step({
    name: "chunked request with an empty body is forwarded with its last chunk",
    fn: async () => {
      using conn = await BufferedConn.connect(proxy.port, 5_000);
      await conn.write(
        `POST ${origin.url("/echo?empty-chunked")} HTTP/1.1\r\n` +
          `Host: 127.0.0.1:${origin.port}\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      );
      const echo = echoOf(await readResponse(conn, { method: "POST" }));
      assert.equal(echo.target, "/echo?empty-chunked");
      assert.equal(echo.bodyLength, 0);
    },
  });

  await t.step({
    name: "Content-Length plus Transfer-Encoding: rejected, or forwarded without Content-Length",
    fn: async () => {
      using conn = await BufferedConn.connect(proxy.port, 5_000);
      await conn.write(
        `POST ${origin.url("/echo?cl-te")} HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n` +
          "Content-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
      );
      const response = await readResponse(conn, { method: "POST" });
      if (response.status === 400) return;
      const echo = echoOf(response);
      assert.equal(echo.body, "abc");
      assert.equal(header(echo.headers, "content-length"), undefined);
    },
  });

  await t.step("Expect: 100-continue gets an interim 100 before the body is sent", async () => {
    using conn = await BufferedConn.connect(proxy.port);
    await conn.write(
      `POST ${origin.url("/echo?expect")} HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\n` +
        "Content-Length: 11\r\nExpect: 100-continue\r\n\r\n",
    );
    assert.equal(await conn.readLine(), "HTTP/1.1 100 Continue");
    // Skip any headers of the interim response.
    while ((await conn.readLine()) !== "") {
      // header of the 100 response
    }
    await conn.write("hello there");
    const echo = echoOf(await readResponse(conn, { method: "POST" }));
    assert.equal(echo.body, "hello there");
  });

  await t.step("HEAD then GET on one connection (HEAD response has no body)", async () => {
    using conn = await BufferedConn.connect(proxy.port);
    await conn.write(proxyRequest("HEAD", nginx.url("/")) + proxyRequest("GET", nginx.url("/")));
    const head = await readResponse(conn, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(header(head.headers, "content-length"), "17");
    const get = await readResponse(conn);
    assert.equal(get.status, 200);
    assert.equal(bodyText(get), "hello from nginx\n");
  });

  await t.step("HTTP/1.0 request: response, then the proxy closes", async () => {
    using conn = await BufferedConn.connect(proxy.port);
    await conn.write(`GET ${nginx.url("/")} HTTP/1.0\r\n\r\n`);
    const response = await readResponse(conn);
    assert.equal(response.status, 200);
    assert.equal(bodyText(response), "hello from nginx\n");
    assert.equal((await conn.readToEnd()).length, 0);
  });

  await t.step("CONNECT, then plain HTTP inside the tunnel", async () => {
    using conn = await BufferedConn.connect(proxy.port);
    const authority = `127.0.0.1:${origin.port}`;
    await conn.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    const established = await readResponse(conn, { method: "CONNECT" });
    assert.equal(established.status, 200);
    assert.equal(established.reason, "Connection established");
    await conn.write(`GET /echo?in-tunnel HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    const echo = echoOf(await readResponse(conn));
    assert.equal(echo.target, "/echo?in-tunnel");
    await proxy.waitForFlow("GET", origin.url("/echo?in-tunnel"));
  });

  await t.step("malformed request lines get 400 with a readable body", async () => {
    for (
      const line of [
        "THIS IS NOT HTTP\r\n\r\n",
        `GET ${nginx.url("/")} HTTX/1.1\r\n\r\n`,
        `GET ${nginx.url("/")} HTTP/1.1 extra\r\n\r\n`,
      ]
    ) {
      const { response, conn } = await exchange(proxy, line);
      try {
        assertErrorResponse(response, 400);
        assert.equal((await conn.readToEnd()).length, 0, "connection closed after the 400");
      } finally {
        conn.close();
      }
    }
  });

  await t.step("70 KiB of request headers get 431", async () => {
    const pad: [string, string][] = [];
    for (let i = 0; i < 70; i++) pad.push([`X-Pad-${i}`, "p".repeat(1024)]);
    const { response, conn } = await exchange(proxy, proxyRequest("GET", nginx.url("/"), pad));
    conn.close();
    assertErrorResponse(response, 431);
  });

  await t.step("one 70 KiB header line gets 431", async () => {
    const { response, conn } = await exchange(
      proxy,
      proxyRequest("GET", nginx.url("/"), [["X-Huge", "h".repeat(70 * 1024)]]),
    );
    conn.close();
    assertErrorResponse(response, 431);
  });

  await t.step("invalid chunk size gets 400", async () => {
    const data = `POST ${origin.url("/echo?badchunk")} HTTP/1.1\r\n` +
      `Host: 127.0.0.1:${origin.port}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n`;
    const { response, conn } = await exchange(proxy, data, "POST");
    conn.close();
    assertErrorResponse(response, 400, /chunk/i);
    assert.ok(!origin.requests.some((r) => r.target === "/echo?badchunk"));
  });

  await t.step("garbage bytes get 400 and the proxy still serves the next client", async () => {
    const garbage = concat([
      new Uint8Array([0x00, 0x01, 0x02, 0xfe, 0xff, 0x80, 0x7f, 0x1b]),
      utf8("\x07\x08 binary junk \r\n\r\n"),
    ]);
    const { response, conn } = await exchange(proxy, garbage);
    conn.close();
    assertErrorResponse(response, 400);
    const next = await exchange(proxy, proxyRequest("GET", nginx.url("/")));
    next.conn.close();
    assert.equal(next.response.status, 200);
    assert.equal(bodyText(next.response), "hello from nginx\n");
  });

  await t.step("client disconnecting mid-body: error flow logged, proxy survives", async () => {
    const url = origin.url("/echo?cut-by-client");
    {
      using conn = await BufferedConn.connect(proxy.port);
      await conn.write(
        `POST ${url} HTTP/1.1\r\nHost: 127.0.0.1:${origin.port}\r\nContent-Length: 1000\r\n\r\n`,
      );
      await conn.write("a".repeat(100));
    }
    const flow = await proxy.waitForFlow("POST", url);
    assert.match(flow.result, /^\s+<< .*client disconnected/i);
    assert.ok(!origin.requests.some((r) => r.target === "/echo?cut-by-client"));
    const next = await exchange(proxy, proxyRequest("GET", nginx.url("/")));
    next.conn.close();
    assert.equal(next.response.status, 200);
  });

  await t.step({
    name: "client closing while the origin hangs: the upstream socket is closed",
    fn: async () => {
      const released = origin.hangsReleased;
      const hangingBefore = origin.hanging;
      {
        using conn = await BufferedConn.connect(proxy.port);
        await conn.write(proxyRequest("GET", origin.url("/hang")));
        const deadline = Date.now() + 10_000;
        while (origin.hanging === hangingBefore && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 10));
        }
        assert.ok(origin.hanging > hangingBefore, "the request reached the origin");
      }
      const deadline = Date.now() + 10_000;
      while (origin.hangsReleased === released && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.equal(origin.hangsReleased, released + 1, "proxy closed its upstream connection");
    },
  });

  await t.step("the proxy is still healthy and exits 0", async () => {
    const next = await exchange(proxy, proxyRequest("GET", nginx.url("/")));
    next.conn.close();
    assert.equal(next.response.status, 200);
    const exit = await proxy.stop();
    assert.equal(exit.code, 0, exit.stderr);
    assert.doesNotMatch(exit.stderr, /bug in a protocol layer|connection handler failed/);
  });
});
