import assert from "node:assert/strict";
import { CertificateAuthority } from "../../../core/certs/ca.ts";
import { generateLeaf } from "../../../core/certs/leaf.ts";
import { checkedSigner, type RsaSigner } from "../../../core/certs/rsa_signer.ts";
import { opensslVerify, sharedCa } from "./cert_test_util.ts";

function fakeSigner(sign: RsaSigner["sign"]): RsaSigner & { closed: boolean } {
  const signer = {
    name: "fake",
    closed: false,
    sign,
    close: () => {
      signer.closed = true;
    },
  };
  return signer;
}

Deno.test("a signer whose test signature does not verify is closed and not used", async () => {
  const ca = await sharedCa();
  const wrong = fakeSigner(() => Promise.resolve(new Uint8Array(256)));
  assert.equal(await checkedSigner(() => wrong, ca.key.pkcs8, ca.keyPair.publicKey), null);
  assert.ok(wrong.closed);
  const throwing = fakeSigner(() => Promise.reject(new Error("engine broke")));
  assert.equal(await checkedSigner(() => throwing, ca.key.pkcs8, ca.keyPair.publicKey), null);
  assert.ok(throwing.closed);
  assert.equal(await checkedSigner(() => null, ca.key.pkcs8, ca.keyPair.publicKey), null);
});

Deno.test("the CA keeps WebCrypto when no native signer can be made", async () => {
  const ca = await CertificateAuthority.create();
  assert.equal((await ca.useNativeSigner(() => null)).name, "WebCrypto");
  assert.equal(ca.signer.name, "WebCrypto");
});

Deno.test("leaves signed by an injected signer verify with openssl", async () => {
  const ca = await CertificateAuthority.create();
  // A correct stand-in engine: WebCrypto behind the interface, counting its calls.
  let calls = 0;
  const counting = fakeSigner(async (data) => {
    calls++;
    return new Uint8Array(
      await crypto.subtle.sign("RSASSA-PKCS1-v1_5", ca.keyPair.privateKey, data),
    );
  });
  assert.equal((await ca.useNativeSigner(() => counting)).name, "fake");
  const leaf = await generateLeaf(ca, { commonName: "signed.test", sans: ["signed.test"] });
  assert.equal(calls, 2); // the self-test and the leaf
  const r = await opensslVerify(ca.certPem, leaf.certPem, ["-verify_hostname", "signed.test"]);
  assert.equal(r.code, 0, r.stderr);
  ca.closeSigner();
  assert.ok(counting.closed);
  assert.equal(ca.signer.name, "WebCrypto");
});
