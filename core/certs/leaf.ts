/**
 * Leaf certificates with mitmproxy's profile (`certs.dummy_cert`, mitmproxy HEAD):
 * - public key = the CA's (no per-host key generation; signing is the only RSA operation),
 * - subject `CN=<cn>` only if the CN is shorter than 64 characters, plus `O=` when given,
 * - issuer = CA subject, random serial, notBefore now − 2 days, notAfter notBefore + 199 days
 *   (= now + 197 days, inside Chromium's 200-day rule),
 * - EKU serverAuth, AKI = the CA's SKI byte for byte (computed from the CA key if it has none),
 *   no SKI (an SKI equal to the CA's breaks Windows SChannel, mitmproxy #6494),
 * - SAN with DNS/IP entries, critical iff the subject is empty (RFC 5280 §4.2.1.6),
 * - CRL distribution point only when asked (mirroring an upstream certificate),
 * - SHA-256 with the CA key.
 */

import { type CertificateAuthority, randomSerial } from "./ca.ts";
import { dedupeSans, type SanName, toSanName } from "./san.ts";
import { RSA_SHA256, x509 } from "./x509.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
export const LEAF_EXPIRY_DAYS = 199;

export interface LeafOptions {
  /** Subject CN; left out of the subject when null or 64+ characters. */
  commonName: string | null;
  /** DNS names or IP literals; DNS names are IDNA-encoded, duplicates dropped. */
  sans: readonly (string | SanName)[];
  organization?: string | null;
  crlDistributionPoint?: string | null;
  /** Clock for the validity period (tests). */
  now?: Date;
}

export interface Leaf {
  cert: x509.X509Certificate;
  certPem: string;
  /** The shared leaf key: the CA key, PKCS#1 PEM. */
  keyPem: string;
  der: Uint8Array<ArrayBuffer>;
  sans: SanName[];
}

/** Signs a leaf for the given names with the CA's key. */
export async function generateLeaf(ca: CertificateAuthority, options: LeafOptions): Promise<Leaf> {
  const sans = dedupeSans(
    options.sans.flatMap((s) => {
      const name = typeof s === "string" ? toSanName(s) : s;
      return name === null ? [] : [name];
    }),
  );
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 2 * DAY_MS);
  const cn = options.commonName;
  const validCn = cn !== null && cn !== "" && [...cn].length < 64;
  const subject: x509.JsonName = [];
  if (validCn) subject.push({ CN: [cn] });
  if (options.organization) subject.push({ O: [options.organization] });

  const extensions: x509.Extension[] = [
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
  ];
  // An empty SAN extension is invalid DER; with no names at all the leaf simply has none.
  if (sans.length > 0) {
    extensions.push(
      new x509.SubjectAlternativeNameExtension(
        sans.map((s) => ({ type: s.type, value: s.value })),
        subject.length === 0,
      ),
    );
  }
  extensions.push(
    ca.keyId !== null
      ? new x509.AuthorityKeyIdentifierExtension(ca.keyId, false)
      : await x509.AuthorityKeyIdentifierExtension.create(ca.cert.publicKey, false),
  );
  if (options.crlDistributionPoint) {
    extensions.push(new x509.CRLDistributionPointsExtension([options.crlDistributionPoint]));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject,
    issuer: ca.cert.subjectName,
    notBefore,
    notAfter: new Date(notBefore.getTime() + LEAF_EXPIRY_DAYS * DAY_MS),
    publicKey: ca.cert.publicKey,
    signingKey: ca.keyPair.privateKey,
    signingAlgorithm: RSA_SHA256,
    extensions,
  });
  return {
    cert,
    certPem: cert.toString("pem").replace(/\r\n/g, "\n").trimEnd() + "\n",
    keyPem: ca.keyPem,
    der: new Uint8Array(cert.rawData),
    sans,
  };
}
