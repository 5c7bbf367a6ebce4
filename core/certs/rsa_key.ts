/**
 * RSA private keys from PEM: PKCS#1 (`RSA PRIVATE KEY`, mitmproxy's format), PKCS#8
 * (`PRIVATE KEY`), and, given a passphrase, their encrypted forms (decrypted with node-forge,
 * as WebCrypto has no PBES). The result is imported into WebCrypto for signing.
 */

// @ts-types="@types/node-forge"
import forge from "node-forge";
import { pkcs1ToPkcs8, pkcs8ToPkcs1 } from "./der.ts";
import { type PemBlock, pemEncode } from "./pem.ts";
import { RSA_SHA256, x509 } from "./x509.ts";

export interface RsaPrivateKey {
  /** RSAPrivateKey DER (PKCS#1). */
  pkcs1: Uint8Array<ArrayBuffer>;
  /** PrivateKeyInfo DER (PKCS#8). */
  pkcs8: Uint8Array<ArrayBuffer>;
  /** The pair for RSASSA-PKCS1-v1_5 / SHA-256; the public half is derived from the private. */
  keyPair: CryptoKeyPair;
  /** Modulus in base64url (JWK `n`), to compare with a certificate's key. */
  modulus: string;
  bits: number;
}

export type KeyResult = { key: RsaPrivateKey } | { error: string } | { none: true };

const KEY_LABELS = new Set([
  "RSA PRIVATE KEY",
  "PRIVATE KEY",
  "ENCRYPTED PRIVATE KEY",
  "EC PRIVATE KEY",
  "DSA PRIVATE KEY",
  "OPENSSH PRIVATE KEY",
]);

/** Finds and imports the first private key among `blocks`. */
export async function readRsaPrivateKey(
  blocks: readonly PemBlock[],
  passphrase?: string,
): Promise<KeyResult> {
  const block = blocks.find((b) => KEY_LABELS.has(b.label));
  if (!block) return { none: true };
  if (!["RSA PRIVATE KEY", "PRIVATE KEY", "ENCRYPTED PRIVATE KEY"].includes(block.label)) {
    return { error: `the private key is a "${block.label}"; only RSA keys are supported` };
  }
  const encrypted = block.label === "ENCRYPTED PRIVATE KEY" ||
    (block.headers["Proc-Type"] ?? "").includes("ENCRYPTED");
  let pkcs1: Uint8Array<ArrayBuffer>;
  if (encrypted) {
    if (passphrase === undefined || passphrase === "") {
      return { error: "the private key is encrypted; set cert_passphrase to decrypt it" };
    }
    const decrypted = decryptWithForge(block.text, passphrase);
    if (decrypted === null) {
      return { error: "the private key could not be decrypted (wrong cert_passphrase?)" };
    }
    pkcs1 = decrypted;
  } else if (block.label === "PRIVATE KEY") {
    const inner = pkcs8ToPkcs1(block.der);
    if (inner === null) return { error: "the PKCS#8 private key is not valid DER" };
    if ("notRsa" in inner) {
      return { error: `the private key is not RSA (algorithm OID ${inner.notRsa})` };
    }
    pkcs1 = inner;
  } else {
    pkcs1 = block.der;
  }
  return await importRsaPkcs1(pkcs1);
}

/** Imports PKCS#1 DER into WebCrypto. */
export async function importRsaPkcs1(pkcs1: Uint8Array<ArrayBuffer>): Promise<KeyResult> {
  const pkcs8 = pkcs1ToPkcs8(pkcs1);
  let privateKey: CryptoKey;
  try {
    privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, RSA_SHA256, true, ["sign"]);
  } catch (e) {
    return { error: `the RSA private key is malformed (${(e as Error).message})` };
  }
  return { key: await completeKey(privateKey, pkcs1, pkcs8) };
}

/** Generates a fresh RSA key (e = 65537). */
export async function generateRsaKey(bits: number): Promise<RsaPrivateKey> {
  const pair = await crypto.subtle.generateKey(
    { ...RSA_SHA256, modulusLength: bits, publicExponent: Uint8Array.of(1, 0, 1) },
    true,
    ["sign", "verify"],
  ) as CryptoKeyPair;
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const pkcs1 = pkcs8ToPkcs1(pkcs8);
  if (pkcs1 === null || "notRsa" in pkcs1) throw new Error("WebCrypto exported a non-RSA key");
  return await completeKey(pair.privateKey, pkcs1, pkcs8);
}

async function completeKey(
  privateKey: CryptoKey,
  pkcs1: Uint8Array<ArrayBuffer>,
  pkcs8: Uint8Array<ArrayBuffer>,
): Promise<RsaPrivateKey> {
  const jwk = await crypto.subtle.exportKey("jwk", privateKey);
  const publicKey = await crypto.subtle.importKey(
    "jwk",
    { kty: "RSA", n: jwk.n, e: jwk.e, ext: true },
    RSA_SHA256,
    true,
    ["verify"],
  );
  const modulus = jwk.n ?? "";
  return { pkcs1, pkcs8, keyPair: { privateKey, publicKey }, modulus, bits: modulusBits(modulus) };
}

/** True if the certificate's public key is this key's public half. */
export async function certMatchesKey(
  cert: x509.X509Certificate,
  key: RsaPrivateKey,
): Promise<boolean> {
  let certKey: CryptoKey;
  try {
    certKey = await cert.publicKey.export(RSA_SHA256, ["verify"]);
  } catch {
    return false; // not an RSA certificate
  }
  const jwk = await crypto.subtle.exportKey("jwk", certKey);
  const own = await crypto.subtle.exportKey("jwk", key.keyPair.publicKey);
  return jwk.n === own.n && jwk.e === own.e;
}

/** The key as "RSA PRIVATE KEY" PEM, the format mitmproxy writes. */
export function pkcs1Pem(key: RsaPrivateKey): string {
  return pemEncode("RSA PRIVATE KEY", key.pkcs1);
}

function decryptWithForge(pemText: string, passphrase: string): Uint8Array<ArrayBuffer> | null {
  try {
    const key = forge.pki.decryptRsaPrivateKey(pemText, passphrase);
    if (!key) return null;
    const der = forge.asn1.toDer(forge.pki.privateKeyToAsn1(key)).getBytes();
    return Uint8Array.from(der, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}

function modulusBits(base64url: string): number {
  const binary = atob(base64url.replace(/-/g, "+").replace(/_/g, "/"));
  let bits = binary.length * 8;
  const first = binary.length > 0 ? binary.charCodeAt(0) : 0;
  for (let mask = 0x80; mask > 0 && (first & mask) === 0; mask >>= 1) bits--;
  return bits;
}
