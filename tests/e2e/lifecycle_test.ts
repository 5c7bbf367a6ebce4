/** Starting and stopping the proxy process. */
import assert from "node:assert/strict";
import { BufferedConn, UnexpectedEof } from "./support/buffered_conn.ts";
import { bodyText, proxyRequest, readResponse, type WireResponse } from "./support/http_wire.ts";
import { startNginx } from "./support/nginx.ts";
import { startProxy } from "./support/proxy_process.ts";
import { startRawOrigin } from "./support/raw_origin.ts";

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

Deno.test("SIGTERM while a slow request is in flight: it completes cleanly, exit 0", async () => {
  await using origin = startRawOrigin();
  await using proxy = await startProxy();
  using conn = await BufferedConn.connect(proxy.port);
  await conn.write(proxyRequest("GET", origin.url("/slow")));
  await until(() => origin.slowStarted === 1, "the request to reach the origin");

  const stopping = proxy.stop("SIGTERM");
  let response: WireResponse | null = null;
  try {
    response = await readResponse(conn);
  } catch (e) {
    // Failing cleanly means the connection ends without a partial response.
    if (!(e instanceof UnexpectedEof)) throw e;
  }
  if (response !== null) {
    assert.equal(response.status, 200);
    assert.equal(bodyText(response), "slow done");
  }
  // Done with this connection; an idle keep-alive client would hold the grace period.
  conn.close();
  const exit = await stopping;
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(exit.signal, null);
  // The proxy finished its flow before exiting (shutdown lets in-flight flows finish).
  assert.ok(response !== null, "the in-flight request should complete within the grace period");
  assert.match(exit.stdout, /GET http:\/\/127\.0\.0\.1:\d+\/slow\n\s+<< 200 OK 9b/);
  await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port: proxy.port }));
});

Deno.test("SIGINT on an idle proxy: exit 0", async () => {
  await using nginx = await startNginx();
  await using proxy = await startProxy();
  {
    using conn = await BufferedConn.connect(proxy.port);
    await conn.write(proxyRequest("GET", nginx.url("/"), [["Connection", "close"]]));
    assert.equal((await readResponse(conn)).status, 200);
  }
  const exit = await proxy.stop("SIGINT");
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(exit.signal, null);
});

Deno.test("SIGTERM with an idle keep-alive client: exit 0 and the client sees the close", async () => {
  await using nginx = await startNginx();
  await using proxy = await startProxy();
  using conn = await BufferedConn.connect(proxy.port);
  await conn.write(proxyRequest("GET", nginx.url("/")));
  assert.equal((await readResponse(conn)).status, 200);
  const exit = await proxy.stop("SIGTERM");
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal((await conn.readToEnd()).length, 0);
  assert.ok(conn.eof);
});
