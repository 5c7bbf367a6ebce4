import assert from "node:assert/strict";
import { join } from "node:path";
import { CertFileError, CertificateAuthority } from "../../../core/certs/ca.ts";
import { pkcs1ToPkcs8, pkcs8ToPkcs1 } from "../../../core/certs/der.ts";
import { parsePem, pemEncode } from "../../../core/certs/pem.ts";
import { FIXTURE_CONFDIR, opensslOk, sharedCa, tempDir } from "./cert_test_util.ts";

const FIXTURE_CA_PEM = await Deno.readTextFile(join(FIXTURE_CONFDIR, "mitmproxy-ca.pem"));
const FIXTURE_CERT_PEM = await Deno.readTextFile(join(FIXTURE_CONFDIR, "mitmproxy-ca-cert.pem"));

async function rejectsWith(promise: Promise<unknown>, pattern: RegExp, file = "src.pem") {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof CertFileError, `expected CertFileError, got ${e}`);
    assert.equal(e.file, file);
    assert.match(e.message, pattern);
    assert.ok(e.message.startsWith(`${file}: `));
    return true;
  });
}

Deno.test("the mitmproxy fixture CA loads as-is: cert, key, serial, SKI, expiry warning", async () => {
  const ca = await CertificateAuthority.fromPem(FIXTURE_CA_PEM, { source: "fixture" });
  assert.equal(ca.certPem, FIXTURE_CERT_PEM);
  assert.equal(FIXTURE_CA_PEM.startsWith(ca.keyPem), true);
  assert.equal(ca.caFilePem, FIXTURE_CA_PEM);
  assert.equal(ca.key.bits, 1024);
  assert.equal(ca.serial, "13918156284494");
  assert.equal(ca.crlPath, "/mitmproxy-13918156284494.crl");
  assert.equal(ca.keyId, "52950c817ec3636ce0ab09c7ab4966920ba96c06");
  assert.deepEqual(ca.chainPems, []);
  assert.equal(ca.keyPair.privateKey.type, "private");
  assert.equal(ca.keyPair.publicKey.type, "public");
  const fingerprint = await opensslOk(
    ["x509", "-noout", "-fingerprint", "-sha256"],
    FIXTURE_CERT_PEM,
  );
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", ca.certDer));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0").toUpperCase()).join(":");
  assert.equal(fingerprint.trim().split("=")[1], hex);
  const warning = ca.expiryWarning("/home/u/.mitmproxy");
  assert.match(warning ?? "", /has expired \(2016-01-28T23:27:08\.000Z\)/);
  assert.match(warning ?? "", /delete all CA-related files in your \/home\/u\/\.mitmproxy folder/);
  assert.equal(ca.expiryWarning("x", new Date("2015-01-01T00:00:00Z")), null);
});

Deno.test("a PKCS#8 key (BEGIN PRIVATE KEY) loads too, in either order with the cert", async () => {
  const pkcs8 = await opensslOk(["pkey"], FIXTURE_CA_PEM);
  assert.match(pkcs8, /BEGIN PRIVATE KEY/);
  const ca = await CertificateAuthority.fromPem(FIXTURE_CERT_PEM + pkcs8, { source: "x" });
  assert.equal(ca.certPem, FIXTURE_CERT_PEM);
  assert.equal(FIXTURE_CA_PEM.startsWith(ca.keyPem), true);
});

Deno.test("DER: PKCS#1 <-> PKCS#8 matches openssl byte for byte", async () => {
  const blocks = parsePem(FIXTURE_CA_PEM);
  assert.ok("blocks" in blocks);
  const pkcs1 = blocks.blocks[0].der;
  const pkcs8Pem = await opensslOk(["pkey"], FIXTURE_CA_PEM);
  const openssl8 = parsePem(pkcs8Pem);
  assert.ok("blocks" in openssl8);
  assert.deepEqual(pkcs1ToPkcs8(pkcs1), openssl8.blocks[0].der);
  assert.deepEqual(pkcs8ToPkcs1(openssl8.blocks[0].der), pkcs1);
  assert.equal(pkcs8ToPkcs1(Uint8Array.of(0x30, 0x05, 1)), null);
  assert.equal(pemEncode("RSA PRIVATE KEY", pkcs1), FIXTURE_CA_PEM.slice(0, 887));
});

Deno.test("encrypted keys: need cert_passphrase, decrypt with it (legacy PEM and PKCS#8)", async () => {
  const legacy = await opensslOk(
    ["rsa", "-aes256", "-passout", "pass:secret", "-traditional"],
    FIXTURE_CA_PEM,
  );
  assert.match(legacy, /Proc-Type: 4,ENCRYPTED/);
  const pkcs8 = await opensslOk(
    ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:secret"],
    FIXTURE_CA_PEM,
  );
  assert.match(pkcs8, /BEGIN ENCRYPTED PRIVATE KEY/);
  for (const key of [legacy, pkcs8]) {
    const text = key + FIXTURE_CERT_PEM;
    await rejectsWith(CertificateAuthority.fromPem(text, { source: "src.pem" }), /cert_passphrase/);
    await rejectsWith(
      CertificateAuthority.fromPem(text, { source: "src.pem", passphrase: "wrong" }),
      /could not be decrypted/,
    );
    const ca = await CertificateAuthority.fromPem(text, { source: "s", passphrase: "secret" });
    assert.equal(FIXTURE_CA_PEM.startsWith(ca.keyPem), true);
  }
});

Deno.test("load errors name the file and the problem", async () => {
  const load = (text: string) => CertificateAuthority.fromPem(text, { source: "src.pem" });
  await rejectsWith(load(""), /no CERTIFICATE block/);
  await rejectsWith(load("garbage"), /no CERTIFICATE block/);
  await rejectsWith(load(FIXTURE_CERT_PEM), /no private key found/);
  const badBase64 = FIXTURE_CA_PEM.replace("MIICXQIBAAKBgQCrGfl5", "MIICXQIBAAKBgQCr!fl5");
  await rejectsWith(load(badBase64), /PEM block 1 \(RSA PRIVATE KEY\) is not valid base64/);
  const mismatched = FIXTURE_CA_PEM.replace(/-----END RSA PRIVATE KEY-----\n[\s\S]*$/, "") +
    "-----END RSA PRIVATE KEY-----\n" + (await sharedCa()).certPem;
  await rejectsWith(load(mismatched), /private key does not match the CA certificate/);
  const truncatedKey = pemEncode("RSA PRIVATE KEY", Uint8Array.of(0x30, 0x03, 2, 1, 0));
  await rejectsWith(load(truncatedKey + FIXTURE_CERT_PEM), /RSA private key is malformed/);
  const brokenCert = pemEncode("CERTIFICATE", Uint8Array.of(0x30, 0x03, 2, 1, 0));
  const keyOnly = FIXTURE_CA_PEM.slice(0, FIXTURE_CA_PEM.indexOf("-----BEGIN CERTIFICATE"));
  await rejectsWith(load(keyOnly + brokenCert), /certificate 1 is malformed/);
  const ec = await opensslOk([
    "genpkey",
    "-algorithm",
    "EC",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
  ]);
  await rejectsWith(load(ec + FIXTURE_CERT_PEM), /not RSA/);
  const ecTraditional = await opensslOk(["ec"], ec);
  assert.match(ecTraditional, /BEGIN EC PRIVATE KEY/);
  await rejectsWith(load(ecTraditional + FIXTURE_CERT_PEM), /"EC PRIVATE KEY"; only RSA/);
  const mislabeled = FIXTURE_CA_PEM.replace("-----END CERTIFICATE-----", "-----END X509 CRL-----");
  await rejectsWith(load(mislabeled), /no CERTIFICATE block|ends with/);
});

Deno.test("create: mitmproxy's CA profile, checked with openssl x509 -text", async () => {
  const now = new Date();
  const ca = await sharedCa();
  await using dir = await tempDir();
  const file = join(dir.path, "ca.pem");
  await Deno.writeTextFile(file, ca.certPem);
  const text = await opensslOk(["x509", "-in", file, "-noout", "-text"]);
  assert.match(text, /Signature Algorithm: sha256WithRSAEncryption/);
  assert.match(text, /Issuer: CN = mitmproxy, O = mitmproxy/);
  assert.match(text, /Subject: CN = mitmproxy, O = mitmproxy/);
  assert.match(text, /Public-Key: \(2048 bit\)/);
  assert.match(text, /Exponent: 65537/);
  assert.match(text, /X509v3 Basic Constraints: critical\n\s+CA:TRUE\n/);
  assert.match(text, /X509v3 Key Usage: critical\n\s+Certificate Sign, CRL Sign\n/);
  assert.match(text, /X509v3 Extended Key Usage: ?\n\s+TLS Web Server Authentication\n/);
  assert.match(text, /X509v3 Subject Key Identifier: ?\n\s+([0-9A-F]{2}:){19}[0-9A-F]{2}\n/);
  assert.doesNotMatch(text, /Authority Key Identifier/);
  const day = 24 * 3600 * 1000;
  const notBefore = ca.cert.notBefore.getTime();
  assert.ok(Math.abs(notBefore - (now.getTime() - 2 * day)) < 60_000);
  assert.equal(ca.cert.notAfter.getTime() - notBefore, 3650 * day);
  assert.equal(ca.expiryWarning(), null);
  assert.equal(await ca.cert.verify({ signatureOnly: true }), true);
  assert.match(ca.keyPem, /^-----BEGIN RSA PRIVATE KEY-----\n/);
  // The written key is what openssl reads as this cert's key.
  const keyModulus = await opensslOk(["rsa", "-noout", "-modulus"], ca.keyPem);
  const certModulus = await opensslOk(["x509", "-noout", "-modulus"], ca.certPem);
  assert.equal(keyModulus, certModulus);
});

Deno.test("create: key_size and names are options; bad key sizes are refused", async () => {
  const ca = await CertificateAuthority.create({
    keySize: 1024,
    commonName: "Test CA",
    organization: "Acme",
  });
  assert.equal(ca.key.bits, 1024);
  assert.equal(ca.cert.subject, "CN=Test CA, O=Acme");
  await assert.rejects(CertificateAuthority.create({ keySize: 512 }), RangeError);
  await assert.rejects(CertificateAuthority.create({ keySize: 2047 }), /multiple of 8/);
});

Deno.test("serials are random and positive", async () => {
  const a = await sharedCa();
  const b = await CertificateAuthority.create({ keySize: 1024 });
  assert.notEqual(a.serial, b.serial);
  assert.ok(BigInt(a.serial) > 0n);
});
