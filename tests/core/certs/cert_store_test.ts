import assert from "node:assert/strict";
import { join } from "node:path";
import { CertFileError } from "../../../core/certs/ca.ts";
import { type CertEntry, CertStore, type GetCertRequest } from "../../../core/certs/cert_store.ts";
import { generateLeaf } from "../../../core/certs/leaf.ts";
import { opensslOk, sharedCa, tempDir } from "./cert_test_util.ts";

const ca = await sharedCa();

function names(entry: CertEntry): string[] {
  return entry.sans.map((s) => s.value);
}

// --- choosing names (tlsconfig.get_cert) ---

Deno.test("identify: SNI, then server address; CN is the first name; IPs and IDNs encoded", () => {
  const store = new CertStore(ca);
  assert.deepEqual(store.identify({ sni: "Bücher.example", address: ["10.0.0.1", 443] }), {
    commonName: "xn--bcher-kva.example",
    sans: [{ type: "dns", value: "xn--bcher-kva.example" }, { type: "ip", value: "10.0.0.1" }],
    organization: null,
    crlDistributionPoint: null,
  });
});

Deno.test("identify: without SNI the local address the client connected to names the cert", () => {
  const store = new CertStore(ca);
  const id = store.identify({ sni: null, sockname: ["::1", 8080], address: ["example.com", 443] });
  assert.equal(id.commonName, "::1");
  assert.deepEqual(id.sans.map((s) => `${s.type}:${s.value}`), ["ip:::1", "dns:example.com"]);
  // With SNI the sockname is not used.
  const withSni = store.identify({ sni: "a.test", sockname: ["127.0.0.1", 8080] });
  assert.deepEqual(withSni.sans.map((s) => s.value), ["a.test"]);
});

Deno.test("identify: upstream CN, SANs and O come first; duplicates dropped keeping order", () => {
  const store = new CertStore(ca);
  const id = store.identify({
    sni: "www.example.com",
    address: ["www.example.com", 443],
    upstreamCert: {
      commonName: "example.com",
      sans: ["example.com", "*.example.com", "www.example.com", "93.184.216.34"],
      organization: "Example Inc.",
      crlDistributionPoints: ["http://crl.example.net:8080/ca/1.crl", "http://other/2.crl"],
    },
  });
  assert.equal(id.commonName, "example.com");
  assert.deepEqual(id.sans.map((s) => s.value), [
    "example.com",
    "*.example.com",
    "www.example.com",
    "93.184.216.34",
  ]);
  assert.equal(id.organization, "Example Inc.");
  assert.equal(id.crlDistributionPoint, `http://crl.example.net:8080/mitmproxy-${ca.serial}.crl`);
});

Deno.test("identify: an unparsable upstream CRL URL is ignored", () => {
  const store = new CertStore(ca);
  const upstreamCert = {
    commonName: null,
    sans: [],
    organization: null,
    crlDistributionPoints: ["not a url"],
  };
  assert.equal(store.identify({ sni: "a.test", upstreamCert }).crlDistributionPoint, null);
});

// --- generated leaves ---

Deno.test("getCert generates once per (CN, SANs) and caches; the leaf has the names", async () => {
  const store = new CertStore(ca);
  const req: GetCertRequest = { sni: "example.com", address: ["example.com", 443] };
  const a = await store.getCert(req);
  const b = await store.getCert(req);
  assert.equal(a, b);
  assert.equal(a.custom, false);
  assert.deepEqual(names(a), ["example.com"]);
  assert.equal(a.keyPem, ca.keyPem);
  assert.deepEqual(a.chainPems, []);
  assert.deepEqual(store.stats, {
    generated: 1,
    cacheHits: 1,
    customHits: 0,
    joined: 0,
    evicted: 0,
  });
  const other = await store.getCert({ sni: "example.com", address: ["1.2.3.4", 443] });
  assert.notEqual(other, a);
  assert.equal(store.stats.generated, 2);
});

Deno.test("single-flight: 100 concurrent requests for one host generate one leaf", async () => {
  const store = new CertStore(ca);
  const results = await Promise.all(
    Array.from({ length: 100 }, () => store.getCert({ sni: "burst.example", address: null })),
  );
  assert.equal(store.stats.generated, 1);
  assert.equal(store.stats.joined, 99);
  assert.ok(results.every((r) => r === results[0]));
  // Afterwards it is a plain cache hit.
  assert.equal(await store.getCert({ sni: "burst.example" }), results[0]);
  assert.equal(store.stats.cacheHits, 1);
});

Deno.test("concurrent requests for different hosts each generate", async () => {
  const store = new CertStore(ca);
  const hosts = Array.from({ length: 10 }, (_, i) => `h${i}.example`);
  const entries = await Promise.all(hosts.map((sni) => store.getCert({ sni })));
  assert.equal(store.stats.generated, 10);
  assert.deepEqual(entries.map((e) => e.commonName), hosts);
});

Deno.test("LRU: the least recently used leaf is evicted at capacity", async () => {
  const store = new CertStore(ca, { capacity: 2 });
  const a = await store.getCert({ sni: "a.test" });
  await store.getCert({ sni: "b.test" });
  assert.equal(await store.getCert({ sni: "a.test" }), a); // a is now the most recent
  await store.getCert({ sni: "c.test" }); // evicts b
  assert.equal(store.size, 2);
  assert.equal(store.stats.evicted, 1);
  assert.equal(await store.getCert({ sni: "a.test" }), a);
  const generated = store.stats.generated;
  await store.getCert({ sni: "b.test" });
  assert.equal(store.stats.generated, generated + 1);
  assert.throws(() => new CertStore(ca, { capacity: 0 }), RangeError);
});

// --- custom certificates (--certs) ---

async function selfSigned(dir: string, cn: string, san: string): Promise<string> {
  const key = join(dir, `${cn}.key`);
  const cert = join(dir, `${cn}.crt`);
  await opensslOk([
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    key,
    "-out",
    cert,
    "-subj",
    `/CN=${cn}`,
    "-days",
    "30",
    "-addext",
    `subjectAltName=${san}`,
    "-addext",
    "basicConstraints=critical,CA:FALSE",
  ]);
  const path = join(dir, `${cn}.pem`);
  await Deno.writeTextFile(path, (await Deno.readTextFile(cert)) + (await Deno.readTextFile(key)));
  return path;
}

Deno.test("custom cert with its own key answers its names and wildcard forms", async () => {
  await using dir = await tempDir();
  const path = await selfSigned(dir.path, "custom.test", "DNS:custom.test,DNS:*.custom.test");
  const store = new CertStore(ca);
  assert.deepEqual(await store.addCustomCert(`custom.test=${path}`), []);
  const exact = await store.getCert({ sni: "custom.test" });
  const wild = await store.getCert({ sni: "www.custom.test" });
  assert.equal(exact.custom, true);
  assert.equal(wild, exact);
  assert.notEqual(exact.keyPem, ca.keyPem);
  // Deeper names match `*.custom.test` through their wildcard forms, as in mitmproxy.
  assert.equal(await store.getCert({ sni: "a.b.custom.test" }), exact);
  const other = await store.getCert({ sni: "other.test" });
  assert.equal(other.custom, false);
  assert.equal(store.stats.customHits, 3);
});

Deno.test("custom cert without domain registers '*' and then answers every host", async () => {
  await using dir = await tempDir();
  const path = await selfSigned(dir.path, "any.test", "DNS:any.test");
  const store = new CertStore(ca);
  await store.addCustomCert(path);
  assert.equal((await store.getCert({ sni: "unrelated.example" })).custom, true);
  assert.equal(store.stats.generated, 0);
});

Deno.test("custom wildcard spec domain: *.corp.test=path", async () => {
  await using dir = await tempDir();
  const path = await selfSigned(dir.path, "intranet", "DNS:intranet");
  const store = new CertStore(ca);
  await store.addCustomCert(`*.corp.test=${path}`);
  assert.equal((await store.getCert({ sni: "wiki.corp.test" })).custom, true);
  assert.equal((await store.getCert({ sni: "corp.test" })).custom, false);
});

Deno.test("custom cert without key: the CA key must match, else the file is named", async () => {
  const store = new CertStore(ca);
  const leaf = await generateLeaf(ca, { commonName: "nokey.test", sans: ["nokey.test"] });
  await store.addCustomCertPem(leaf.certPem, { source: "nokey.pem", domain: "nokey.test" });
  const entry = await store.getCert({ sni: "nokey.test" });
  assert.equal(entry.custom, true);
  assert.equal(entry.keyPem, ca.keyPem);

  await using dir = await tempDir();
  const foreign = await selfSigned(dir.path, "foreign.test", "DNS:foreign.test");
  const certOnly = join(dir.path, "cert-only.pem");
  const text = await Deno.readTextFile(foreign);
  await Deno.writeTextFile(certOnly, text.slice(0, text.indexOf("-----BEGIN PRIVATE KEY")));
  await assert.rejects(store.addCustomCert(certOnly), (e: unknown) => {
    assert.ok(e instanceof CertFileError);
    assert.equal(e.file, certOnly);
    assert.match(e.message, /no private key in the file, and the CA key does not match/);
    return true;
  });
});

Deno.test("custom cert errors: key mismatch, missing file, garbage", async () => {
  await using dir = await tempDir();
  const a = await Deno.readTextFile(await selfSigned(dir.path, "a.test", "DNS:a.test"));
  const b = await Deno.readTextFile(await selfSigned(dir.path, "b.test", "DNS:b.test"));
  const mixed = a.slice(0, a.indexOf("-----BEGIN PRIVATE KEY")) +
    b.slice(b.indexOf("-----BEGIN PRIVATE KEY"));
  const store = new CertStore(ca);
  await assert.rejects(
    store.addCustomCertPem(mixed, { source: "mixed.pem" }),
    /^CertFileError: mixed\.pem: the private key does not match the certificate/,
  );
  await assert.rejects(
    store.addCustomCert("x.test=/nonexistent/cert.pem"),
    /\/nonexistent\/cert\.pem: file does not exist/,
  );
  await assert.rejects(
    store.addCustomCertPem("nothing here", { source: "g.pem" }),
    /g\.pem: no CERTIFICATE block found/,
  );
});

Deno.test("a CA certificate given as --certs leaf is accepted with mitmproxy's warning", async () => {
  const store = new CertStore(ca);
  const warnings = await store.addCustomCertPem(ca.keyPem + ca.certPem, { source: "ca.pem" });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /"ca\.pem" is a certificate authority and not a leaf certificate/);
});
