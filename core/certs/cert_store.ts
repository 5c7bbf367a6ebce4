/**
 * Picks the certificate to present to a client (mitmproxy `tlsconfig.get_cert` +
 * `CertStore.get_cert`):
 *
 * 1. Names, in order, de-duplicated: the upstream cert's CN and DNS/IP SANs (when given), the
 *    client's SNI (or, without SNI, the local address the client connected to), the server
 *    address host. IPs become IP SANs, names IDNA-encoded DNS SANs. CN = the first name.
 * 2. Lookup, first hit wins: for the CN and then each SAN, the exact name and its wildcard
 *    forms (`a.b.c` → `*.b.c` → `*.c`) among custom certs; then a custom cert for `*`; then
 *    the generated leaf for (CN, SANs).
 * 3. Otherwise a leaf is generated with the CA key (`leaf.ts`). Concurrent requests for the
 *    same (CN, SANs) share one generation. Generated entries live in an LRU of `capacity`
 *    (mitmproxy's STORE_CAP, 100); custom certs stay until the store is dropped.
 *
 * Entries carry PEM (key, leaf, chain); the TLS side builds and caches node:tls secure contexts
 * from them (`proxy/secure_contexts.ts`).
 */

import { createPrivateKey, X509Certificate } from "node:crypto";
import type { Address } from "../flow/connection.ts";
import { CertFileError, type CertificateAuthority } from "./ca.ts";
import { readPemFile } from "./ca_files.ts";
import { generateLeaf } from "./leaf.ts";
import { LruCache } from "./lru_cache.ts";
import { parsePem } from "./pem.ts";
import { certMatchesKey, pkcs1Pem, readRsaPrivateKey } from "./rsa_key.ts";
import { asteriskForms, dedupeSans, type SanName, toSanName } from "./san.ts";
import type { UpstreamCert } from "./upstream_cert.ts";
import { x509 } from "./x509.ts";

export interface CertEntry {
  /** The leaf, PEM. */
  readonly certPem: string;
  readonly keyPem: string;
  /** Certificates presented after the leaf, PEM. */
  readonly chainPems: readonly string[];
  /** The leaf, DER. */
  readonly der: Uint8Array<ArrayBuffer>;
  readonly commonName: string | null;
  readonly sans: readonly SanName[];
  /** True for `--certs` entries. */
  readonly custom: boolean;
}

export interface GetCertRequest {
  /** The client's SNI. */
  sni?: string | null;
  /** The local address the client connected to; names the cert when there is no SNI. */
  sockname?: Address | null;
  /** The server address, if known. */
  address?: Address | null;
  /** The upstream server's certificate, when `upstream_cert` is on and it is known. */
  upstreamCert?: UpstreamCert | null;
}

/** What `getCert` derives from a request: the identity of the certificate to present. */
export interface CertIdentity {
  commonName: string | null;
  sans: SanName[];
  organization: string | null;
  crlDistributionPoint: string | null;
}

export interface CertStoreStats {
  /** Leaves signed. */
  generated: number;
  /** Requests answered from the generated-leaf cache. */
  cacheHits: number;
  /** Requests answered by a custom certificate. */
  customHits: number;
  /** Requests that joined a generation already in flight. */
  joined: number;
  evicted: number;
}

export interface CertStoreOptions {
  /** Generated leaves kept (mitmproxy STORE_CAP), default 100. */
  capacity?: number;
}

export interface AddCustomCertOptions {
  /** `cert_passphrase`, for an encrypted key in the file. */
  passphrase?: string;
}

export class CertStore {
  readonly ca: CertificateAuthority;
  readonly stats: CertStoreStats = {
    generated: 0,
    cacheHits: 0,
    customHits: 0,
    joined: 0,
    evicted: 0,
  };
  readonly #custom = new Map<string, CertEntry>();
  readonly #generated: LruCache<string, CertEntry>;
  readonly #pending = new Map<string, Promise<CertEntry>>();

  constructor(ca: CertificateAuthority, options: CertStoreOptions = {}) {
    this.ca = ca;
    this.#generated = new LruCache(options.capacity ?? 100);
  }

  /** Number of generated leaves cached. */
  get size(): number {
    return this.#generated.size;
  }

  /** The certificate for a connection (see the file header). */
  getCert(request: GetCertRequest): Promise<CertEntry> {
    const id = this.identify(request);
    return this.getCertFor(id.commonName, id.sans, id.organization, id.crlDistributionPoint);
  }

  /** Step 1 of the file header: names, CN, organization and CRL URL for a request. */
  identify(request: GetCertRequest): CertIdentity {
    const names: string[] = [];
    let organization: string | null = null;
    let crlDistributionPoint: string | null = null;
    const upstream = request.upstreamCert;
    if (upstream) {
      if (upstream.commonName) names.push(upstream.commonName);
      names.push(...upstream.sans);
      organization = upstream.organization || null;
      crlDistributionPoint = this.#crlUrl(upstream.crlDistributionPoints[0]);
    }
    if (request.sni) names.push(request.sni);
    else if (request.sockname) names.push(request.sockname[0]);
    if (request.address) names.push(request.address[0]);
    const sans = dedupeSans(names.flatMap((n) => toSanName(n) ?? []));
    return { commonName: sans[0]?.value ?? null, sans, organization, crlDistributionPoint };
  }

  /** Steps 2 and 3 for a known identity (`CertStore.get_cert`). */
  getCertFor(
    commonName: string | null,
    sans: readonly SanName[],
    organization: string | null = null,
    crlDistributionPoint: string | null = null,
  ): Promise<CertEntry> {
    const custom = this.lookupCustom(commonName, sans);
    if (custom) {
      this.stats.customHits++;
      return Promise.resolve(custom);
    }
    const key = generatedKey(commonName, sans);
    const cached = this.#generated.get(key);
    if (cached) {
      this.stats.cacheHits++;
      return Promise.resolve(cached);
    }
    const pending = this.#pending.get(key);
    if (pending) {
      this.stats.joined++;
      return pending;
    }
    const generation = this.#generate(commonName, sans, organization, crlDistributionPoint)
      .then((entry) => {
        if (this.#generated.set(key, entry)) this.stats.evicted++;
        return entry;
      })
      .finally(() => this.#pending.delete(key));
    this.#pending.set(key, generation);
    return generation;
  }

  /** The custom certificate for these names, if any (no generation). */
  lookupCustom(commonName: string | null, sans: readonly SanName[]): CertEntry | undefined {
    if (this.#custom.size === 0) return undefined;
    const candidates: SanName[] = [];
    if (commonName !== null) {
      const cn = toSanName(commonName);
      if (cn) candidates.push(cn);
    }
    candidates.push(...sans);
    for (const name of candidates) {
      for (const form of asteriskForms(name)) {
        const hit = this.#custom.get(form);
        if (hit) return hit;
      }
    }
    return this.#custom.get("*");
  }

  /**
   * Adds a certificate from an option value `[domain=]path.pem` (mitmproxy `--certs`): the
   * file holds the leaf first, optionally its RSA key (else the CA key must match the leaf),
   * then intermediates. Returns warnings to log. Throws `CertFileError` naming the file.
   */
  async addCustomCert(spec: string, options: AddCustomCertOptions = {}): Promise<string[]> {
    const eq = spec.indexOf("=");
    const [domain, path] = eq < 0 ? ["*", spec] : [spec.slice(0, eq), spec.slice(eq + 1)];
    const text = await readPemFile(path);
    return await this.addCustomCertPem(text, { domain, source: path, ...options });
  }

  /** `addCustomCert` for PEM text already read; `source` names it in errors. */
  async addCustomCertPem(
    text: string,
    options: AddCustomCertOptions & { domain?: string; source: string },
  ): Promise<string[]> {
    const { source } = options;
    const parsed = parsePem(text);
    if ("error" in parsed) throw new CertFileError(source, parsed.error);
    const certBlocks = parsed.blocks.filter((b) => b.label === "CERTIFICATE");
    if (certBlocks.length === 0) throw new CertFileError(source, "no CERTIFICATE block found");
    const certs = certBlocks.map((block, i) => {
      try {
        return new x509.X509Certificate(block.der);
      } catch (e) {
        throw new CertFileError(
          source,
          `certificate ${i + 1} is malformed (${(e as Error).message})`,
        );
      }
    });
    const leaf = certs[0];
    const keyResult = await readRsaPrivateKey(parsed.blocks, options.passphrase);
    let keyPem: string;
    if ("error" in keyResult && /not RSA|only RSA/.test(keyResult.error)) {
      // Served certificates may use any key type the TLS engine takes (EC, Ed25519): only
      // the CA, which signs leaves with WebCrypto, must be RSA.
      const keyBlock = parsed.blocks.find((b) => b.label.endsWith("PRIVATE KEY"));
      keyPem = nonRsaKeyPem(keyBlock?.text ?? text, pemOf(leaf), source, options.passphrase);
    } else {
      if ("error" in keyResult) throw new CertFileError(source, keyResult.error);
      const key = "key" in keyResult ? keyResult.key : this.ca.key;
      if (!(await certMatchesKey(leaf, key))) {
        throw new CertFileError(
          source,
          "key" in keyResult
            ? "the private key does not match the certificate"
            : "no private key in the file, and the CA key does not match the certificate",
        );
      }
      keyPem = pkcs1Pem(key);
    }
    const warnings: string[] = [];
    if (leaf.getExtension(x509.BasicConstraintsExtension)?.ca) {
      warnings.push(
        `"${source}" is a certificate authority and not a leaf certificate. This indicates a ` +
          "misconfiguration, see https://docs.mitmproxy.org/stable/concepts-certificates/.",
      );
    }
    const commonName = leaf.subjectName.getField("CN")[0] ?? null;
    const san = leaf.getExtension(x509.SubjectAlternativeNameExtension);
    const sans = dedupeSans(
      (san?.names.items ?? []).flatMap((n) =>
        n.type === "dns" || n.type === "ip" ? toSanName(n.value) ?? [] : []
      ),
    );
    let entry: CertEntry;
    try {
      entry = makeEntry({
        certPem: pemOf(leaf),
        keyPem,
        chainPems: certs.slice(1).map(pemOf),
        der: new Uint8Array(leaf.rawData),
        commonName,
        sans,
        custom: true,
      });
    } catch (e) {
      throw new CertFileError(source, `node:tls rejects it (${(e as Error).message})`);
    }
    const names = [
      ...(commonName ? [toSanName(commonName)?.value ?? commonName] : []),
      ...sans.map((s) => s.value),
      (options.domain ?? "*").toLowerCase(),
    ];
    for (const name of names) this.#custom.set(name, entry);
    return warnings;
  }

  async #generate(
    commonName: string | null,
    sans: readonly SanName[],
    organization: string | null,
    crlDistributionPoint: string | null,
  ): Promise<CertEntry> {
    this.stats.generated++;
    const leaf = await generateLeaf(this.ca, {
      commonName,
      sans,
      organization,
      crlDistributionPoint,
    });
    return makeEntry({
      certPem: leaf.certPem,
      keyPem: leaf.keyPem,
      chainPems: this.ca.chainPems,
      der: leaf.der,
      commonName,
      sans: leaf.sans,
      custom: false,
    });
  }

  /** `<upstream scheme>://<upstream host>/mitmproxy-<CA serial>.crl`, or null. */
  #crlUrl(upstream: string | undefined): string | null {
    if (!upstream) return null;
    try {
      const url = new URL(upstream);
      return `${url.protocol}//${url.host}${this.ca.crlPath}`;
    } catch {
      return null;
    }
  }
}

function nonRsaKeyPem(
  text: string,
  leafPem: string,
  source: string,
  passphrase: string | undefined,
): string {
  let key;
  try {
    key = createPrivateKey({ key: text, passphrase });
  } catch (e) {
    throw new CertFileError(source, `the private key cannot be read (${(e as Error).message})`);
  }
  if (!new X509Certificate(leafPem).checkPrivateKey(key)) {
    throw new CertFileError(source, "the private key does not match the certificate");
  }
  return key.export({ type: "pkcs8", format: "pem" }) as string;
}

/** Frozen: entries are shared by every connection for their names. */
function makeEntry(fields: CertEntry): CertEntry {
  return Object.freeze(fields);
}

function generatedKey(commonName: string | null, sans: readonly SanName[]): string {
  return JSON.stringify([commonName, sans.map((s) => `${s.type}:${s.value}`)]);
}

function pemOf(cert: x509.X509Certificate): string {
  return cert.toString("pem").replace(/\r\n/g, "\n").trimEnd() + "\n";
}
