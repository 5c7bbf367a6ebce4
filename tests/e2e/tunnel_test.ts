/** Tunnels: HTTPS through CONNECT (intercepted or ignored), raw TCP inside CONNECT, upgrades. */
import assert from "node:assert/strict";
import { BufferedConn } from "./support/buffered_conn.ts";
import { curl } from "./support/curl.ts";
import { header, proxyRequest, readResponse } from "./support/http_wire.ts";
import { sha256Hex, startNginx } from "./support/nginx.ts";
import { startProxy } from "./support/proxy_process.ts";
import { startRawOrigin } from "./support/raw_origin.ts";

/** A TCP server that greets first, then echoes one read and closes. */
function startBannerServer(): AsyncDisposable & { port: number } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const handlers = new Set<Promise<void>>();
  const serve = async (conn: Deno.Conn): Promise<void> => {
    try {
      await conn.write(new TextEncoder().encode("220 banner\r\n"));
      const buffer = new Uint8Array(1024);
      const n = await conn.read(buffer);
      if (n !== null) await conn.write(buffer.subarray(0, n));
    } catch {
      // The peer went away.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  };
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      const handler: Promise<void> = serve(conn).finally(() => handlers.delete(handler));
      handlers.add(handler);
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting.catch(() => {});
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Already closed.
        }
      }
      await Promise.allSettled([...handlers]);
    },
  };
}

Deno.test("tunnels", async (t) => {
  await using nginx = await startNginx();
  await using origin = startRawOrigin({
    "/upgrade": async (_req, conn) => {
      await conn.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: e2e-echo\r\nConnection: Upgrade\r\n\r\n" +
          "server-hello",
      );
      const data = await conn.readExact(5);
      await conn.write(data);
      await conn.write(data);
      return "close";
    },
  });
  await using banner = startBannerServer();
  // TLS is intercepted: the proxy must accept nginx's self-signed certificate upstream.
  await using proxy = await startProxy(["--set", "ssl_insecure=true"]);
  await t.step("HTTPS through CONNECT works (curl -k)", async () => {
    const url = `https://127.0.0.1:${nginx.tlsPort}/echo?tls=1`;
    const res = await curl(["-k", "-x", proxy.url, "-H", "X-Test: over-tls", url]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.text, "GET /echo?tls=1 over-tls\n");
    const big = await curl(["-k", "-x", proxy.url, `https://127.0.0.1:${nginx.tlsPort}/big`]);
    assert.equal(big.code, 0, big.stderr);
    assert.equal(await sha256Hex(big.stdout), nginx.bigSha256);
    // TLS is intercepted, so the requests inside are flows.
    await proxy.waitForFlow("GET", `https://127.0.0.1:${nginx.tlsPort}/big`);
  });

  await t.step("raw TCP inside CONNECT, server speaks first", async () => {
    using conn = await BufferedConn.connect(proxy.port);
    const authority = `127.0.0.1:${banner.port}`;
    await conn.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    const established = await readResponse(conn, { method: "CONNECT" });
    assert.equal(established.status, 200);
    assert.equal(await conn.readLine(), "220 banner");
    await conn.write("\x00\x01binary\r\n");
    assert.equal(new TextDecoder().decode(await conn.readToEnd()), "\x00\x01binary\r\n");
    // The tcp flow ends when both sides have closed.
    conn.close();
    await proxy.waitForLine(
      new RegExp(
        `^127\\.0\\.0\\.1:\\d+ <-> 127\\.0\\.0\\.1:${banner.port} tcp 10b sent, 22b received$`,
      ),
    );
  });

  await t.step("data sent right behind the CONNECT request reaches the server", async () => {
    using conn = await BufferedConn.connect(proxy.port);
    const authority = `127.0.0.1:${banner.port}`;
    await conn.write(
      `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n\x00\x01early-binary`,
    );
    const established = await readResponse(conn, { method: "CONNECT" });
    assert.equal(established.status, 200);
    const rest = new TextDecoder().decode(await conn.readToEnd());
    assert.equal(rest, "220 banner\r\n\x00\x01early-binary");
  });

  await t.step("CONNECT to a refused port gets 502", async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    using conn = await BufferedConn.connect(proxy.port);
    await conn.write(`CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    const response = await readResponse(conn, { method: "CONNECT" });
    assert.equal(response.status, 502);
    assert.match(new TextDecoder().decode(response.body), /connection refused/);
  });

  await t.step("101 upgrade: both directions relayed after the switch", async () => {
    using conn = await BufferedConn.connect(proxy.port);
    await conn.write(
      proxyRequest("GET", origin.url("/upgrade"), [
        ["Upgrade", "e2e-echo"],
        ["Connection", "Upgrade"],
      ]),
    );
    const switched = await readResponse(conn);
    assert.equal(switched.status, 101);
    assert.equal(header(switched.headers, "upgrade"), "e2e-echo");
    assert.equal(new TextDecoder().decode(await conn.readExact(12)), "server-hello");
    await conn.write("abcde");
    assert.equal(new TextDecoder().decode(await conn.readExact(10)), "abcdeabcde");
    assert.equal((await conn.readToEnd()).length, 0);
    const flow = await proxy.waitForFlow("GET", origin.url("/upgrade"));
    assert.match(flow.result, /<< 101 Switching Protocols/);
  });

  await t.step("exit 0", async () => {
    const exit = await proxy.stop();
    assert.equal(exit.code, 0, exit.stderr);
  });
});

Deno.test("HTTPS to an ignore_hosts host is passed through untouched", async () => {
  await using nginx = await startNginx();
  const pattern = `^127\\.0\\.0\\.1:${nginx.tlsPort}$`;
  await using proxy = await startProxy(["--set", `ignore_hosts=${pattern}`]);
  const url = `https://127.0.0.1:${nginx.tlsPort}/echo?passthrough=1`;
  const res = await curl(["-k", "-x", proxy.url, "-H", "X-Test: passed-through", url]);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.text, "GET /echo?passthrough=1 passed-through\n");
  const big = await curl(["-k", "-x", proxy.url, `https://127.0.0.1:${nginx.tlsPort}/big`]);
  assert.equal(big.code, 0, big.stderr);
  assert.equal(await sha256Hex(big.stdout), nginx.bigSha256);

  const exit = await proxy.stop();
  assert.equal(exit.code, 0, exit.stderr);
  // Ignored connections are relayed without creating flows (as in mitmproxy).
  assert.doesNotMatch(exit.stdout, new RegExp(`GET https:|:${nginx.tlsPort} tcp `));
});
