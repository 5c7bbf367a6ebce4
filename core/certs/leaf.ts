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
 *
 * The DER is written here directly (RFC 5280 §4.1) and signed by `ca.signer`: the RSA
 * signature is then nearly the whole cost (ASN.1 libraries cost several times more). Issuer
 * Name, SubjectPublicKeyInfo, the AKI extension and the signing key come ready-made from the
 * CA, which builds them once. Subject attributes are UTF8Strings, as Python's `cryptography`
 * (mitmproxy) writes them.
 */

import { type CertificateAuthority, randomSerial } from "./ca.ts";
import * as der from "./der_writer.ts";
import { pemEncode } from "./pem.ts";
import { dedupeSans, type SanName, toSanName } from "./san.ts";
import { ipAddressOctets } from "../net/ip_octets.ts";
import { x509 } from "./x509.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
export const LEAF_EXPIRY_DAYS = 199;
/** mitmproxy leaves the CN out from this many characters on (X.520 ub-common-name). */
const CN_MAX_CHARS = 64;

/** `[0] EXPLICIT INTEGER 2`: X.509 v3. */
const VERSION_V3 = der.contextConstructed(0, der.smallInteger(2));
/** AlgorithmIdentifier sha256WithRSAEncryption (RFC 4055), NULL parameters. */
const SHA256_WITH_RSA = der.sequence(der.oid("1.2.840.113549.1.1.11"), der.NULL_VALUE);
const OID_COMMON_NAME = der.oid("2.5.4.3");
const OID_ORGANIZATION = der.oid("2.5.4.10");
const OID_SUBJECT_ALT_NAME = der.oid("2.5.29.17");
const OID_CRL_DISTRIBUTION_POINTS = der.oid("2.5.29.31");
/** Extended key usage serverAuth, non-critical. */
const EKU_SERVER_AUTH = der.sequence(
  der.oid("2.5.29.37"),
  der.octetString(der.sequence(der.oid("1.3.6.1.5.5.7.3.1"))),
);
/** GeneralName tags (RFC 5280 §4.2.1.6, IMPLICIT). */
const GENERAL_NAME_DNS = 2;
const GENERAL_NAME_URI = 6;
const GENERAL_NAME_IP = 7;

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
  /** The certificate parsed by @peculiar/x509 — parsed on first access, never on the hot path. */
  readonly cert: x509.X509Certificate;
  readonly certPem: string;
  /** The shared leaf key: the CA key, PKCS#1 PEM. */
  readonly keyPem: string;
  readonly der: Uint8Array<ArrayBuffer>;
  readonly sans: SanName[];
}

/**
 * Signs a leaf for the given names with the CA's key, through `ca.signer`: WebCrypto or OpenSSL
 * (FFI). Both run off the event-loop thread, so a signature (2-3 ms with WebCrypto, 0.3-0.5 ms
 * with OpenSSL) does not stall the event loop, and a burst of new names signs on both cores.
 */
export async function generateLeaf(ca: CertificateAuthority, options: LeafOptions): Promise<Leaf> {
  const sans = dedupeSans(
    options.sans.flatMap((s) => {
      const name = typeof s === "string" ? toSanName(s) : s;
      return name === null ? [] : [name];
    }),
  );
  const now = options.now ?? new Date();
  const notBefore = new Date(now.getTime() - 2 * DAY_MS);
  const notAfter = new Date(notBefore.getTime() + LEAF_EXPIRY_DAYS * DAY_MS);
  const cn = options.commonName;
  const rdns: Uint8Array[] = [];
  if (cn !== null && cn !== "" && [...cn].length < CN_MAX_CHARS) {
    rdns.push(attribute(OID_COMMON_NAME, cn));
  }
  if (options.organization) rdns.push(attribute(OID_ORGANIZATION, options.organization));

  const extensions: Uint8Array[] = [EKU_SERVER_AUTH];
  // An empty SAN extension is invalid DER; with no names at all the leaf simply has none.
  if (sans.length > 0) extensions.push(subjectAltNameExtension(sans, rdns.length === 0));
  extensions.push(ca.authorityKeyIdentifierExtension);
  if (options.crlDistributionPoint) {
    extensions.push(crlDistributionPointsExtension(options.crlDistributionPoint));
  }

  const tbs = der.sequence(
    VERSION_V3,
    der.integerFromHex(randomSerial()),
    SHA256_WITH_RSA,
    ca.subjectDer,
    der.sequence(der.time(notBefore), der.time(notAfter)),
    der.sequence(...rdns),
    ca.subjectPublicKeyInfoDer,
    der.contextConstructed(3, der.sequence(...extensions)),
  );
  const signature = await ca.signer.sign(tbs);
  const certDer = der.sequence(tbs, SHA256_WITH_RSA, der.bitString(signature));
  return new GeneratedLeaf(certDer, ca.keyPem, sans);
}

class GeneratedLeaf implements Leaf {
  readonly certPem: string;
  #cert: x509.X509Certificate | null = null;

  constructor(
    readonly der: Uint8Array<ArrayBuffer>,
    readonly keyPem: string,
    readonly sans: SanName[],
  ) {
    this.certPem = pemEncode("CERTIFICATE", der);
  }

  get cert(): x509.X509Certificate {
    return this.#cert ??= new x509.X509Certificate(this.der);
  }
}

/** One RelativeDistinguishedName holding one attribute, the value a UTF8String. */
function attribute(type: Uint8Array, value: string): Uint8Array<ArrayBuffer> {
  return der.set(der.sequence(type, der.utf8String(value)));
}

function subjectAltNameExtension(
  sans: readonly SanName[],
  critical: boolean,
): Uint8Array<ArrayBuffer> {
  const names = sans.map((s) =>
    s.type === "ip"
      ? der.contextPrimitive(GENERAL_NAME_IP, ipAddressOctets(s.value))
      : der.contextPrimitive(GENERAL_NAME_DNS, der.ia5Bytes(s.value))
  );
  const value = der.octetString(der.sequence(...names));
  return critical
    ? der.sequence(OID_SUBJECT_ALT_NAME, der.boolean(true), value)
    : der.sequence(OID_SUBJECT_ALT_NAME, value);
}

/** One DistributionPoint with a fullName URI (RFC 5280 §4.2.1.13), non-critical. */
function crlDistributionPointsExtension(uri: string): Uint8Array<ArrayBuffer> {
  const generalName = der.contextPrimitive(GENERAL_NAME_URI, der.ia5Bytes(uri));
  // distributionPoint [0] (a CHOICE, so explicit) → fullName [0] IMPLICIT GeneralNames
  const point = der.sequence(der.contextConstructed(0, der.contextConstructed(0, generalName)));
  return der.sequence(OID_CRL_DISTRIBUTION_POINTS, der.octetString(der.sequence(point)));
}
