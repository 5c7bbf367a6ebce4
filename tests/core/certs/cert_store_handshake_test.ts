import assert from "node:assert/strict";
import { join } from "node:path";
import tls from "node:tls";
import { CertificateAuthority } from "../../../core/certs/ca.ts";
import { CertStore } from "../../../core/certs/cert_store.ts";
import { opensslOk, sharedCa } from "./cert_test_util.ts";

const ca = await sharedCa();

Deno.test("the CA file's chain is presented after generated leaves", async () => {
  const chained = await CertificateAuthority.fromPem(
    ca.keyPem + ca.certPem + (await sharedIntermediatePem()),
    { source: "chain" },
  );
  assert.equal(chained.chainPems.length, 2);
  const entry = await new CertStore(chained).getCert({ sni: "c.test" });
  assert.deepEqual(entry.chainPems, chained.chainPems);
});

// --- real handshakes through node:tls ---

interface HandshakeResult {
  authorized: boolean;
  error: string | null;
  peerCn: string | undefined;
  chainLength: number;
}

async function handshake(
  store: CertStore,
  caPem: string,
  servername: string | null,
): Promise<HandshakeResult> {
  const server = tls.createServer({
    SNICallback: (name, cb) => {
      store.getCert({ sni: name || null, sockname: ["127.0.0.1", 0] })
        .then(
          (entry) =>
            cb(
              null,
              tls.createSecureContext({
                key: entry.keyPem,
                cert: entry.certPem + entry.chainPems.join(""),
              }),
            ),
          (e) => cb(e as Error),
        );
    },
  }, (socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const client = tls.connect({
    host: "127.0.0.1",
    port,
    ca: caPem,
    ...(servername === null ? {} : { servername }),
  });
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      client.once("secureConnect", resolve);
      client.once("error", reject);
    });
    let chainLength = 0;
    const seen = new Set<string>();
    for (
      let c = client.getPeerCertificate(true);
      c && c.fingerprint256 && !seen.has(c.fingerprint256);
      c = c.issuerCertificate
    ) {
      seen.add(c.fingerprint256);
      chainLength++;
    }
    return {
      authorized: client.authorized,
      error: client.authorizationError ? String(client.authorizationError) : null,
      peerCn: client.getPeerCertificate().subject?.CN as string | undefined,
      chainLength,
    };
  } finally {
    client.destroy();
    await closed;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

Deno.test("handshake: SNICallback with the store's SecureContext is trusted by the CA", async () => {
  const store = new CertStore(ca);
  const r = await handshake(store, ca.certPem, "secure.example");
  assert.deepEqual(r.authorized, true, r.error ?? "");
  assert.equal(r.peerCn, "secure.example");
  const idn = await handshake(store, ca.certPem, "xn--bcher-kva.example");
  assert.equal(idn.authorized, true, idn.error ?? "");
});

Deno.test("handshake without SNI: the IP the client dialled is the certificate's IP SAN", async () => {
  const r = await handshake(new CertStore(ca), ca.certPem, null);
  assert.equal(r.authorized, true, r.error ?? "");
  assert.equal(r.peerCn, "127.0.0.1");
});

Deno.test("handshake with a custom cert and intermediate: the chain is presented", async () => {
  const store = new CertStore(ca);
  await store.addCustomCertPem(await sharedChainedLeafPem(), {
    source: "chained.pem",
    domain: "chain.test",
  });
  const r = await handshake(store, ca.certPem, "chain.test");
  assert.equal(r.authorized, true, r.error ?? "");
  assert.equal(r.peerCn, "chain.test");
  assert.ok(r.chainLength >= 2);
});

// An intermediate CA under the shared CA, and a leaf (own key) under it, made with openssl.

let chainMaterial: Promise<{ intermediate: string; leafFile: string }> | null = null;

function makeChain(): Promise<{ intermediate: string; leafFile: string }> {
  chainMaterial ??= (async () => {
    const dir = await Deno.makeTempDir({ prefix: "mitmdeno-chain-" });
    try {
      const p = (n: string) => join(dir, n);
      await Deno.writeTextFile(p("root.pem"), ca.certPem);
      await Deno.writeTextFile(p("root.key"), ca.keyPem);
      await Deno.writeTextFile(
        p("ext.cnf"),
        "[inter]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n" +
          "[leaf]\nsubjectAltName=DNS:chain.test\nextendedKeyUsage=serverAuth\n",
      );
      const sign = async (csr: string, caCert: string, caKey: string, out: string, ext: string) =>
        await opensslOk([
          "x509",
          "-req",
          "-in",
          p(csr),
          "-CA",
          p(caCert),
          "-CAkey",
          p(caKey),
          "-set_serial",
          String(Math.floor(Math.random() * 1e9)),
          "-days",
          "30",
          "-sha256",
          "-extfile",
          p("ext.cnf"),
          "-extensions",
          ext,
          "-out",
          p(out),
        ]);
      const request = async (key: string, csr: string, subj: string) =>
        await opensslOk([
          "req",
          "-new",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          p(key),
          "-out",
          p(csr),
          "-subj",
          subj,
        ]);
      await request("inter.key", "inter.csr", "/CN=mitmdeno test intermediate");
      await sign("inter.csr", "root.pem", "root.key", "inter.pem", "inter");
      await request("leaf.key", "leaf.csr", "/CN=chain.test");
      await sign("leaf.csr", "inter.pem", "inter.key", "leaf.pem", "leaf");
      const intermediate = await Deno.readTextFile(p("inter.pem"));
      const leafFile = (await Deno.readTextFile(p("leaf.pem"))) +
        (await Deno.readTextFile(p("leaf.key"))) + intermediate;
      return { intermediate, leafFile };
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  })();
  return chainMaterial;
}

async function sharedIntermediatePem(): Promise<string> {
  return (await makeChain()).intermediate;
}

async function sharedChainedLeafPem(): Promise<string> {
  return (await makeChain()).leafFile;
}
