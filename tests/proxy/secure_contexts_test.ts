import { strictEqual } from "node:assert/strict";
import { serverContext, serverKeyProven } from "../../proxy/secure_contexts.ts";
import type { TlsServerSideSettings } from "../../layers/tls_settings.ts";
import { CertificateAuthority } from "../../core/certs/ca.ts";
import { generateLeaf } from "../../core/certs/leaf.ts";
import { TlsSession } from "../../proxy/tls_session.ts";

const settings = (certChainPem: string, keyPem: string): TlsServerSideSettings => ({
  side: "server",
  certChainPem,
  keyPem,
  alpn: null,
  prefix: new Uint8Array(0),
});

/** What Deno 2.9.6's SecureContext holds (the fast path in secure_contexts.ts relies on it). */
function recordOf(context: unknown): { key?: unknown; cert?: unknown } {
  return (context as { context: { key?: unknown; cert?: unknown } }).context;
}

Deno.test("server contexts: cached per chain; leaves sharing the CA key reuse its checked key", async () => {
  const ca = await CertificateAuthority.create();
  const a = await generateLeaf(ca, { commonName: "a.test", sans: ["a.test"] });
  const b = await generateLeaf(ca, { commonName: "b.test", sans: ["b.test"] });
  const ctxA = serverContext(a.certPem, a.keyPem, settings(a.certPem, a.keyPem));
  const ctxB = serverContext(b.certPem, b.keyPem, settings(b.certPem, b.keyPem));
  strictEqual(serverContext(a.certPem, a.keyPem, settings(a.certPem, a.keyPem)), ctxA);
  strictEqual(typeof recordOf(ctxA).key, "string");
  strictEqual(recordOf(ctxA).key, recordOf(ctxB).key);
  strictEqual(recordOf(ctxA).cert, a.certPem);
  strictEqual(recordOf(ctxB).cert, b.certPem);
});

/** One handshake between a server session presenting `certPem`/`keyPem` and a verifying client. */
async function handshake(certPem: string, keyPem: string, caPem: string, name: string) {
  const later = (fn: () => void) => setTimeout(fn, 0);
  let client: TlsSession | null = null;
  const server = new TlsSession(
    {
      write: (d) => later(() => client!.feed(d)),
      closeWrite: () => later(() => client!.feedEof()),
    },
    settings(certPem, keyPem),
    { onPlaintext: () => {}, onEnd: () => {} },
  );
  client = new TlsSession(
    { write: (d) => later(() => server.feed(d)), closeWrite: () => later(() => server.feedEof()) },
    { side: "client", sni: name, alpnOffers: [], verify: true, verifyHost: name, caPem },
    { onPlaintext: () => {}, onEnd: () => {} },
  );
  // As the proxy does: a failed handshake closes the socket, so the peer sees EOF.
  server.handshake.then((r) => r.ok || later(() => client!.feedEof()));
  client.handshake.then((r) => r.ok || later(() => server.feedEof()));
  const [s, c] = await Promise.all([server.handshake, client.handshake]);
  server.destroy();
  client.destroy();
  return { server: s.ok, client: c.ok };
}

Deno.test("server contexts: a leaf whose context reused the key completes a handshake", async () => {
  const ca = await CertificateAuthority.create();
  const first = await generateLeaf(ca, { commonName: "c.test", sans: ["c.test"] });
  serverContext(first.certPem, first.keyPem, settings(first.certPem, first.keyPem));
  const leaf = await generateLeaf(ca, { commonName: "d.test", sans: ["d.test"] });
  const result = await handshake(leaf.certPem, leaf.keyPem, ca.certPem, "d.test");
  strictEqual(result.server && result.client, true);
});

Deno.test("server contexts: an unreadable key fails the handshake cleanly", async () => {
  const ca = await CertificateAuthority.create();
  const leaf = await generateLeaf(ca, { commonName: "e.test", sans: ["e.test"] });
  const bad = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
  const result = await handshake(leaf.certPem, bad, ca.certPem, "e.test");
  strictEqual(result.server || result.client, false);
  strictEqual(serverKeyProven(bad), false);
  // Still given up front the next time, so it keeps failing cleanly instead of stalling.
  const again = await handshake(leaf.certPem, bad, ca.certPem, "e.test");
  strictEqual(again.server || again.client, false);
});

Deno.test("server contexts: once a key completed a handshake, later ones skip the up-front context and still complete", async () => {
  const ca = await CertificateAuthority.create();
  const first = await generateLeaf(ca, { commonName: "f.test", sans: ["f.test"] });
  strictEqual(serverKeyProven(first.keyPem), false);
  const r1 = await handshake(first.certPem, first.keyPem, ca.certPem, "f.test");
  strictEqual(r1.server && r1.client, true);
  strictEqual(serverKeyProven(first.keyPem), true);
  const second = await generateLeaf(ca, { commonName: "g.test", sans: ["g.test"] });
  const r2 = await handshake(second.certPem, second.keyPem, ca.certPem, "g.test");
  strictEqual(r2.server && r2.client, true);
});
