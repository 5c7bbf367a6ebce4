import * as assert from "node:assert/strict";
import { curl } from "./support/curl.ts";
import { ProxyProcess } from "./support/proxy_process.ts";
import { testCert } from "../proxy/tls_test_certs.ts";

/** A TLS origin that speaks HTTP/2 (Deno.serve negotiates h2 by ALPN) and echoes requests. */
async function startH2Origin() {
  const { certPem, keyPem } = await testCert();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert: certPem, key: keyPem, onListen: () => {} },
    async (req) => {
      const body = await req.text();
      return new Response(`${req.method} ${new URL(req.url).pathname} ${body.length}\n`, {
        headers: { "x-origin": "deno", "content-type": "text/plain" },
      });
    },
  );
  return { port: server.addr.port, [Symbol.asyncDispose]: () => server.shutdown() };
}

Deno.test("HTTP/2 through the proxy: h2 on both sides, several streams, bodies", async () => {
  await using origin = await startH2Origin();
  const confdir = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-h2-" });
  try {
    await using proxy = await ProxyProcess.start([
      "--set",
      `confdir=${confdir}`,
      "--set",
      "ssl_insecure=true",
    ]);
    const base = `https://example.test:${origin.port}`;
    const common = [
      "--http2",
      "--cacert",
      `${confdir}/mitmproxy-ca-cert.pem`,
      "--connect-to",
      `example.test:${origin.port}:127.0.0.1:${origin.port}`,
      "-x",
      proxy.url,
      "-w",
      "\\n%{http_version}",
    ];
    const get = await curl([...common, `${base}/one`, `${base}/two`]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(get.text, "GET /one 0\n\n2GET /two 0\n\n2");
    const post = await curl([...common, "--data-binary", "x".repeat(100_000), `${base}/up`]);
    assert.equal(post.code, 0, post.stderr);
    assert.equal(post.text, "POST /up 100000\n\n2");
    await proxy.waitForLine(/: GET https:\/\/\S+\/two HTTP\/2\.0$/);
    await proxy.waitForLine(/<< 200 OK/);
  } finally {
    await Deno.remove(confdir, { recursive: true });
  }
});

Deno.test("HTTP/2 is switched off with --set http2=false", async () => {
  await using origin = await startH2Origin();
  const confdir = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-h2-" });
  try {
    await using proxy = await ProxyProcess.start([
      "--set",
      `confdir=${confdir}`,
      "--set",
      "ssl_insecure=true",
      "--set",
      "http2=false",
    ]);
    const res = await curl([
      "--http2",
      "--cacert",
      `${confdir}/mitmproxy-ca-cert.pem`,
      "-x",
      proxy.url,
      "-w",
      "%{http_version}",
      "-o",
      "/dev/null",
      `https://127.0.0.1:${origin.port}/`,
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.text, "1.1");
  } finally {
    await Deno.remove(confdir, { recursive: true });
  }
});
