/** Upstream behaviour: failures become readable 502s, unusual but valid framing passes. */
import assert from "node:assert/strict";
import { BufferedConn } from "./support/buffered_conn.ts";
import {
  bodyText,
  header,
  proxyRequest,
  readResponse,
  type WireResponse,
} from "./support/http_wire.ts";
import { type ProxyProcess, startProxy } from "./support/proxy_process.ts";
import { startRawOrigin } from "./support/raw_origin.ts";

async function get(
  proxy: ProxyProcess,
  url: string,
  allowTruncated = false,
): Promise<{ response: WireResponse }> {
  using conn = await BufferedConn.connect(proxy.port);
  await conn.write(proxyRequest("GET", url));
  return { response: await readResponse(conn, { allowTruncated }) };
}

function assert502(response: WireResponse, cause: RegExp): void {
  assert.equal(response.status, 502, bodyText(response));
  assert.equal(response.reason, "Bad Gateway");
  assert.match(header(response.headers, "content-type") ?? "", /^text\/plain/);
  assert.match(bodyText(response), cause);
}

function refusedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

Deno.test("upstream failures and framing", async (t) => {
  await using origin = startRawOrigin();
  await using proxy = await startProxy();

  await t.step("refused port: 502 naming 'connection refused'", async () => {
    const url = `http://127.0.0.1:${refusedPort()}/refused`;
    const { response } = await get(proxy, url);
    assert502(response, /connection refused/);
    const flow = await proxy.waitForFlow("GET", url);
    assert.match(flow.result, /^\s+<< .*connection refused/);
  });

  await t.step("unresolvable host: 502 naming 'name not resolved'", async () => {
    const url = "http://nonexistent.invalid/";
    const { response } = await get(proxy, url);
    assert502(response, /name not resolved/);
    const flow = await proxy.waitForFlow("GET", url);
    assert.match(flow.result, /^\s+<< .*name not resolved/);
  });

  await t.step("origin closing mid-body (Content-Length): 502", async () => {
    const { response } = await get(proxy, origin.url("/close-mid-body"));
    assert502(response, /server closed the connection|mid-response/i);
    const flow = await proxy.waitForFlow("GET", origin.url("/close-mid-body"));
    assert.ok(flow.result.includes("<<"));
  });

  await t.step("origin closing mid-body (chunked): 502", async () => {
    const { response } = await get(proxy, origin.url("/chunked-cut"));
    assert502(response, /server closed the connection|mid-response/i);
  });

  await t.step("origin sending garbage: 502", async () => {
    const { response } = await get(proxy, origin.url("/garbage"));
    assert502(response, /invalid response/i);
    const flow = await proxy.waitForFlow("GET", origin.url("/garbage"));
    assert.match(flow.result, /^\s+<< .*invalid response/i);
  });

  await t.step("close-delimited response body is delivered whole", async () => {
    const { response } = await get(proxy, origin.url("/close-delimited"));
    assert.equal(response.status, 200);
    assert.equal(response.truncated, false);
    assert.equal(bodyText(response), "first part, second part, end");
  });

  await t.step("chunked response with trailers", async () => {
    const { response } = await get(proxy, origin.url("/chunked"));
    assert.equal(response.status, 200);
    assert.equal(bodyText(response), "chunk1chunk2chunk3!");
    assert.deepEqual(
      response.trailers.map(([n, v]) => [n.toLowerCase(), v]),
      [["x-checksum", "abc123"], ["x-count", "3"]],
    );
  });

  await t.step("1xx responses before the 200: the client gets the final response", async () => {
    using conn = await BufferedConn.connect(proxy.port);
    await conn.write(proxyRequest("GET", origin.url("/interim")));
    const response = await readResponse(conn);
    assert.equal(response.status, 200);
    assert.equal(bodyText(response), "final");
    // The connection stays usable.
    await conn.write(proxyRequest("GET", origin.url("/bytes")));
    const next = await readResponse(conn);
    assert.equal(next.status, 200);
    assert.equal(next.body.length, 4096);
  });

  await t.step("after all that, exit 0", async () => {
    const exit = await proxy.stop();
    assert.equal(exit.code, 0, exit.stderr);
    assert.doesNotMatch(exit.stderr, /bug in a protocol layer|connection handler failed/);
  });
});

Deno.test("upstream closing mid-body after headers were streamed", async (t) => {
  await using origin = startRawOrigin();
  await using proxy = await startProxy(["--set", "stream_large_bodies=10"]);

  await t.step("the client sees the 200 and then a cut connection", async () => {
    const { response } = await get(proxy, origin.url("/close-mid-body"), true);
    assert.equal(response.status, 200);
    assert.equal(header(response.headers, "content-length"), "1000");
    assert.equal(response.truncated, true, "the body must not look complete");
    const flow = await proxy.waitForFlow("GET", origin.url("/close-mid-body"));
    assert.ok(flow.result.includes("<<"));
  });

  await t.step("streamed chunked response with trailers", async () => {
    const { response } = await get(proxy, origin.url("/chunked"));
    assert.equal(response.status, 200);
    assert.equal(bodyText(response), "chunk1chunk2chunk3!");
    assert.ok(
      response.trailers.some(([n, v]) => n.toLowerCase() === "x-checksum" && v === "abc123"),
    );
  });

  await t.step("exit 0", async () => {
    const exit = await proxy.stop();
    assert.equal(exit.code, 0, exit.stderr);
  });
});
