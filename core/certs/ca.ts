/**
 * mitmproxy's certificate authority (`certs.create_ca`, `CertStore.from_files`): an RSA key and
 * a self-signed CA certificate, loaded from `mitmproxy-ca.pem` or created fresh. Pure: file
 * reading and writing live in `ca_files.ts`.
 *
 * CA profile: RSA `key_size` bits (e = 65537), subject and issuer `CN=<cn>, O=<org>`, random
 * serial, valid from now − 2 days for 10 × 365 days, BasicConstraints CA (critical), KeyUsage
 * keyCertSign + cRLSign (critical), EKU serverAuth, SubjectKeyIdentifier, SHA-256.
 */

import { createHash } from "node:crypto";
import { type CertificateFields, certificateFields } from "./der.ts";
import * as der from "./der_writer.ts";
import { parsePem } from "./pem.ts";
import {
  certMatchesKey,
  generateRsaKey,
  pkcs1Pem,
  readRsaPrivateKey,
  type RsaPrivateKey,
} from "./rsa_key.ts";
import { RSA_SHA256, x509 } from "./x509.ts";
import {
  checkedSigner,
  type RsaSigner,
  type RsaSignerFactory,
  webCryptoSigner,
} from "./rsa_signer.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
export const CA_EXPIRY_DAYS = 10 * 365;

/** A CA, certificate or key file that cannot be used; the message names the file and the problem. */
export class CertFileError extends Error {
  constructor(readonly file: string, readonly problem: string) {
    super(`${file}: ${problem}`);
    this.name = "CertFileError";
  }
}

export interface CreateCaOptions {
  /** RSA modulus size (mitmproxy option `key_size`), default 2048. */
  keySize?: number;
  /** Default "mitmproxy" (mitmproxy uses the conf basename for both). */
  commonName?: string;
  organization?: string;
  /** Clock for the validity period (tests). */
  now?: Date;
}

export interface LoadCaOptions {
  /** The file the text came from, named in errors. */
  source: string;
  /** `cert_passphrase`, for an encrypted key. */
  passphrase?: string;
}

export class CertificateAuthority {
  /** The CA certificate. */
  readonly cert: x509.X509Certificate;
  /** The CA certificate as PEM (what `mitmproxy-ca-cert.pem` holds). */
  readonly certPem: string;
  readonly certDer: Uint8Array<ArrayBuffer>;
  /** The private key as PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), as mitmproxy writes it. Also the
   * key of every generated leaf. */
  readonly keyPem: string;
  readonly key: RsaPrivateKey;
  /** All certificates of the CA file when it holds more than one (presented after each
   * generated leaf, like mitmproxy's `chain_file`); empty otherwise. */
  readonly chainPems: readonly string[];
  /** SubjectKeyIdentifier as hex, or null if the CA cert has none. Copied into leaves' AKI. */
  readonly keyId: string | null;

  #fields: CertificateFields | null = null;
  #signer: RsaSigner | null = null;
  #keyIdentifier: Uint8Array<ArrayBuffer> | null = null;
  #akiExtension: Uint8Array<ArrayBuffer> | null = null;

  private constructor(cert: x509.X509Certificate, key: RsaPrivateKey, chainPems: string[]) {
    this.cert = cert;
    this.certPem = cert.toString("pem").replace(/\r\n/g, "\n").trimEnd() + "\n";
    this.certDer = new Uint8Array(cert.rawData);
    this.key = key;
    this.keyPem = pkcs1Pem(key);
    this.chainPems = chainPems;
    this.keyId = cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId ?? null;
  }

  /** The signing pair (RSASSA-PKCS1-v1_5 / SHA-256). */
  get keyPair(): CryptoKeyPair {
    return this.key.keyPair;
  }

  /** Signs leaves with the CA key: WebCrypto unless `useNativeSigner` found a faster engine. */
  get signer(): RsaSigner {
    return this.#signer ??= webCryptoSigner(this.key.keyPair.privateKey);
  }

  /**
   * Switches leaf signing to a signer from `factory` (OpenSSL through FFI) if it can be made
   * and its test signature verifies; returns the signer in use either way.
   */
  async useNativeSigner(factory: RsaSignerFactory): Promise<RsaSigner> {
    const native = await checkedSigner(factory, this.key.pkcs8, this.key.keyPair.publicKey);
    if (native === null) return this.signer;
    this.#signer?.close();
    this.#signer = native;
    return native;
  }

  /** Releases a native signer (the CA keeps signing with WebCrypto afterwards). */
  closeSigner(): void {
    this.#signer?.close();
    this.#signer = null;
  }

  // The DER accessors below hand out shared, cached bytes: read them, never modify them.

  /** The subject `Name` DER exactly as in the CA certificate: the issuer of its leaves. */
  get subjectDer(): Uint8Array<ArrayBuffer> {
    return this.#certificateFields().subject;
  }

  /** The `SubjectPublicKeyInfo` DER exactly as in the CA certificate (leaves reuse the key). */
  get subjectPublicKeyInfoDer(): Uint8Array<ArrayBuffer> {
    return this.#certificateFields().subjectPublicKeyInfo;
  }

  /** The key identifier leaves name in their AKI: the CA's SKI byte for byte, or, if it has
   * none, the SHA-1 of its public key (RFC 5280 §4.2.1.2 method 1). */
  get keyIdentifier(): Uint8Array<ArrayBuffer> {
    return this.#keyIdentifier ??= this.keyId !== null
      ? der.hexToBytes(this.keyId)
      : new Uint8Array(
        createHash("sha1").update(this.#certificateFields().subjectPublicKey).digest(),
      );
  }

  /** The complete, non-critical AuthorityKeyIdentifier `Extension` DER (keyIdentifier only)
   * that certificates issued by this CA carry. */
  get authorityKeyIdentifierExtension(): Uint8Array<ArrayBuffer> {
    return this.#akiExtension ??= der.sequence(
      der.oid("2.5.29.35"),
      der.octetString(der.sequence(der.contextPrimitive(0, this.keyIdentifier))),
    );
  }

  #certificateFields(): CertificateFields {
    if (this.#fields === null) {
      // @peculiar/x509 parsed the certificate on load, so this only fails on a bug here.
      const fields = certificateFields(this.certDer);
      if (fields === null) {
        throw new Error(
          `cannot slice subject and key out of the CA certificate ${this.cert.subject}`,
        );
      }
      this.#fields = fields;
    }
    return this.#fields;
  }

  /** The serial number as a decimal string (mitmproxy's CRL path uses it). */
  get serial(): string {
    return BigInt("0x" + (this.cert.serialNumber || "0")).toString();
  }

  get notAfter(): Date {
    return this.cert.notAfter;
  }

  /** The path at which mitmproxy serves its empty CRL: `/mitmproxy-<serial>.crl`. */
  get crlPath(): string {
    return `/mitmproxy-${this.serial}.crl`;
  }

  /** Contents of `mitmproxy-ca.pem`: key, then the CA cert (then the rest of a chain). */
  get caFilePem(): string {
    const certs = this.chainPems.length > 0 ? this.chainPems.join("") : this.certPem;
    return this.keyPem + certs;
  }

  /** A warning to log when the CA has expired (as mitmproxy's `tlsconfig` does), else null. */
  expiryWarning(confdir = "~/.mitmproxy", now: Date = new Date()): string | null {
    if (now.getTime() <= this.cert.notAfter.getTime()) return null;
    return `The mitmproxy certificate authority has expired (${this.cert.notAfter.toISOString()})!\n` +
      `Please delete all CA-related files in your ${confdir} folder.\n` +
      "The CA will be regenerated automatically after restarting mitmproxy.\n" +
      "See https://docs.mitmproxy.org/stable/concepts-certificates/ for additional help.";
  }

  /**
   * Loads a CA from PEM text holding an RSA key and one or more certificates, the first being
   * the CA. Throws `CertFileError` naming `source` if anything is missing, malformed or the key
   * does not belong to the certificate.
   */
  static async fromPem(text: string, options: LoadCaOptions): Promise<CertificateAuthority> {
    const { source } = options;
    const parsed = parsePem(text);
    if ("error" in parsed) throw new CertFileError(source, parsed.error);
    const certBlocks = parsed.blocks.filter((b) => b.label === "CERTIFICATE");
    if (certBlocks.length === 0) throw new CertFileError(source, "no CERTIFICATE block found");
    const keyResult = await readRsaPrivateKey(parsed.blocks, options.passphrase);
    if ("none" in keyResult) {
      throw new CertFileError(source, 'no private key found (expected "BEGIN RSA PRIVATE KEY")');
    }
    if ("error" in keyResult) throw new CertFileError(source, keyResult.error);
    const certs: x509.X509Certificate[] = [];
    for (const [i, block] of certBlocks.entries()) {
      try {
        certs.push(new x509.X509Certificate(block.der));
      } catch (e) {
        throw new CertFileError(
          source,
          `certificate ${i + 1} is malformed (${(e as Error).message})`,
        );
      }
    }
    if (!(await certMatchesKey(certs[0], keyResult.key))) {
      throw new CertFileError(source, "the private key does not match the CA certificate");
    }
    const chain = certs.length > 1 ? certs.map(canonicalPem) : [];
    return new CertificateAuthority(certs[0], keyResult.key, chain);
  }

  /** Creates a new CA with mitmproxy's profile. */
  static async create(options: CreateCaOptions = {}): Promise<CertificateAuthority> {
    const keySize = options.keySize ?? 2048;
    if (!Number.isInteger(keySize) || keySize < 1024 || keySize > 16384 || keySize % 8 !== 0) {
      throw new RangeError(`key_size must be a multiple of 8 from 1024 to 16384, got ${keySize}`);
    }
    const now = options.now ?? new Date();
    const notBefore = new Date(now.getTime() - 2 * DAY_MS);
    const key = await generateRsaKey(keySize);
    const name: x509.JsonName = [
      { CN: [options.commonName ?? "mitmproxy"] },
      { O: [options.organization ?? "mitmproxy"] },
    ];
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: randomSerial(),
      subject: name,
      issuer: name,
      notBefore,
      notAfter: new Date(notBefore.getTime() + CA_EXPIRY_DAYS * DAY_MS),
      publicKey: key.keyPair.publicKey,
      signingKey: key.keyPair.privateKey,
      signingAlgorithm: RSA_SHA256,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(key.keyPair.publicKey),
      ],
    });
    return new CertificateAuthority(cert, key, []);
  }
}

function canonicalPem(cert: x509.X509Certificate): string {
  return cert.toString("pem").replace(/\r\n/g, "\n").trimEnd() + "\n";
}

/** A positive random serial of up to 128 bits as hex (like `x509.random_serial_number`). */
export function randomSerial(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] & 0x7f) || 0x01;
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
