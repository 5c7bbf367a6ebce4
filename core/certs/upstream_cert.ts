/**
 * What the generated leaf copies from the upstream server's certificate (mitmproxy
 * `tlsconfig.get_cert` with `upstream_cert` on): CN, DNS/IP SANs, Organization, and the CRL
 * distribution points (only the first one's scheme and host are used).
 */

import { LruCache } from "./lru_cache.ts";
import { parsePem } from "./pem.ts";
import { x509 } from "./x509.ts";

export interface UpstreamCert {
  readonly commonName: string | null;
  /** DNS names and IP addresses from the SAN extension, in certificate order. */
  readonly sans: readonly string[];
  readonly organization: string | null;
  readonly crlDistributionPoints: readonly string[];
}

/** The subset of node:tls `getPeerCertificate(true)` read here. */
export interface PeerCertificateLike {
  subject?: Record<string, string | string[] | undefined> | null;
  /** e.g. `DNS:example.com, DNS:*.example.com, IP Address:127.0.0.1`. */
  subjectaltname?: string;
  /** The certificate DER; only it carries the CRL distribution points. */
  raw?: Uint8Array;
}

/** From node:tls `getPeerCertificate(true)`; null for the empty object node returns when the
 * peer sent no certificate. */
export function upstreamCertFromPeer(peer: PeerCertificateLike): UpstreamCert | null {
  if (!peer.subject && !peer.subjectaltname && !peer.raw) return null;
  let crlDistributionPoints: string[] = [];
  if (peer.raw && peer.raw.length > 0) {
    try {
      crlDistributionPoints = crlUrls(new x509.X509Certificate(Uint8Array.from(peer.raw)));
    } catch {
      // A certificate the TLS stack accepted but x509 cannot parse: mirror the names only.
    }
  }
  return {
    commonName: firstValue(peer.subject?.CN),
    sans: parseSubjectAltName(peer.subjectaltname ?? ""),
    organization: firstValue(peer.subject?.O),
    crlDistributionPoints,
  };
}

/** From the certificate DER (e.g. `Server.certificate_list[0]` decoded); throws if malformed. */
export function upstreamCertFromDer(der: Uint8Array): UpstreamCert {
  const cert = new x509.X509Certificate(Uint8Array.from(der));
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  const sans = (san?.names.items ?? [])
    .filter((n) => n.type === "dns" || n.type === "ip")
    .map((n) => n.value);
  return {
    commonName: cert.subjectName.getField("CN")[0] ?? null,
    sans,
    organization: cert.subjectName.getField("O")[0] ?? null,
    crlDistributionPoints: crlUrls(cert),
  };
}

/** Parsing costs ~1 ms; the same upstream certificate comes back on every connection. */
const PARSED = new LruCache<string, UpstreamCert | null>(256);

/** From the first certificate of a PEM text; null if there is none or it is malformed. */
export function upstreamCertFromPem(pem: string): UpstreamCert | null {
  const cached = PARSED.get(pem);
  if (cached !== undefined) return cached;
  const parsed = parseUpstreamPem(pem);
  PARSED.set(pem, parsed);
  return parsed;
}

function parseUpstreamPem(pem: string): UpstreamCert | null {
  const parsed = parsePem(pem);
  if ("error" in parsed) return null;
  const block = parsed.blocks.find((b) => b.label === "CERTIFICATE");
  if (!block) return null;
  try {
    return upstreamCertFromDer(block.der);
  } catch {
    return null;
  }
}

const SAN_PREFIXES = ["DNS:", "IP Address:", "email:", "URI:", "DirName:", "Registered ID:"];
const SAN_SPLIT = new RegExp(
  `, (?=${SAN_PREFIXES.map((p) => p.replace(" ", "\\s")).join("|")}|othername:)`,
);

/**
 * Parses node's `subjectaltname` string into DNS names and IPs. Entries are separated by ", "
 * before a known type prefix (Deno does not quote values containing commas; Node quotes them
 * as JSON strings, which are unquoted here).
 */
export function parseSubjectAltName(text: string): string[] {
  if (text === "") return [];
  const out: string[] = [];
  for (const entry of text.split(SAN_SPLIT)) {
    const prefix = entry.startsWith("DNS:")
      ? "DNS:"
      : entry.startsWith("IP Address:")
      ? "IP Address:"
      : null;
    if (prefix === null) continue;
    let value = entry.slice(prefix.length);
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        continue;
      }
    }
    if (value !== "") out.push(value);
  }
  return out;
}

function firstValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value[0] ?? null;
  return value;
}

function crlUrls(cert: x509.X509Certificate): string[] {
  const ext = cert.getExtension(x509.CRLDistributionPointsExtension);
  if (!ext) return [];
  const urls: string[] = [];
  for (const point of ext.distributionPoints) {
    const first = point.distributionPoint?.fullName?.[0];
    if (first?.uniformResourceIdentifier) urls.push(first.uniformResourceIdentifier);
  }
  return urls;
}
