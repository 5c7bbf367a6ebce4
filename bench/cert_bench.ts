/**
 * TLS interception micro-benchmarks: `deno bench -A bench/cert_bench.ts`.
 * - leaf generation with the reused CA key (mitmproxy style: one RSA signature, no keygen),
 *   next to that signature alone (the floor: DER writing should add little to it), with
 *   WebCrypto and with OpenSSL through FFI (what `mitmdeno dump` uses when libcrypto is there),
 * - CertStore hits (generated cache, custom wildcard), and the single-flight miss path,
 * - node:tls SecureContext creation, with the key (once per key) and with the certificate only
 *   (once per generated leaf: proxy/secure_contexts.ts reuses the validated key),
 * - ClientHello parsing of a captured openssl hello.
 */

import tls from "node:tls";
import { CertificateAuthority } from "../core/certs/ca.ts";
import { CertStore } from "../core/certs/cert_store.ts";
import { generateLeaf } from "../core/certs/leaf.ts";
import { openLibcryptoRsaSigner } from "../ffi/libcrypto_rsa_signer.ts";
import { parseClientHello } from "../codecs/tls/client_hello.ts";
import { OPENSSL_TLS13_HELLO } from "../tests/codecs/tls/client_hello_fixtures.ts";

const ca = await CertificateAuthority.create({ keySize: 2048 });
const store = new CertStore(ca, { capacity: 100 });
await store.getCert({ sni: "hit.example", address: ["hit.example", 443] });
const custom = await generateLeaf(ca, {
  commonName: "*.custom.example",
  sans: ["*.custom.example"],
});
const customStore = new CertStore(ca);
await customStore.addCustomCertPem(custom.certPem, { source: "bench", domain: "*.custom.example" });
const leaf = await generateLeaf(ca, { commonName: "ctx.example", sans: ["ctx.example"] });
const nativeCa = await CertificateAuthority.create({ keySize: 2048 });
const native = await nativeCa.useNativeSigner(openLibcryptoRsaSigner);
if (native.name === "WebCrypto") {
  console.error("libcrypto is not usable here: FFI rows show WebCrypto");
}

let n = 0;
/** About the size of a TBSCertificate with two SANs. */
const TBS_SIZED = crypto.getRandomValues(new Uint8Array(620));

Deno.bench(
  "leaf: RSA-2048 signature alone (WebCrypto RSASSA-PKCS1-v1_5, SHA-256)",
  { group: "leaf", baseline: true },
  async () => {
    await crypto.subtle.sign("RSASSA-PKCS1-v1_5", ca.keyPair.privateKey, TBS_SIZED);
  },
);

Deno.bench(
  "leaf: generateLeaf, reused RSA-2048 CA key",
  { group: "leaf" },
  async () => {
    await generateLeaf(ca, { commonName: `h${n}.example`, sans: [`h${n++}.example`, "10.0.0.1"] });
  },
);

Deno.bench(
  "leaf: RSA-2048 signature alone (OpenSSL libcrypto through FFI)",
  { group: "leaf" },
  async () => {
    await native.sign(TBS_SIZED);
  },
);

Deno.bench(
  "leaf: generateLeaf, reused RSA-2048 CA key, OpenSSL signer",
  { group: "leaf" },
  async () => {
    await generateLeaf(nativeCa, { commonName: `n${n}.example`, sans: [`n${n++}.example`] });
  },
);

Deno.bench(
  "leaf: CertStore miss (generate + cache)",
  { group: "leaf" },
  async () => {
    await store.getCert({ sni: `miss${n++}.example` });
  },
);

Deno.bench("store: generated-cache hit", { group: "store", baseline: true }, async () => {
  await store.getCert({ sni: "hit.example", address: ["hit.example", 443] });
});

Deno.bench("store: custom wildcard hit", { group: "store" }, async () => {
  await customStore.getCert({ sni: "www.custom.example" });
});

Deno.bench("tls.createSecureContext (RSA-2048 leaf)", { group: "context" }, () => {
  tls.createSecureContext({ key: leaf.keyPem, cert: leaf.certPem });
});

Deno.bench("tls.createSecureContext (certificate only)", { group: "context" }, () => {
  tls.createSecureContext({ cert: leaf.certPem });
});

Deno.bench("parseClientHello: openssl hello, 336 bytes", { group: "hello" }, () => {
  parseClientHello(OPENSSL_TLS13_HELLO);
});
