import assert from "node:assert/strict";
import { CertificateAuthority } from "../../core/certs/ca.ts";
import { generateLeaf } from "../../core/certs/leaf.ts";
import { openLibcryptoRsaSigner } from "../../ffi/libcrypto_rsa_signer.ts";
import { opensslVerify, sharedCa } from "../core/certs/cert_test_util.ts";

const RSA = "RSASSA-PKCS1-v1_5";

function openFor(pkcs8: Uint8Array<ArrayBuffer>) {
  const signer = openLibcryptoRsaSigner(pkcs8);
  // CI installs openssl, so libcrypto 3 is always on the machine that runs these tests.
  assert.ok(signer !== null, "libcrypto could not be opened");
  return signer;
}

Deno.test("libcrypto signatures are byte-identical to WebCrypto's (PKCS#1 v1.5 is deterministic)", async () => {
  const ca = await sharedCa();
  const signer = openFor(ca.key.pkcs8);
  try {
    for (const size of [0, 1, 100, 1500, 70_000]) {
      const data = crypto.getRandomValues(new Uint8Array(Math.min(size, 65_536)));
      const ours = await signer.sign(data);
      const reference = new Uint8Array(await crypto.subtle.sign(RSA, ca.keyPair.privateKey, data));
      assert.deepEqual(ours, reference, `${data.length} bytes`);
    }
  } finally {
    signer.close();
  }
});

Deno.test("libcrypto signs many messages at once, each verifying", async () => {
  const ca = await sharedCa();
  const signer = openFor(ca.key.pkcs8);
  try {
    const messages = Array.from({ length: 24 }, (_, i) => new TextEncoder().encode(`leaf ${i}`));
    const signatures = await Promise.all(messages.map((m) => signer.sign(m)));
    for (let i = 0; i < messages.length; i++) {
      assert.ok(await crypto.subtle.verify(RSA, ca.keyPair.publicKey, signatures[i], messages[i]));
    }
  } finally {
    signer.close();
  }
});

Deno.test("a close() during a signature lets it finish; later signatures are refused", async () => {
  const ca = await sharedCa();
  const signer = openFor(ca.key.pkcs8);
  const data = new TextEncoder().encode("in flight");
  const inFlight = signer.sign(data);
  signer.close();
  assert.ok(await crypto.subtle.verify(RSA, ca.keyPair.publicKey, await inFlight, data));
  await assert.rejects(signer.sign(data), /closed/);
  signer.close(); // twice is harmless
});

Deno.test("bytes that are no private key give no signer", () => {
  assert.equal(openLibcryptoRsaSigner(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00])), null);
  assert.equal(openLibcryptoRsaSigner(new Uint8Array(0)), null);
});

Deno.test("a CA signing through libcrypto forges leaves that openssl verifies", async () => {
  const ca = await CertificateAuthority.create();
  try {
    assert.match((await ca.useNativeSigner(openLibcryptoRsaSigner)).name, /OpenSSL/);
    const leaf = await generateLeaf(ca, { commonName: "ffi.test", sans: ["ffi.test", "10.0.0.1"] });
    const r = await opensslVerify(ca.certPem, leaf.certPem, ["-verify_hostname", "ffi.test"]);
    assert.equal(r.code, 0, r.stderr);
  } finally {
    ca.closeSigner();
  }
});
