import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { CertificateAuthority } from "../../../core/certs/ca.ts";
import { generateLeaf } from "../../../core/certs/leaf.ts";
import { parsePem } from "../../../core/certs/pem.ts";
import { x509 } from "../../../core/certs/x509.ts";
import {
  FIXTURE_CONFDIR,
  opensslOk,
  opensslVerify as verify,
  sharedCa,
  tempDir,
} from "./cert_test_util.ts";

const DAY = 24 * 3600 * 1000;

Deno.test("leaf verifies with openssl and carries DNS, IDN and IP SANs", async () => {
  const ca = await sharedCa();
  const leaf = await generateLeaf(ca, {
    commonName: "example.com",
    sans: ["example.com", "bücher.example", "127.0.0.1", "2001:DB8::1", "*.example.com"],
  });
  const ok = await verify(ca.certPem, leaf.certPem, ["-purpose", "sslserver"]);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /leaf\.pem: OK/);
  for (const host of ["example.com", "xn--bcher-kva.example", "www.example.com"]) {
    const r = await verify(ca.certPem, leaf.certPem, ["-verify_hostname", host]);
    assert.equal(r.code, 0, `${host}: ${r.stderr}`);
  }
  const ip = await verify(ca.certPem, leaf.certPem, ["-verify_ip", "127.0.0.1"]);
  assert.equal(ip.code, 0, ip.stderr);
  const wrong = await verify(ca.certPem, leaf.certPem, ["-verify_hostname", "other.org"]);
  assert.notEqual(wrong.code, 0);

  const text = await opensslOk(["x509", "-noout", "-text"], leaf.certPem);
  assert.match(
    text,
    /X509v3 Subject Alternative Name: ?\n\s+DNS:example\.com, DNS:xn--bcher-kva\.example, IP Address:127\.0\.0\.1, IP Address:2001:DB8:0:0:0:0:0:1, DNS:\*\.example\.com\n/,
  );
  assert.deepEqual(leaf.sans.map((s) => s.value), [
    "example.com",
    "xn--bcher-kva.example",
    "127.0.0.1",
    "2001:db8::1",
    "*.example.com",
  ]);
});

Deno.test("leaf profile: reused CA key, validity, EKU, AKI = CA SKI, no SKI, SHA-256", async () => {
  const ca = await sharedCa();
  const now = new Date("2026-06-01T12:00:00Z");
  const leaf = await generateLeaf(ca, { commonName: "a.test", sans: ["a.test"], now });
  assert.equal(leaf.keyPem, ca.keyPem);
  assert.equal(leaf.cert.notBefore.getTime(), now.getTime() - 2 * DAY);
  assert.equal(leaf.cert.notAfter.getTime(), now.getTime() + 197 * DAY);
  const text = await opensslOk(["x509", "-noout", "-text"], leaf.certPem);
  assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
  assert.match(text, /Subject: CN = a\.test\n/);
  assert.match(text, /Issuer: CN = mitmproxy, O = mitmproxy/);
  assert.match(text, /X509v3 Extended Key Usage: ?\n\s+TLS Web Server Authentication\n/);
  assert.match(text, /X509v3 Subject Alternative Name: ?\n/); // not critical: subject has a CN
  assert.doesNotMatch(text, /Subject Key Identifier/);
  assert.doesNotMatch(text, /Basic Constraints|X509v3 Key Usage/);
  assert.doesNotMatch(text, /CRL Distribution/);
  const aki = leaf.cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  assert.equal(aki?.keyId, ca.keyId);
  const leafModulus = await opensslOk(["x509", "-noout", "-modulus"], leaf.certPem);
  assert.equal(leafModulus, await opensslOk(["x509", "-noout", "-modulus"], ca.certPem));
});

Deno.test("CN of 64+ characters is left out; then the subject is empty and the SAN critical", async () => {
  const ca = await sharedCa();
  const long = "a".repeat(60) + ".com"; // 64 characters
  const leaf = await generateLeaf(ca, { commonName: long, sans: [long] });
  const text = await opensslOk(["x509", "-noout", "-text"], leaf.certPem);
  assert.match(text, /Subject: ?\n/);
  assert.match(text, /X509v3 Subject Alternative Name: critical\n\s+DNS:a{60}\.com\n/);
  const ok = await verify(ca.certPem, leaf.certPem, ["-verify_hostname", long]);
  assert.equal(ok.code, 0, ok.stderr);
  const short = await generateLeaf(ca, { commonName: "a".repeat(59) + ".com", sans: [] });
  assert.equal(short.cert.subject, `CN=${"a".repeat(59)}.com`);
});

Deno.test("organization and CRL distribution point are mirrored when given", async () => {
  const ca = await sharedCa();
  const leaf = await generateLeaf(ca, {
    commonName: "shop.example",
    sans: ["shop.example"],
    organization: "Example Shop, Inc.",
    crlDistributionPoint: "http://crl.example/mitmproxy-1.crl",
  });
  const text = await opensslOk(["x509", "-noout", "-text", "-nameopt", "RFC2253"], leaf.certPem);
  assert.match(text, /Subject: O=Example Shop\\, Inc\.,CN=shop\.example/);
  assert.match(
    text,
    /X509v3 CRL Distribution Points: ?\n\s+Full Name:\n\s+URI:http:\/\/crl\.example\/mitmproxy-1\.crl/,
  );
});

Deno.test("duplicate and unusable names are dropped; no names at all gives no SAN", async () => {
  const ca = await sharedCa();
  const leaf = await generateLeaf(ca, {
    commonName: "x.test",
    sans: ["x.test", "X.TEST", "", "bad name", "[::1]", "::1"],
  });
  assert.deepEqual(leaf.sans, [{ type: "dns", value: "x.test" }, { type: "ip", value: "::1" }]);
  const bare = await generateLeaf(ca, { commonName: null, sans: [] });
  assert.equal(bare.cert.subject, "");
  assert.equal(bare.cert.getExtension(x509.SubjectAlternativeNameExtension), null);
});

Deno.test("serials differ between leaves for the same names", async () => {
  const ca = await sharedCa();
  const a = await generateLeaf(ca, { commonName: "s.test", sans: ["s.test"] });
  const b = await generateLeaf(ca, { commonName: "s.test", sans: ["s.test"] });
  assert.notEqual(a.cert.serialNumber, b.cert.serialNumber);
});

Deno.test("the mitmproxy fixture CA (1024-bit, SHA-1 signed) signs leaves too", async () => {
  const caText = await Deno.readTextFile(join(FIXTURE_CONFDIR, "mitmproxy-ca.pem"));
  const ca = await CertificateAuthority.fromPem(caText, { source: "fixture" });
  const leaf = await generateLeaf(ca, {
    commonName: "f.test",
    sans: ["f.test"],
    now: new Date("2015-01-01T00:00:00Z"),
  });
  const r = await verify(ca.certPem, leaf.certPem, [
    "-attime",
    String(Date.parse("2015-01-01T00:00:00Z") / 1000),
    "-auth_level",
    "0",
  ]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.equal(leaf.cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, ca.keyId);
});

Deno.test("a CA without SKI: the leaf's AKI is computed from the CA key", async () => {
  await using dir = await tempDir();
  const key = join(dir.path, "k.pem");
  const cert = join(dir.path, "c.pem");
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
    "/CN=No SKI CA",
    "-days",
    "30",
    "-addext",
    "subjectKeyIdentifier=none",
    "-addext",
    "authorityKeyIdentifier=none",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  const caPem = await Deno.readTextFile(cert);
  const ca = await CertificateAuthority.fromPem(await Deno.readTextFile(key) + caPem, {
    source: "no-ski",
  });
  assert.equal(ca.keyId, null);
  const leaf = await generateLeaf(ca, { commonName: "n.test", sans: ["n.test"] });
  const aki = leaf.cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId ?? "";
  assert.match(aki, /^[0-9a-f]{40}$/);
  // RFC 5280 §4.2.1.2 method 1: SHA-1 of the RSAPublicKey, as openssl extracts it
  const rsaPublicKey = parsePem(
    await opensslOk(
      ["rsa", "-pubin", "-RSAPublicKey_out"],
      await opensslOk(["x509", "-noout", "-pubkey"], caPem),
    ),
  );
  assert.ok("blocks" in rsaPublicKey && rsaPublicKey.blocks[0].label === "RSA PUBLIC KEY");
  assert.equal(aki, createHash("sha1").update(rsaPublicKey.blocks[0].der).digest("hex"));
  const r = await verify(caPem, leaf.certPem);
  assert.equal(r.code, 0, r.stderr);
});

// --- the hand-written DER, cross-checked by three independent parsers ---
