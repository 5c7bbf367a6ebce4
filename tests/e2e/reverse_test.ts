import * as assert from "node:assert/strict";
import { curl } from "./support/curl.ts";
import { startNginx } from "./support/nginx.ts";
import { freePort, ProxyProcess } from "./support/proxy_process.ts";

Deno.test("reverse proxy modes: https, http and tcp targets, with and without client TLS", async (t) => {
  await using nginx = await startNginx();
  const confdir = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-reverse-" });
  try {
    await t.step("reverse:https:// terminates client TLS with a forged certificate", async () => {
      await using proxy = await ProxyProcess.start([
        "--mode",
        `reverse:https://localhost:${nginx.tlsPort}`,
        "--set",
        `confdir=${confdir}`,
        "--set",
        "ssl_insecure=true",
      ], { port: freePort() });
      const ca = `${confdir}/mitmproxy-ca-cert.pem`;
      const tls = await curl([
        "--cacert",
        ca,
        "--resolve",
        `localhost:${proxy.port}:127.0.0.1`,
        "-H",
        "X-Test: reverse",
        `https://localhost:${proxy.port}/echo`,
      ]);
      assert.equal(tls.code, 0, tls.stderr);
      assert.equal(tls.text, "GET /echo reverse\n");
      const plain = await curl([`http://127.0.0.1:${proxy.port}/echo`]);
      assert.equal(plain.code, 0, plain.stderr);
      assert.equal(plain.text, "GET /echo \n");
      await proxy.waitForFlow("GET", `https://localhost:${nginx.tlsPort}/echo`);
    });
    await t.step("reverse:http:// keeps the server side plain", async () => {
      await using proxy = await ProxyProcess.start([
        "--mode",
        `reverse:http://127.0.0.1:${nginx.port}`,
        "--set",
        `confdir=${confdir}`,
      ], { port: freePort() });
      const res = await curl([`http://127.0.0.1:${proxy.port}/echo`]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.text, "GET /echo \n");
      await proxy.waitForFlow("GET", `http://127.0.0.1:${nginx.port}/echo`);
    });
    await t.step("reverse:tls:// decrypts raw TCP over TLS on both sides", async () => {
      await using proxy = await ProxyProcess.start([
        "--mode",
        `reverse:tls://127.0.0.1:${nginx.tlsPort}`,
        "--set",
        `confdir=${confdir}`,
        "--set",
        "ssl_insecure=true",
      ], { port: freePort() });
      const res = await curl([
        "--cacert",
        `${confdir}/mitmproxy-ca-cert.pem`,
        "--resolve",
        `localhost:${proxy.port}:127.0.0.1`,
        `https://localhost:${proxy.port}/echo`,
      ]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.text, "GET /echo \n");
      await proxy.waitForLine(/<-> 127\.0\.0\.1:\d+ tcp /);
    });
  } finally {
    await Deno.remove(confdir, { recursive: true });
  }
});
