// How the hand-written leaf DER reads in other parsers, and its encoding edge cases.
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { X509Certificate } from "node:crypto";
import { join } from "node:path";
import { CertificateAuthority } from "../../../core/certs/ca.ts";
import { certificateFields } from "../../../core/certs/der.ts";
import { generateLeaf } from "../../../core/certs/leaf.ts";
import { parsePem, pemEncode } from "../../../core/certs/pem.ts";
import { x509 } from "../../../core/certs/x509.ts";
import { FIXTURE_CONFDIR, opensslOk, opensslVerify as verify, sharedCa } from "./cert_test_util.ts";

const DAY = 24 * 3600 * 1000;

function nowToTheSecond(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

Deno.test("a full leaf reads the same in @peculiar/x509, openssl and node:crypto", async () => {
  const ca = await sharedCa();
  const now = nowToTheSecond();
  const leaf = await generateLeaf(ca, {
    commonName: "shop.example",
    sans: ["shop.example", "bücher.example", "10.0.0.1", "2001:db8::1", "::ffff:1.2.3.4"],
    organization: "Example Shop",
    crlDistributionPoint: "http://crl.example/mitmproxy-7.crl",
    now,
  });
  assert.equal(leaf.certPem, pemEncode("CERTIFICATE", leaf.der));

  // @peculiar/x509
  const cert = leaf.cert;
  assert.equal(leaf.cert, cert, "parsed once, then reused");
  assert.deepEqual(new Uint8Array(cert.rawData), leaf.der);
  assert.equal(cert.subject, "CN=shop.example, O=Example Shop");
  assert.equal(cert.issuer, ca.cert.subject);
  assert.match(cert.serialNumber, /^[0-7][0-9a-f]{31}$/);
  assert.equal(cert.notBefore.getTime(), now.getTime() - 2 * DAY);
  assert.equal(cert.notAfter.getTime() - cert.notBefore.getTime(), 199 * DAY);
  assert.equal(cert.signatureAlgorithm.name, "RSASSA-PKCS1-v1_5");
  assert.equal((cert.signatureAlgorithm as RsaHashedKeyAlgorithm).hash.name, "SHA-256");
  assert.deepEqual(new Uint8Array(cert.publicKey.rawData), ca.subjectPublicKeyInfoDer);
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  assert.equal(san?.critical, false);
  assert.deepEqual(san?.names.items.map((n) => n.type), ["dns", "dns", "ip", "ip", "ip"]);
  assert.deepEqual(san?.names.items.slice(0, 3).map((n) => n.value), [
    "shop.example",
    "xn--bcher-kva.example",
    "10.0.0.1",
  ]);
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  assert.equal(eku?.critical, false);
  assert.deepEqual([...(eku?.usages ?? [])], [x509.ExtendedKeyUsage.serverAuth]);
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension);
  assert.equal(aki?.keyId, ca.keyId);
  assert.equal(aki?.critical, false);
  assert.equal(cert.getExtension(x509.CRLDistributionPointsExtension)?.critical, false);
  assert.equal(cert.getExtension(x509.SubjectKeyIdentifierExtension), null);
  assert.equal(cert.extensions.length, 4);
  assert.equal(await cert.verify({ publicKey: ca.cert.publicKey, signatureOnly: true }), true);

  // openssl
  const text = await opensslOk(["x509", "-noout", "-text"], leaf.certPem);
  assert.match(text, /Version: 3 \(0x2\)/);
  assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
  assert.match(text, /Issuer: CN = mitmproxy, O = mitmproxy\n/);
  assert.match(text, /Subject: CN = shop\.example, O = Example Shop\n/);
  const dates = await opensslOk(["x509", "-noout", "-dates"], leaf.certPem);
  const notBefore = Date.parse(dates.match(/notBefore=(.*)/)?.[1] ?? "");
  const notAfter = Date.parse(dates.match(/notAfter=(.*)/)?.[1] ?? "");
  assert.equal(notBefore, now.getTime() - 2 * DAY);
  assert.equal(notAfter, now.getTime() + 197 * DAY);
  assert.match(
    text,
    /X509v3 Subject Alternative Name: ?\n\s+DNS:shop\.example, DNS:xn--bcher-kva\.example, IP Address:10\.0\.0\.1, IP Address:2001:DB8:0:0:0:0:0:1, IP Address:0:0:0:0:0:FFFF:102:304\n/,
  );
  assert.match(text, /X509v3 Extended Key Usage: ?\n\s+TLS Web Server Authentication\n/);
  const keyIdText = (ca.keyId ?? "").toUpperCase().match(/../g)?.join(":") ?? "";
  assert.match(
    text,
    new RegExp(`X509v3 Authority Key Identifier: ?\\n\\s+(keyid:)?${keyIdText}\\n`),
  );
  assert.match(
    text,
    /X509v3 CRL Distribution Points: ?\n\s+Full Name:\n\s+URI:http:\/\/crl\.example\/mitmproxy-7\.crl/,
  );
  const ok = await verify(ca.certPem, leaf.certPem, ["-purpose", "sslserver"]);
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  assert.match(ok.stdout, /leaf\.pem: OK/);
  const ip = await verify(ca.certPem, leaf.certPem, ["-verify_ip", "2001:db8::1"]);
  assert.equal(ip.code, 0, ip.stderr);

  // node:crypto
  const caCert = new X509Certificate(ca.certPem);
  const nodeLeaf = new X509Certificate(leaf.certPem);
  assert.equal(nodeLeaf.verify(caCert.publicKey), true);
  assert.equal(nodeLeaf.checkIssued(caCert), true);
  assert.equal(nodeLeaf.checkHost("www.shop.example"), undefined);
  assert.equal(nodeLeaf.checkHost("shop.example"), "shop.example");
  assert.equal(nodeLeaf.checkIP("10.0.0.1"), "10.0.0.1");
  assert.equal(nodeLeaf.ca, false);
});

Deno.test("issuer and public key are the CA certificate's bytes, not a re-encoding", async () => {
  const caText = await Deno.readTextFile(join(FIXTURE_CONFDIR, "mitmproxy-ca.pem"));
  for (
    const ca of [await sharedCa(), await CertificateAuthority.fromPem(caText, { source: "f" })]
  ) {
    const leaf = await generateLeaf(ca, { commonName: "i.test", sans: ["i.test"] });
    const spkiPem = await opensslOk(["x509", "-noout", "-pubkey"], ca.certPem);
    const spki = parsePem(spkiPem);
    assert.ok("blocks" in spki);
    assert.deepEqual(ca.subjectPublicKeyInfoDer, spki.blocks[0].der);
    const leafBytes = Buffer.from(leaf.der);
    const spkiAt = leafBytes.indexOf(Buffer.from(ca.subjectPublicKeyInfoDer));
    const issuerAt = leafBytes.indexOf(Buffer.from(ca.subjectDer));
    assert.ok(issuerAt > 0 && spkiAt > issuerAt, `issuer at ${issuerAt}, key at ${spkiAt}`);
    assert.equal(new x509.Name(ca.subjectDer).toString(), ca.cert.subject);
    assert.equal(leaf.cert.issuer, ca.cert.subject);
    assert.equal(
      new X509Certificate(leaf.certPem).checkIssued(new X509Certificate(ca.certPem)),
      true,
    );
  }
});

Deno.test("certificateFields: null for DER that is not a certificate, whole or truncated", async () => {
  const ca = await sharedCa();
  assert.equal(certificateFields(Uint8Array.of(0x30, 0)), null);
  assert.equal(certificateFields(new Uint8Array(0)), null);
  assert.equal(certificateFields(ca.key.pkcs8), null);
  for (const cut of [10, 100, 300, ca.certDer.length - 1]) {
    assert.equal(certificateFields(ca.certDer.subarray(0, cut)), null, `cut at ${cut}`);
  }
  assert.deepEqual(certificateFields(ca.certDer)?.subject, ca.subjectDer);
});

/** The SAN extension's OCTET STRING header length and content length, per openssl. */
async function sanOctetString(pem: string): Promise<{ hl: number; l: number }> {
  const parsed = await opensslOk(["asn1parse", "-i"], pem);
  const m = parsed.match(
    /:X509v3 Subject Alternative Name\n.*hl=(\d+) l= *(\d+) prim: +OCTET STRING/,
  );
  assert.ok(m, parsed);
  return { hl: Number(m[1]), l: Number(m[2]) };
}

Deno.test("long-form DER lengths: SAN lists of 1, 8, 20 and 300 names", async () => {
  const ca = await sharedCa();
  const caNode = new X509Certificate(ca.certPem);
  const expectedHeader = (l: number) => (l < 128 ? 2 : l < 256 ? 3 : l < 65536 ? 4 : 5);
  const seen = new Set<number>();
  for (const count of [1, 8, 20, 300]) {
    const names = Array.from({ length: count }, (_, i) => `n${i}.example.com`);
    const leaf = await generateLeaf(ca, { commonName: names[0], sans: [...names, "10.9.8.7"] });
    const { hl, l } = await sanOctetString(leaf.certPem);
    assert.equal(hl, expectedHeader(l), `${count} names: ${l} bytes with a ${hl}-byte header`);
    seen.add(hl);
    assert.equal(
      leaf.cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.items.length,
      count + 1,
    );
    const r = await verify(ca.certPem, leaf.certPem, ["-verify_hostname", names.at(-1) ?? ""]);
    assert.equal(r.code, 0, `${count} names: ${r.stderr}`);
    assert.equal(new X509Certificate(leaf.certPem).verify(caNode.publicKey), true);
  }
  assert.deepEqual([...seen].sort(), [2, 3, 4], "short, 1-octet and 2-octet long forms all seen");
});

Deno.test("CN length counts characters: 63 non-ASCII kept as UTF8String, 64 dropped", async () => {
  const ca = await sharedCa();
  const kept = await generateLeaf(ca, { commonName: "é".repeat(63), sans: ["e.test"] });
  assert.equal(kept.cert.subject, `CN=${"é".repeat(63)}`);
  const text = await opensslOk(
    ["x509", "-noout", "-subject", "-nameopt", "utf8,sep_comma_plus"],
    kept.certPem,
  );
  assert.equal(text.trim(), `subject=CN=${"é".repeat(63)}`);
  assert.equal(kept.cert.getExtension(x509.SubjectAlternativeNameExtension)?.critical, false);
  const parsed = await opensslOk(["asn1parse", "-i"], kept.certPem);
  assert.match(parsed, /:commonName\n.*prim: +UTF8STRING +:/);
  const dropped = await generateLeaf(ca, { commonName: "é".repeat(64), sans: ["e.test"] });
  assert.equal(dropped.cert.subject, "");
  assert.equal(dropped.cert.getExtension(x509.SubjectAlternativeNameExtension)?.critical, true);
  const withOrg = await generateLeaf(ca, {
    commonName: null,
    sans: ["o.test"],
    organization: "Org",
  });
  assert.equal(withOrg.cert.subject, "O=Org");
  assert.equal(withOrg.cert.getExtension(x509.SubjectAlternativeNameExtension)?.critical, false);
});

Deno.test("validity across 2050: UTCTime before, GeneralizedTime from 2050 on", async () => {
  const ca = await sharedCa();
  const leaf = await generateLeaf(ca, {
    commonName: "y.test",
    sans: ["y.test"],
    now: new Date("2049-12-01T10:20:30Z"),
  });
  const parsed = await opensslOk(["asn1parse", "-i"], leaf.certPem);
  assert.match(parsed, /UTCTIME +:491129102030Z\n.*GENERALIZEDTIME +:20500616102030Z\n/);
  assert.equal(leaf.cert.notBefore.toISOString(), "2049-11-29T10:20:30.000Z");
  assert.equal(leaf.cert.notAfter.toISOString(), "2050-06-16T10:20:30.000Z");
  const text = await opensslOk(["x509", "-noout", "-dates"], leaf.certPem);
  assert.match(text, /notBefore=Nov 29 10:20:30 2049 GMT\nnotAfter=Jun 16 10:20:30 2050 GMT/);
});
