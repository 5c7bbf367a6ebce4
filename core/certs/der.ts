/**
 * Bounds-checked DER reading for the two jobs the certificate code has: moving RSA keys between
 * PKCS#1 (`RSA PRIVATE KEY`, what mitmproxy writes) and PKCS#8 (`PRIVATE KEY`, what WebCrypto
 * imports), and slicing the fields a leaf copies byte for byte out of its CA's certificate.
 * Reads return null on malformed input; writing lives in `der_writer.ts`.
 */

import { NULL_VALUE, sequence, TAG, tlv } from "./der_writer.ts";

/** rsaEncryption, 1.2.840.113549.1.1.1 */
const RSA_ENCRYPTION_OID = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);

interface Tlv {
  tag: number;
  /** Offset of the tag octet: `head` to `end` is the whole TLV. */
  head: number;
  /** Start and end of the contents. */
  start: number;
  end: number;
}

/** Reads one TLV at `at` within `limit`; null if it does not fit. */
function readTlv(b: Uint8Array, at: number, limit: number): Tlv | null {
  if (limit - at < 2) return null;
  const tag = b[at];
  let length = b[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || limit - start < count) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + b[start + i];
    start += count;
  }
  if (limit - start < length) return null;
  return { tag, head: at, start, end: start + length };
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Wraps an RSAPrivateKey (PKCS#1) in a PrivateKeyInfo (PKCS#8). */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const algorithm = sequence(tlv(TAG.OID, RSA_ENCRYPTION_OID), NULL_VALUE);
  return sequence(Uint8Array.of(TAG.INTEGER, 1, 0), algorithm, tlv(TAG.OCTET_STRING, pkcs1));
}

/**
 * Unwraps the RSAPrivateKey (PKCS#1) from a PrivateKeyInfo (PKCS#8). Returns
 * `{ notRsa: oidHex }` for other key types and null for malformed DER.
 */
export function pkcs8ToPkcs1(
  pkcs8: Uint8Array,
): Uint8Array<ArrayBuffer> | { notRsa: string } | null {
  const outer = readTlv(pkcs8, 0, pkcs8.length);
  if (!outer || outer.tag !== TAG.SEQUENCE || outer.end !== pkcs8.length) return null;
  const version = readTlv(pkcs8, outer.start, outer.end);
  if (!version || version.tag !== TAG.INTEGER) return null;
  const algorithm = readTlv(pkcs8, version.end, outer.end);
  if (!algorithm || algorithm.tag !== TAG.SEQUENCE) return null;
  const oid = readTlv(pkcs8, algorithm.start, algorithm.end);
  if (!oid || oid.tag !== TAG.OID) return null;
  const oidBytes = pkcs8.subarray(oid.start, oid.end);
  if (!bytesEqual(oidBytes, RSA_ENCRYPTION_OID)) {
    return { notRsa: Array.from(oidBytes, (b) => b.toString(16).padStart(2, "0")).join("") };
  }
  const key = readTlv(pkcs8, algorithm.end, outer.end);
  if (!key || key.tag !== TAG.OCTET_STRING) return null;
  return pkcs8.slice(key.start, key.end);
}

/** True if `der` is one well-formed SEQUENCE spanning all bytes (a cheap sanity check). */
export function isDerSequence(der: Uint8Array): boolean {
  const outer = readTlv(der, 0, der.length);
  return outer !== null && outer.tag === TAG.SEQUENCE && outer.end === der.length;
}

/** The parts of a certificate that the leaves it issues copy byte for byte. */
export interface CertificateFields {
  /** The subject `Name`, a complete TLV (the issuer of every leaf). */
  subject: Uint8Array<ArrayBuffer>;
  /** The `SubjectPublicKeyInfo`, a complete TLV (the leaves reuse the CA key). */
  subjectPublicKeyInfo: Uint8Array<ArrayBuffer>;
  /** The `subjectPublicKey` BIT STRING's octets without the unused-bits octet (what RFC 5280
   * §4.2.1.2 method 1 hashes into a key identifier). */
  subjectPublicKey: Uint8Array<ArrayBuffer>;
}

/**
 * Slices subject and public key out of a Certificate's DER (RFC 5280 §4.1), without decoding
 * them. The results are copies. Null if the DER does not have the Certificate shape.
 */
export function certificateFields(der: Uint8Array): CertificateFields | null {
  const cert = readTlv(der, 0, der.length);
  if (!cert || cert.tag !== TAG.SEQUENCE) return null;
  const tbs = readTlv(der, cert.start, cert.end);
  if (!tbs || tbs.tag !== TAG.SEQUENCE) return null;
  // version [0] EXPLICIT (optional), serialNumber, signature, issuer, validity, subject, spki
  const fields: Tlv[] = [];
  for (let at = tbs.start; fields.length < 7 && at < tbs.end;) {
    const field = readTlv(der, at, tbs.end);
    if (!field) return null;
    fields.push(field);
    at = field.end;
  }
  if (fields[0]?.tag !== 0xa0) fields.unshift({ tag: -1, head: tbs.start, start: 0, end: 0 });
  if (fields.length < 7) return null;
  const [, serial, signature, issuer, validity, subject, spki] = fields;
  const shapeOk = serial.tag === TAG.INTEGER && signature.tag === TAG.SEQUENCE &&
    issuer.tag === TAG.SEQUENCE && validity.tag === TAG.SEQUENCE &&
    subject.tag === TAG.SEQUENCE && spki.tag === TAG.SEQUENCE;
  if (!shapeOk) return null;
  const algorithm = readTlv(der, spki.start, spki.end);
  if (!algorithm || algorithm.tag !== TAG.SEQUENCE) return null;
  const key = readTlv(der, algorithm.end, spki.end);
  if (!key || key.tag !== TAG.BIT_STRING || key.end - key.start < 1) return null;
  return {
    subject: der.slice(subject.head, subject.end),
    subjectPublicKeyInfo: der.slice(spki.head, spki.end),
    subjectPublicKey: der.slice(key.start + 1, key.end),
  };
}
