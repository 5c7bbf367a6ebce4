import assert from "node:assert/strict";
import { certProviderFor } from "../../../core/certs/cert_provider.ts";
import { CertStore } from "../../../core/certs/cert_store.ts";
import { generateLeaf } from "../../../core/certs/leaf.ts";
import { upstreamCertFromPem } from "../../../core/certs/upstream_cert.ts";
import { sharedCa } from "./cert_test_util.ts";

Deno.test("certProviderFor: SNI + address, and the upstream PEM's names mirrored", async () => {
  const ca = await sharedCa();
  const provider = certProviderFor(new CertStore(ca));
  const plain = await provider.getCert({
    sni: "a.test",
    address: "10.1.2.3",
    upstreamCertPem: null,
  });
  assert.equal(plain.keyPem, ca.keyPem);
  assert.deepEqual(upstreamCertFromPem(plain.certChainPem)?.sans, ["a.test", "10.1.2.3"]);

  const upstream = await generateLeaf(ca, {
    commonName: "up.test",
    sans: ["up.test", "www.up.test"],
    organization: "Up Ltd",
  });
  const mirrored = await provider.getCert({
    sni: "www.up.test",
    address: "www.up.test",
    upstreamCertPem: upstream.certPem,
  });
  const info = upstreamCertFromPem(mirrored.certChainPem);
  assert.equal(info?.commonName, "up.test");
  assert.deepEqual(info?.sans, ["up.test", "www.up.test"]);
  assert.equal(info?.organization, "Up Ltd");
});
