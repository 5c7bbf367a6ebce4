import assert from "node:assert/strict";
import tls from "node:tls";
import { generateLeaf } from "../../../core/certs/leaf.ts";
import {
  parseSubjectAltName,
  upstreamCertFromDer,
  upstreamCertFromPeer,
  upstreamCertFromPem,
} from "../../../core/certs/upstream_cert.ts";
import { sharedCa } from "./cert_test_util.ts";

const ca = await sharedCa();
const upstreamLeaf = await generateLeaf(ca, {
  commonName: "shop.example",
  sans: ["shop.example", "*.shop.example", "a,b.example", "192.0.2.7", "2001:db8::7"],
  organization: "Shop, Inc.",
  crlDistributionPoint: "http://crl.shop.example/ca.crl",
});
const EXPECTED = {
  commonName: "shop.example",
  sans: ["shop.example", "*.shop.example", "a,b.example", "192.0.2.7", "2001:db8::7"],
  organization: "Shop, Inc.",
  crlDistributionPoints: ["http://crl.shop.example/ca.crl"],
};

Deno.test("from a real node:tls getPeerCertificate(true)", async () => {
  const context = tls.createSecureContext({ key: upstreamLeaf.keyPem, cert: upstreamLeaf.certPem });
  const server = tls.createServer({ SNICallback: (_n, cb) => cb(null, context) }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const client = tls.connect({
    host: "127.0.0.1",
    port,
    servername: "shop.example",
    ca: ca.certPem,
  });
  const closed = new Promise<void>((resolve) => client.once("close", () => resolve()));
  try {
    await new Promise<void>((resolve, reject) => {
      client.once("secureConnect", resolve);
      client.once("error", reject);
    });
    const peer = client.getPeerCertificate(true);
    const parsed = upstreamCertFromPeer(peer);
    assert.ok(parsed);
    assert.equal(parsed.commonName, EXPECTED.commonName);
    assert.equal(parsed.organization, EXPECTED.organization);
    assert.deepEqual(parsed.crlDistributionPoints, EXPECTED.crlDistributionPoints);
    // IPv6 spelling is the TLS stack's; the store normalises it.
    assert.deepEqual(parsed.sans.slice(0, 4), EXPECTED.sans.slice(0, 4));
    assert.equal(parsed.sans.length, 5);
  } finally {
    client.destroy();
    await closed;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

Deno.test("from DER and PEM", () => {
  assert.deepEqual(upstreamCertFromDer(upstreamLeaf.der), EXPECTED);
  assert.deepEqual(upstreamCertFromPem(upstreamLeaf.certPem), EXPECTED);
  assert.equal(upstreamCertFromPem("no pem"), null);
  assert.equal(
    upstreamCertFromPem("-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n"),
    null,
  );
});

Deno.test("no certificate (node's empty object) gives null; fields only, no raw", () => {
  assert.equal(upstreamCertFromPeer({}), null);
  assert.deepEqual(
    upstreamCertFromPeer({
      subject: { CN: ["first.example", "second.example"], O: "Org" },
      subjectaltname: "DNS:first.example",
    }),
    {
      commonName: "first.example",
      sans: ["first.example"],
      organization: "Org",
      crlDistributionPoints: [],
    },
  );
  // A raw certificate x509 cannot parse still yields the names.
  const broken = upstreamCertFromPeer({ subject: { CN: "x" }, raw: Uint8Array.of(1, 2, 3) });
  assert.deepEqual(broken?.crlDistributionPoints, []);
});

Deno.test("parseSubjectAltName: Deno's unquoted and Node's quoted forms; other types skipped", () => {
  assert.deepEqual(
    parseSubjectAltName(
      "DNS:example.test, DNS:*.example.test, IP Address:127.0.0.1, IP Address:::1, DNS:a,b.x",
    ),
    ["example.test", "*.example.test", "127.0.0.1", "::1", "a,b.x"],
  );
  assert.deepEqual(
    parseSubjectAltName('DNS:"a, b.example", email:x@y.z, URI:http://u/, DNS:c.example'),
    ["a, b.example", "c.example"],
  );
  assert.deepEqual(parseSubjectAltName(""), []);
  assert.deepEqual(parseSubjectAltName('DNS:"unterminated'), ['"unterminated']);
});
