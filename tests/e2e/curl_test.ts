/** curl through the proxy to nginx (and the raw origin where the origin must see the bytes). */
import assert from "node:assert/strict";
import { curl, splitIncluded } from "./support/curl.ts";
import { BIG_SIZE, pseudoRandomBytes, sha256Hex, startNginx } from "./support/nginx.ts";
import { startProxy } from "./support/proxy_process.ts";
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

Deno.test("curl through the proxy", async (t) => {
  await using nginx = await startNginx();
  await using origin = startRawOrigin();
  await using proxy = await startProxy();
  const tmp = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-curl-" });
  try {
    await t.step("GET returns nginx's body and prints the flow", async () => {
      const res = await curl(["-i", "-x", proxy.url, nginx.url("/")]);
      assert.equal(res.code, 0, res.stderr);
      const { status, body } = splitIncluded(res.text);
      assert.match(status, /^HTTP\/1\.1 200 OK$/);
      assert.equal(body, "hello from nginx\n");
      const flow = await proxy.waitForFlow("GET", nginx.url("/"));
      assert.match(flow.result, /^\s+<< 200 OK 17b \d+ms$/);
    });

    await t.step("GET forwards the query and request headers", async () => {
      const res = await curl([
        "-x",
        proxy.url,
        "-H",
        "X-Test: e2e-value",
        nginx.url("/echo?a=1&b=2"),
      ]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.text, "GET /echo?a=1&b=2 e2e-value\n");
    });

    await t.step("HEAD gets headers only and does not hang", async () => {
      const res = await curl(["-I", "-x", proxy.url, nginx.url("/")]);
      assert.equal(res.code, 0, res.stderr);
      const { status, headers, body } = splitIncluded(res.text);
      assert.match(status, /^HTTP\/1\.1 200 OK$/);
      assert.ok(headers.some((h) => /^content-length: 17$/i.test(h)), headers.join("\n"));
      assert.equal(body, "");
      const flow = await proxy.waitForFlow("HEAD", nginx.url("/"));
      assert.match(flow.result, /<< 200 OK /);
    });

    await t.step("POST with a binary body reaches the origin intact", async () => {
      const body = new Uint8Array(3000).map((_, i) => (i * 7) & 0xff);
      await Deno.writeFile(`${tmp}/post.bin`, body);
      const res = await curl([
        "-x",
        proxy.url,
        "-H",
        "Content-Type: application/octet-stream",
        "--data-binary",
        `@${tmp}/post.bin`,
        origin.url("/echo"),
      ]);
      assert.equal(res.code, 0, res.stderr);
      const echo = JSON.parse(res.text) as EchoReply;
      assert.equal(echo.method, "POST");
      assert.equal(echo.target, "/echo");
      assert.equal(echo.bodyLength, 3000);
      const received = origin.requests.at(-1)!;
      assert.deepEqual(received.body, body);

      const viaNginx = await curl(["-x", proxy.url, "--data-binary", "a=b", nginx.url("/echo")]);
      assert.equal(viaNginx.code, 0, viaNginx.stderr);
      assert.equal(viaNginx.text, "POST /echo \n");
      await proxy.waitForFlow("POST", origin.url("/echo"));
      await proxy.waitForFlow("POST", nginx.url("/echo"));
    });

    await t.step({
      name: "POST with an empty body (curl -d '', Content-Length: 0)",
      fn: async () => {
        const res = await curl(["-x", proxy.url, "-d", "", nginx.url("/echo")], 5);
        assert.equal(res.code, 0, res.stderr);
        assert.equal(res.text, "POST /echo \n");
      },
    });

    await t.step({
      name: "GET of an empty 200 (Content-Length: 0) from nginx",
      fn: async () => {
        const res = await curl(["-i", "-x", proxy.url, nginx.url("/empty")], 5);
        assert.equal(res.code, 0, res.stderr);
        const { status, headers, body } = splitIncluded(res.text);
        assert.match(status, /^HTTP\/1\.1 200 OK$/);
        assert.ok(headers.some((h) => /^content-length: 0$/i.test(h)), headers.join("\n"));
        assert.equal(body, "");
      },
    });

    await t.step(
      "keep-alive: several URLs share one client and one upstream connection",
      async () => {
        const urls = [origin.url("/echo?n=1"), origin.url("/echo?n=2"), origin.url("/echo?n=3")];
        const res = await curl([
          "-x",
          proxy.url,
          "-w",
          "##%{http_code} %{num_connects}\\n",
          ...urls,
        ]);
        assert.equal(res.code, 0, res.stderr);
        const stats = [...res.text.matchAll(/##(\d+) (\d+)/g)].map((m) => [m[1], m[2]]);
        assert.deepEqual(stats, [["200", "1"], ["200", "0"], ["200", "0"]]);
        const echoes = [...res.text.matchAll(/\{.*?\}(?=##)/g)].map((m) =>
          JSON.parse(m[0]) as EchoReply
        );
        assert.deepEqual(echoes.map((e) => e.target), ["/echo?n=1", "/echo?n=2", "/echo?n=3"]);
        const connections = new Set(echoes.map((e) => e.connection));
        assert.equal(connections.size, 1, "the proxy should reuse its upstream connection");
      },
    );

    await t.step("HTTP/1.0 request (curl -0)", async () => {
      const res = await curl(["-0", "-i", "-x", proxy.url, nginx.url("/")]);
      assert.equal(res.code, 0, res.stderr);
      const { status, body } = splitIncluded(res.text);
      assert.match(status, /^HTTP\/1\.[01] 200 OK$/);
      assert.equal(body, "hello from nginx\n");
      const flow = await proxy.waitForFlow("GET", nginx.url("/"), { suffix: " HTTP/1.0" });
      assert.match(flow.result, /<< 200 OK 17b /);
    });

    await t.step("5 MiB download arrives intact", async () => {
      const res = await curl(["-x", proxy.url, nginx.url("/big")]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout.length, BIG_SIZE);
      assert.equal(await sha256Hex(res.stdout), nginx.bigSha256);
      const flow = await proxy.waitForFlow("GET", nginx.url("/big"));
      assert.match(flow.result, /<< 200 OK 5\.0m /);
    });

    await t.step("CONNECT tunnel (curl -p): HTTP inside is shown as a flow", async () => {
      const res = await curl(["-v", "-p", "-x", proxy.url, nginx.url("/echo?tunnel=1")]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stderr, /< HTTP\/1\.1 200 Connection established/);
      assert.equal(res.text, "GET /echo?tunnel=1 \n");
      const flow = await proxy.waitForFlow("GET", nginx.url("/echo?tunnel=1"));
      assert.match(flow.result, /<< 200 OK /);
    });

    await t.step("CONNECT tunnel carries a 5 MiB download", async () => {
      const res = await curl(["-p", "-x", proxy.url, nginx.url("/big")]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(await sha256Hex(res.stdout), nginx.bigSha256);
    });

    await t.step("SIGTERM stops the proxy with exit 0 and the dump has every flow", async () => {
      const exit = await proxy.stop();
      assert.equal(exit.code, 0, exit.stderr);
      const flows = exit.stdout.split("\n").filter((l) => /^127\.0\.0\.1:\d+: [A-Z]+ /.test(l));
      assert.ok(flows.length >= 12, `expected at least 12 flows, got:\n${exit.stdout}`);
      for (const flow of flows) {
        const next = exit.stdout.split("\n")[exit.stdout.split("\n").indexOf(flow) + 1];
        assert.match(next, /^\s+<< /, `flow line without a result: ${flow}`);
      }
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("curl with stream_large_bodies=1m", async (t) => {
  await using nginx = await startNginx();
  await using origin = startRawOrigin();
  await using proxy = await startProxy(["--set", "stream_large_bodies=1m"]);
  const tmp = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-curl-" });
  try {
    await t.step("streamed 5 MiB download arrives intact", async () => {
      const res = await curl(["-x", proxy.url, nginx.url("/big")]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout.length, BIG_SIZE);
      assert.equal(await sha256Hex(res.stdout), nginx.bigSha256);
      const flow = await proxy.waitForFlow("GET", nginx.url("/big"));
      assert.match(flow.result, /<< 200 OK /);
    });

    await t.step("small bodies are still buffered and shown with their size", async () => {
      const res = await curl(["-x", proxy.url, nginx.url("/")]);
      assert.equal(res.text, "hello from nginx\n");
      const flow = await proxy.waitForFlow("GET", nginx.url("/"));
      assert.match(flow.result, /<< 200 OK 17b /);
    });

    await t.step("streamed 3 MiB upload arrives intact", async () => {
      const body = pseudoRandomBytes(3 * 1024 * 1024, 7);
      await Deno.writeFile(`${tmp}/upload.bin`, body);
      const res = await curl([
        "-x",
        proxy.url,
        "--data-binary",
        `@${tmp}/upload.bin`,
        origin.url("/echo"),
      ]);
      assert.equal(res.code, 0, res.stderr);
      const echo = JSON.parse(res.text) as EchoReply;
      assert.equal(echo.bodyLength, body.length);
      assert.equal(await sha256Hex(origin.requests.at(-1)!.body), await sha256Hex(body));
    });

    await t.step("streamed chunked upload (no Content-Length) arrives intact", async () => {
      const body = pseudoRandomBytes(2 * 1024 * 1024, 11);
      await Deno.writeFile(`${tmp}/chunked.bin`, body);
      const res = await curl([
        "-x",
        proxy.url,
        "-H",
        "Transfer-Encoding: chunked",
        "--data-binary",
        `@${tmp}/chunked.bin`,
        origin.url("/echo"),
      ]);
      assert.equal(res.code, 0, res.stderr);
      const echo = JSON.parse(res.text) as EchoReply;
      assert.equal(echo.bodyLength, body.length);
      assert.equal(await sha256Hex(origin.requests.at(-1)!.body), await sha256Hex(body));
    });

    await t.step("exit 0 on SIGTERM", async () => {
      const exit = await proxy.stop();
      assert.equal(exit.code, 0, exit.stderr);
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
