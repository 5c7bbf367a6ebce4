/** Many concurrent clients on keep-alive connections. */
import assert from "node:assert/strict";
import { BufferedConn } from "./support/buffered_conn.ts";
import { bodyText, proxyRequest, readResponse } from "./support/http_wire.ts";
import { startNginx } from "./support/nginx.ts";
import { startProxy } from "./support/proxy_process.ts";
import { startRawOrigin } from "./support/raw_origin.ts";

const CLIENTS = 50;
const REQUESTS = 20;

Deno.test(`${CLIENTS} concurrent clients x ${REQUESTS} requests all get 200`, async () => {
  await using nginx = await startNginx();
  await using origin = startRawOrigin();
  await using proxy = await startProxy(["--flow-detail", "0"]);

  const client = async (id: number): Promise<number> => {
    using conn = await BufferedConn.connect(proxy.port, 30_000);
    let ok = 0;
    for (let i = 0; i < REQUESTS; i++) {
      // Every fifth request goes to the raw origin, so each client also switches upstreams.
      if (i % 5 === 4) {
        await conn.write(
          proxyRequest("POST", origin.url(`/echo?c=${id}&i=${i}`), [], `${id}:${i}`),
        );
        const response = await readResponse(conn, { method: "POST" });
        assert.equal(response.status, 200, bodyText(response));
        const echo = JSON.parse(bodyText(response)) as { target: string; body: string };
        assert.equal(echo.target, `/echo?c=${id}&i=${i}`);
        assert.equal(echo.body, `${id}:${i}`);
      } else {
        await conn.write(
          proxyRequest("GET", nginx.url(`/echo?c=${id}&i=${i}`), [["X-Test", String(id)]]),
        );
        const response = await readResponse(conn);
        assert.equal(response.status, 200, bodyText(response));
        assert.equal(bodyText(response), `GET /echo?c=${id}&i=${i} ${id}\n`);
      }
      ok++;
    }
    return ok;
  };

  const results = await Promise.all(Array.from({ length: CLIENTS }, (_, id) => client(id)));
  assert.equal(results.reduce((a, b) => a + b, 0), CLIENTS * REQUESTS);
  assert.equal(origin.requests.length, CLIENTS * REQUESTS / 5);
  const exit = await proxy.stop();
  assert.equal(exit.code, 0, exit.stderr);
  assert.equal(exit.stderr, "");
});

Deno.test("500 pipelined requests in one write are all answered in order", async () => {
  await using nginx = await startNginx();
  await using proxy = await startProxy(["--flow-detail", "0"]);
  using conn = await BufferedConn.connect(proxy.port, 30_000);
  const count = 500;
  let data = "";
  for (let i = 0; i < count; i++) data += proxyRequest("GET", nginx.url(`/echo?i=${i}`));
  await conn.write(data);
  for (let i = 0; i < count; i++) {
    const response = await readResponse(conn);
    assert.equal(response.status, 200);
    assert.equal(bodyText(response), `GET /echo?i=${i} \n`);
  }
  conn.close(); // an open keep-alive connection would hold the shutdown grace period
  const exit = await proxy.stop();
  assert.equal(exit.code, 0, exit.stderr);
});
