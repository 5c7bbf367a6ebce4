/**
 * TLS interception end to end, with real clients (curl, openssl s_client, headless Chromium)
 * through the proxy to nginx's TLS port: the forged certificates, upstream verification,
 * passthrough (`ignore_hosts`, `tls_passthrough_on_failure`), custom `certs`, existing and
 * broken CA files in the confdir, and the onboarding app's CA downloads.
 *
 * nginx's certificate is self-signed for IP 127.0.0.1 only: proxies that talk to it by name
 * (SNI `localhost`, `custom.test`) run with `ssl_insecure`.
 */
import assert from "node:assert/strict";
import { CERTUTIL, CHROMIUM, dumpDom } from "./support/chromium.ts";
import {
  copyFixtureConfdir,
  corruptCaFiles,
  FIXTURE_CONFDIR,
  HAVE_FIXTURE,
  tempDir,
} from "./support/confdirs.ts";
import { curl, splitIncluded } from "./support/curl.ts";
import { LoopbackGate } from "./support/loopback_gate.ts";
import { pseudoRandomBytes, sha256Hex, startNginx } from "./support/nginx.ts";
import { escapeRegExp, runProxyCli } from "./support/proxy_process.ts";
import {
  allOutput,
  outputLines,
  startTlsProxy,
  type TlsProxy,
  waitForOutput,
} from "./support/tls_proxy.ts";
import {
  certInfo,
  chainThroughProxy,
  dirDigest,
  makeMitmproxyConfdir,
  makeSelfSigned,
  openssl,
  spkiSha256Base64,
  verifiesAgainst,
} from "./support/tls_tools.ts";

const MITMPROXY_ISSUER = "CN = mitmproxy, O = mitmproxy";
const CA_FILES = [
  "mitmproxy-ca-cert.cer",
  "mitmproxy-ca-cert.p12",
  "mitmproxy-ca-cert.pem",
  "mitmproxy-ca.p12",
  "mitmproxy-ca.pem",
];

/** curl through the proxy trusting `cacert` (the proxy's CA unless told otherwise). */
function curlVia(p: TlsProxy, args: readonly string[], cacert: string | null = p.caFile) {
  return curl([...(cacert === null ? [] : ["--cacert", cacert]), "-x", p.url, ...args]);
}

Deno.test("TLS interception: clients that trust the proxy's CA", async (t) => {
  await using nginx = await startNginx();
  const origin = `https://127.0.0.1:${nginx.tlsPort}`;
  // Upstream verification stays on: nginx's self-signed certificate is the trusted CA.
  await using p = await startTlsProxy([
    "--set",
    `ssl_verify_upstream_trusted_ca=${nginx.dir}/cert.pem`,
  ]);

  await t.step("the CA is created in the confdir with mitmproxy's file names", async () => {
    const names = [...Deno.readDirSync(p.confdir)].map((e) => e.name).sort();
    assert.deepEqual(names, CA_FILES);
    assert.equal((await Deno.stat(`${p.confdir}/mitmproxy-ca.pem`)).mode! & 0o777, 0o600);
    const ca = await certInfo(await Deno.readTextFile(p.caFile));
    assert.equal(ca.subject, MITMPROXY_ISSUER);
    assert.equal(ca.issuer, MITMPROXY_ISSUER);
  });

  await t.step("GET: curl --cacert sees the origin's answer; the flow is https://", async () => {
    const res = await curlVia(p, ["-H", "X-Test: over-tls", `${origin}/echo?q=1`]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.text, "GET /echo?q=1 over-tls\n");
    const flow = await p.proxy.waitForFlow("GET", `${origin}/echo?q=1`);
    assert.match(flow.result, /<< 200 OK 23b/);
  });

  await t.step("POST with a 256 KiB body", async () => {
    await using dir = await tempDir("mitmdeno-e2e-post-");
    await Deno.writeFile(`${dir.path}/body.bin`, pseudoRandomBytes(256 * 1024));
    const res = await curlVia(p, [
      "-H",
      "X-Test: posted",
      "--data-binary",
      `@${dir.path}/body.bin`,
      `${origin}/echo?post=1`,
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.text, "POST /echo?post=1 posted\n");
    await p.proxy.waitForFlow("POST", `${origin}/echo?post=1`);
  });

  await t.step("5 MiB download arrives intact (sha256)", async () => {
    const res = await curlVia(p, [`${origin}/big`]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.stdout.length, 5 * 1024 * 1024);
    assert.equal(await sha256Hex(res.stdout), nginx.bigSha256);
    const flow = await p.proxy.waitForFlow("GET", `${origin}/big`);
    assert.match(flow.result, /<< 200 OK 5\.0m/);
  });

  await t.step("keep-alive: three URLs in one curl run share one TLS connection", async () => {
    const urls = [`${origin}/echo?k=1`, `${origin}/`, `${origin}/echo?k=3`];
    const res = await curlVia(p, ["-v", "-H", "X-Test: ka", ...urls]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.text, "GET /echo?k=1 ka\nhello from nginx\nGET /echo?k=3 ka\n");
    assert.equal(res.stderr.match(/Re-using existing connection/g)?.length, 2, res.stderr);
    const clients = new Set<string>();
    for (const url of urls) {
      const { request } = await p.proxy.waitForFlow("GET", url);
      clients.add(request.split(": ")[0]);
    }
    assert.equal(clients.size, 1, `flows came from ${[...clients]}`);
  });

  await t.step("a client without the CA fails cleanly; the next client still works", async () => {
    const rejected = await curl(["-x", p.url, `${origin}/echo?untrusted=1`]);
    assert.equal(rejected.code, 60, `curl should reject the certificate: ${rejected.stderr}`);
    await waitForOutput(
      p.proxy,
      /Client TLS handshake failed\. The client does not trust the proxy's certificate for 127\.0\.0\.1 \(/,
    );
    assert.equal(outputLines(p.proxy, /GET .*untrusted=1/).length, 0);
    const next = await curlVia(p, [`${origin}/echo?after=1`]);
    assert.equal(next.code, 0, next.stderr);
    assert.equal(next.text, "GET /echo?after=1 \n");
    assert.equal(p.proxy.exited, false);
  });

  await t.step("http://mitm.it/cert/pem|cer|p12 serve the CA files", async () => {
    const pem = await curl(["-i", "-x", p.url, "http://mitm.it/cert/pem"]);
    assert.equal(pem.code, 0, pem.stderr);
    const { status, headers, body } = splitIncluded(pem.text);
    assert.match(status, /^HTTP\/1\.1 200/);
    assert.ok(headers.some((h) => /^content-type: application\/x-x509-ca-cert/i.test(h)));
    assert.equal(body, await Deno.readTextFile(p.caFile));
    const cer = await curl(["-x", p.url, "http://mitm.it/cert/cer"]);
    assert.deepEqual(cer.stdout, await Deno.readFile(`${p.confdir}/mitmproxy-ca-cert.cer`));
    const p12 = await curl(["-x", p.url, "http://mitm.it/cert/p12"]);
    assert.deepEqual(p12.stdout, await Deno.readFile(`${p.confdir}/mitmproxy-ca-cert.p12`));
  });

  await t.step("trusted CA does not switch off the hostname check", async () => {
    // nginx's certificate names 127.0.0.1 only; asked for "localhost" the proxy must refuse.
    const res = await curlVia(p, [`https://localhost:${nginx.tlsPort}/echo?name=1`]);
    // Refused: either the connection fails or the client gets a 502 naming the cause.
    assert.ok(res.code !== 0 || res.text.startsWith("502 Bad Gateway"), res.text);
    assert.ok(!res.text.includes("GET /echo"), res.text);
    await waitForOutput(p.proxy, /Server TLS handshake failed: .*localhost/);
  });
});

Deno.test("TLS interception: the certificate clients see", async (t) => {
  await using nginx = await startNginx();
  const target = `127.0.0.1:${nginx.tlsPort}`;
  const [p, v12, v13] = await Promise.all([
    startTlsProxy(["--set", "ssl_insecure=true"]),
    startTlsProxy(["--set", "ssl_insecure=true", "--set", "tls_version_client_max=TLS1_2"]),
    startTlsProxy(["--set", "ssl_insecure=true", "--set", "tls_version_client_min=TLS1_3"]),
  ]);
  await using _p = p;
  await using _v12 = v12;
  await using _v13 = v13;

  await t.step(
    "s_client -servername localhost: a leaf from CN=mitmproxy naming localhost",
    async () => {
      const seen = await chainThroughProxy(p.port, target, "localhost");
      assert.ok(seen.chain.length >= 1, seen.output);
      const leaf = await certInfo(seen.chain[0]);
      assert.equal(leaf.issuer, MITMPROXY_ISSUER);
      assert.ok(leaf.sans.includes("DNS:localhost"), `SANs: ${leaf.sans}`);
      // The upstream certificate's names are copied too (upstream_cert).
      assert.ok(leaf.sans.includes("IP Address:127.0.0.1"), `SANs: ${leaf.sans}`);
      const verified = await openssl(
        ["verify", "-CAfile", p.caFile, "-purpose", "sslserver", "-verify_hostname", "localhost"],
        { input: seen.chain[0] },
      );
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    },
  );

  await t.step("without SNI the leaf names the IP address", async () => {
    const seen = await chainThroughProxy(p.port, target, null);
    const leaf = await certInfo(seen.chain[0]);
    assert.equal(leaf.issuer, MITMPROXY_ISSUER);
    assert.ok(leaf.sans.includes("IP Address:127.0.0.1"), `SANs: ${leaf.sans}`);
    const verified = await openssl(["verify", "-CAfile", p.caFile, "-verify_ip", "127.0.0.1"], {
      input: seen.chain[0],
    });
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });

  await t.step("each name gets its own leaf, all signed by the same CA", async () => {
    const a = await certInfo((await chainThroughProxy(p.port, target, "a.test")).chain[0]);
    const b = await certInfo((await chainThroughProxy(p.port, target, "b.test")).chain[0]);
    assert.ok(a.sans.includes("DNS:a.test") && !a.sans.includes("DNS:b.test"), `${a.sans}`);
    assert.ok(b.sans.includes("DNS:b.test"), `${b.sans}`);
    assert.notEqual(a.sha256, b.sha256);
    assert.equal(a.issuer, MITMPROXY_ISSUER);
  });

  await t.step("tls_version_client_max=TLS1_2 / tls_version_client_min=TLS1_3", async () => {
    const capped = await chainThroughProxy(v12.port, target, "localhost");
    assert.match(capped.output, /Protocol\s*: TLSv1\.2/);
    const refused = await chainThroughProxy(v13.port, target, "localhost", ["-tls1_2"]);
    assert.equal(refused.chain.length, 0, refused.output);
    await waitForOutput(v13.proxy, /Client TLS handshake failed/);
    const ok = await curlVia(v13, [`https://${target}/`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.text, "hello from nginx\n");
  });
});

Deno.test("TLS interception: upstream certificate verification", async (t) => {
  await using nginx = await startNginx();
  const url = `https://127.0.0.1:${nginx.tlsPort}/echo?verify=1`;
  const [strict, insecure] = await Promise.all([
    startTlsProxy([]),
    startTlsProxy(["--set", "ssl_insecure=true"]),
  ]);
  await using _strict = strict;
  await using _insecure = insecure;

  await t.step("an untrusted self-signed upstream is refused, naming the cause", async () => {
    const res = await curlVia(strict, ["-i", url]);
    assert.ok(!res.text.includes("GET /echo"), `the origin's answer leaked: ${res.text}`);
    const flow = await strict.proxy.waitForFlow("GET", url);
    assert.match(flow.result, /<< Could not connect to 127\.0\.0\.1:\d+: self-signed certificate/);
    await waitForOutput(strict.proxy, /Server TLS handshake failed: self-signed certificate/);
  });

  await t.step("ssl_insecure=true accepts it", async () => {
    const res = await curlVia(insecure, ["-H", "X-Test: insecure", url]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.text, "GET /echo?verify=1 insecure\n");
  });

  await t.step(
    "ssl_verify_upstream_trusted_ca=<nginx's certificate> accepts it",
    async () => {
      await using trusting = await startTlsProxy([
        "--set",
        `ssl_verify_upstream_trusted_ca=${nginx.dir}/cert.pem`,
      ]);
      const res = await curlVia(trusting, [url]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.text, "GET /echo?verify=1 \n");
    },
  );
});

Deno.test({
  name: "TLS interception: upstream verification failure answers 502 naming the cause",
  async fn() {
    await using nginx = await startNginx();
    await using p = await startTlsProxy([]);
    const res = await curlVia(p, ["-i", `https://127.0.0.1:${nginx.tlsPort}/echo`]);
    assert.equal(res.code, 0, res.stderr);
    const { status, body } = splitIncluded(res.text);
    assert.match(status, /^HTTP\/(1\.1|2) 502/);
    assert.match(body, /self-signed certificate/);
  },
});

Deno.test({
  name: "TLS interception: a response with Connection: close reaches the client",
  async fn() {
    await using nginx = await startNginx();
    await using p = await startTlsProxy(["--set", "ssl_insecure=true"]);
    const url = `https://127.0.0.1:${nginx.tlsPort}/echo?close=1`;
    const res = await curlVia(p, ["-H", "Connection: close", url]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.text, "GET /echo?close=1 \n");
    const old = await curlVia(p, ["--http1.0", url]);
    assert.equal(old.code, 0, old.stderr);
    assert.equal(old.text, "GET /echo?close=1 \n");
  },
});

Deno.test({
  name: "TLS interception: a TLS version mismatch is logged as such",
  async fn() {
    await using nginx = await startNginx();
    await using p = await startTlsProxy(["--set", "tls_version_client_min=TLS1_3"]);
    await chainThroughProxy(p.port, `127.0.0.1:${nginx.tlsPort}`, "localhost", ["-tls1_2"]);
    const line = await waitForOutput(p.proxy, /Client TLS handshake failed/);
    assert.match(line, /TLS version/);
    assert.doesNotMatch(line, /does not trust/);
  },
});

Deno.test("TLS interception: passthrough and custom certificates", async (t) => {
  await using nginx = await startNginx();
  await using dir = await tempDir("mitmdeno-e2e-certs-");
  const nginxCert = `${nginx.dir}/cert.pem`;
  const nginxSha = (await certInfo(await Deno.readTextFile(nginxCert))).sha256;
  const target = `127.0.0.1:${nginx.tlsPort}`;
  const custom = await makeSelfSigned(dir.path, "custom", ["custom.test"]);
  const [ignoring, onFailure, withCerts] = await Promise.all([
    startTlsProxy([
      "--set",
      `ignore_hosts=^127\\.0\\.0\\.1:${nginx.tlsPort}$`,
      "--set",
      "ssl_insecure=true",
    ]),
    startTlsProxy(["--set", "tls_passthrough_on_failure=true"]),
    startTlsProxy([
      "--set",
      `certs=custom.test=${custom.bundlePath}`,
      "--set",
      "ssl_insecure=true",
    ]),
  ]);
  await using _ignoring = ignoring;
  await using _onFailure = onFailure;
  await using _withCerts = withCerts;

  await t.step("ignore_hosts: the client sees nginx's own certificate", async () => {
    const res = await curlVia(ignoring, [`https://${target}/echo?ignored=1`], nginxCert);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.text, "GET /echo?ignored=1 \n");
    const seen = await chainThroughProxy(ignoring.port, target, null);
    assert.equal((await certInfo(seen.chain[0])).sha256, nginxSha);
    assert.equal(outputLines(ignoring.proxy, /GET https:/).length, 0, allOutput(ignoring.proxy));
  });

  await t.step("ignore_hosts: other names are still intercepted", async () => {
    const seen = await chainThroughProxy(ignoring.port, `localhost:${nginx.tlsPort}`, "localhost");
    assert.equal((await certInfo(seen.chain[0])).issuer, MITMPROXY_ISSUER);
  });

  await t.step("tls_passthrough_on_failure: rejected once, then passed through", async () => {
    const url = `https://${target}/echo?pinned=1`;
    const first = await curlVia(onFailure, [url], nginxCert);
    assert.equal(first.code, 60, `the forged certificate must be rejected: ${first.stderr}`);
    await waitForOutput(onFailure.proxy, /Client TLS handshake failed\. The client does not trust/);
    for (let i = 0; i < 2; i++) {
      const again = await curlVia(onFailure, [url], nginxCert);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.text, "GET /echo?pinned=1 \n");
    }
    const seen = await chainThroughProxy(onFailure.port, target, null);
    assert.equal((await certInfo(seen.chain[0])).sha256, nginxSha);
    const notices = outputLines(onFailure.proxy, /rejected the proxy's certificate/);
    assert.equal(notices.length, 1, allOutput(onFailure.proxy));
    assert.match(notices[0], /^127\.0\.0\.1 rejected the proxy's certificate/);
  });

  await t.step("certs: the custom certificate is served for its domain", async () => {
    const res = await curlVia(withCerts, [
      "--connect-to",
      `custom.test:443:${target}`,
      "https://custom.test/echo?custom=1",
    ], custom.certPath);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.text, "GET /echo?custom=1 \n");
    const seen = await chainThroughProxy(withCerts.port, target, "custom.test");
    assert.equal(
      (await certInfo(seen.chain[0])).sha256,
      (await certInfo(custom.certPem)).sha256,
    );
    const other = await chainThroughProxy(withCerts.port, target, "other.test");
    assert.equal((await certInfo(other.chain[0])).issuer, MITMPROXY_ISSUER);
  });
});

Deno.test({
  name: "TLS interception: certs with an EC key",
  async fn() {
    await using nginx = await startNginx();
    await using dir = await tempDir("mitmdeno-e2e-certs-ec-");
    const custom = await makeSelfSigned(dir.path, "ec", ["ec.test"], "ec");
    await using p = await startTlsProxy([
      "--set",
      `certs=ec.test=${custom.bundlePath}`,
      "--set",
      "ssl_insecure=true",
    ]);
    const seen = await chainThroughProxy(p.port, `127.0.0.1:${nginx.tlsPort}`, "ec.test");
    assert.ok(seen.chain.length > 0, `${seen.output}\nproxy:\n${allOutput(p.proxy)}`);
    assert.equal((await certInfo(seen.chain[0])).sha256, (await certInfo(custom.certPem)).sha256);
  },
});

Deno.test("TLS interception: existing and broken CA files", async (t) => {
  await using nginx = await startNginx();
  const target = `127.0.0.1:${nginx.tlsPort}`;

  await t.step({
    name: "mitmproxy's fixture confdir is loaded as it is",
    ignore: !HAVE_FIXTURE,
    fn: async () => {
      const confdir = await copyFixtureConfdir();
      try {
        const before = await dirDigest(confdir);
        await using p = await startTlsProxy(["--set", "ssl_insecure=true"], confdir);
        // The fixture CA expired in 2016: a warning, not a new CA.
        await waitForOutput(p.proxy, /certificate authority has expired/);
        assert.equal(outputLines(p.proxy, /Created a new CA/).length, 0);
        const pem = await curl(["-x", p.url, "http://mitm.it/cert/pem"]);
        assert.equal(pem.text, await Deno.readTextFile(`${FIXTURE_CONFDIR}/mitmproxy-ca-cert.pem`));
        assert.deepEqual(await dirDigest(confdir), before);
      } finally {
        await Deno.remove(confdir, { recursive: true });
      }
    },
  });

  await t.step("a confdir in mitmproxy's layout (2048-bit CA) is used as it is", async () => {
    await using dir = await tempDir("mitmdeno-e2e-mitmproxy-conf-");
    await makeMitmproxyConfdir(dir.path);
    const before = await dirDigest(dir.path);
    await using p = await startTlsProxy(["--set", "ssl_insecure=true"], dir.path);
    const seen = await chainThroughProxy(p.port, target, "localhost");
    const verified = await verifiesAgainst(seen.chain[0], `${dir.path}/mitmproxy-ca-cert.pem`);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr + seen.output);
    const res = await curlVia(p, [`https://${target}/echo?existing=1`]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(res.text, "GET /echo?existing=1 \n");
    assert.equal(outputLines(p.proxy, /Created a new CA/).length, 0);
    assert.deepEqual(await dirDigest(dir.path), before, "no CA file may be added or changed");
  });

  await t.step("a corrupt mitmproxy-ca.pem stops start-up with a message naming it", async () => {
    const cases = await corruptCaFiles();
    const tryOne = async ([name, content]: [string, string | Uint8Array]) => {
      const confdir = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-badca-" });
      try {
        const file = `${confdir}/mitmproxy-ca.pem`;
        if (typeof content === "string") await Deno.writeTextFile(file, content);
        else await Deno.writeFile(file, content);
        const before = await dirDigest(confdir);
        const exit = await runProxyCli([
          "--listen-host",
          "127.0.0.1",
          "-p",
          "0",
          "--set",
          `confdir=${confdir}`,
        ]);
        return {
          name,
          file,
          exit,
          changed: JSON.stringify(await dirDigest(confdir)) !== JSON.stringify(before),
        };
      } finally {
        await Deno.remove(confdir, { recursive: true });
      }
    };
    // Four at a time: each is a deno process, and other test files run meanwhile.
    const entries = Object.entries(cases);
    const results = [];
    for (let i = 0; i < entries.length; i += 4) {
      results.push(...(await Promise.all(entries.slice(i, i + 4).map(tryOne))));
    }
    for (const { name, file, exit, changed } of results) {
      const out = `${exit.stdout}\n${exit.stderr}`;
      assert.notEqual(exit.code, 0, `${name}: exit ${exit.code}\n${out}`);
      assert.match(out, new RegExp(escapeRegExp(file)), `${name}: the file is not named:\n${out}`);
      assert.equal(changed, false, `${name}: the confdir was modified`);
    }
  });

  await t.step("distributable CA files without the key file stop start-up", async () => {
    await using dir = await tempDir("mitmdeno-e2e-nokey-");
    await makeMitmproxyConfdir(dir.path);
    await Deno.remove(`${dir.path}/mitmproxy-ca.pem`);
    const exit = await runProxyCli([
      "--listen-host",
      "127.0.0.1",
      "-p",
      "0",
      "--set",
      `confdir=${dir.path}`,
    ]);
    assert.notEqual(exit.code, 0);
    assert.match(`${exit.stdout}\n${exit.stderr}`, /mitmproxy-ca\.pem: missing/);
  });
});

Deno.test({
  name: "TLS interception: a proxy that cannot load its CA never reports listening",
  async fn() {
    await using dir = await tempDir("mitmdeno-e2e-badca-listen-");
    await Deno.writeTextFile(`${dir.path}/mitmproxy-ca.pem`, "garbage\n");
    const exit = await runProxyCli([
      "--listen-host",
      "127.0.0.1",
      "-p",
      "0",
      "--set",
      `confdir=${dir.path}`,
    ]);
    assert.notEqual(exit.code, 0);
    assert.doesNotMatch(`${exit.stdout}\n${exit.stderr}`, /listening at/);
  },
});

// BUG (shared with mitmdump 8.1.1, which fails the same way with "ee key too small"): the
// fixture CA's 1024-bit key is reused for every leaf, which the TLS engine refuses, so no
// client can complete a handshake: the log shows a stack trace "Addon error in
// tlsconfig.tls_start_client: error:0A00018A:SSL routines::key too small" and then the
// misleading "no TLS settings for the client connection (is the tlsconfig addon loaded?)";
// the client sees the connection closed (curl exit 35, s_client "no peer certificate").
// Expected: a leaf issued by the fixture CA (e.g. with a fresh key_size leaf key), or a
// start-up error naming mitmproxy-ca.pem and the key size.
Deno.test({
  name: "TLS interception: leaves from mitmproxy's fixture CA (1024-bit key)",
  ignore: true,
  async fn() {
    await using nginx = await startNginx();
    const confdir = await copyFixtureConfdir();
    try {
      await using p = await startTlsProxy(["--set", "ssl_insecure=true"], confdir);
      const seen = await chainThroughProxy(p.port, `127.0.0.1:${nginx.tlsPort}`, "localhost");
      assert.ok(seen.chain.length > 0, seen.output);
      assert.equal((await certInfo(seen.chain[0])).issuer, MITMPROXY_ISSUER);
      const verified = await verifiesAgainst(seen.chain[0], `${confdir}/mitmproxy-ca-cert.pem`);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    } finally {
      await Deno.remove(confdir, { recursive: true });
    }
  },
});

Deno.test({
  name: "TLS interception: headless Chromium through the proxy",
  ignore: CHROMIUM === null,
  async fn(t) {
    await using nginx = await startNginx();
    // By name ("localhost"), which nginx's certificate does not cover: upstream is insecure.
    await using p = await startTlsProxy(["--set", "ssl_insecure=true"]);
    // Chromium asks Google for the time and for updates in the background: only CONNECTs to
    // loopback names reach the proxy, so nothing is resolved or sent off the machine.
    await using gate = new LoopbackGate(p.port);
    const url = `https://localhost:${nginx.tlsPort}/`;

    await t.step("trusting the CA, Chromium gets the page", async () => {
      await using home = await tempDir("mitmdeno-e2e-chromium-");
      const trust = CERTUTIL !== null ? { kind: "nssdb" as const, caFile: p.caFile } : {
        kind: "spki" as const,
        spkiSha256: [await spkiSha256Base64(await Deno.readTextFile(p.caFile))],
      };
      const res = await dumpDom(url, gate.port, home.path, trust);
      assert.match(res.dom, /hello from nginx/, `${res.dom}\n${res.stderr}`);
      await p.proxy.waitForFlow("GET", url);
    });

    await t.step("without the CA, Chromium refuses the forged certificate", async () => {
      await using home = await tempDir("mitmdeno-e2e-chromium-");
      const res = await dumpDom(url, gate.port, home.path, { kind: "none" });
      assert.doesNotMatch(res.dom, /hello from nginx/);
      assert.match(res.stderr, /ERR_CERT_AUTHORITY_INVALID/);
    });
  },
});
