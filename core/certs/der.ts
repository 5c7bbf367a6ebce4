/**
 * The little DER needed to move RSA keys between PKCS#1 (`RSA PRIVATE KEY`, what mitmproxy
 * writes) and PKCS#8 (`PRIVATE KEY`, what WebCrypto imports). Reads are bounds-checked and
 * return null on malformed input.
 */

const TAG_INTEGER = 0x02;
const TAG_OCTET_STRING = 0x04;
const TAG_NULL = 0x05;
const TAG_OID = 0x06;
const TAG_SEQUENCE = 0x30;

/** rsaEncryption, 1.2.840.113549.1.1.1 */
const RSA_ENCRYPTION_OID = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);

interface Tlv {
  tag: number;
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
  return { tag, start, end: start + length };
}

function encodeLength(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, contents: Uint8Array): Uint8Array<ArrayBuffer> {
  const head = Uint8Array.from([tag, ...encodeLength(contents.length)]);
  const out = new Uint8Array(head.length + contents.length);
  out.set(head);
  out.set(contents, head.length);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Wraps an RSAPrivateKey (PKCS#1) in a PrivateKeyInfo (PKCS#8). */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const algorithm = tlv(
    TAG_SEQUENCE,
    concat([tlv(TAG_OID, RSA_ENCRYPTION_OID), Uint8Array.of(TAG_NULL, 0)]),
  );
  return tlv(
    TAG_SEQUENCE,
    concat([Uint8Array.of(TAG_INTEGER, 1, 0), algorithm, tlv(TAG_OCTET_STRING, pkcs1)]),
  );
}

/**
 * Unwraps the RSAPrivateKey (PKCS#1) from a PrivateKeyInfo (PKCS#8). Returns
 * `{ notRsa: oidHex }` for other key types and null for malformed DER.
 */
export function pkcs8ToPkcs1(
  pkcs8: Uint8Array,
): Uint8Array<ArrayBuffer> | { notRsa: string } | null {
  const outer = readTlv(pkcs8, 0, pkcs8.length);
  if (!outer || outer.tag !== TAG_SEQUENCE || outer.end !== pkcs8.length) return null;
  const version = readTlv(pkcs8, outer.start, outer.end);
  if (!version || version.tag !== TAG_INTEGER) return null;
  const algorithm = readTlv(pkcs8, version.end, outer.end);
  if (!algorithm || algorithm.tag !== TAG_SEQUENCE) return null;
  const oid = readTlv(pkcs8, algorithm.start, algorithm.end);
  if (!oid || oid.tag !== TAG_OID) return null;
  const oidBytes = pkcs8.subarray(oid.start, oid.end);
  if (!bytesEqual(oidBytes, RSA_ENCRYPTION_OID)) {
    return { notRsa: Array.from(oidBytes, (b) => b.toString(16).padStart(2, "0")).join("") };
  }
  const key = readTlv(pkcs8, algorithm.end, outer.end);
  if (!key || key.tag !== TAG_OCTET_STRING) return null;
  return pkcs8.slice(key.start, key.end);
}

/** True if `der` is one well-formed SEQUENCE spanning all bytes (a cheap sanity check). */
export function isDerSequence(der: Uint8Array): boolean {
  const outer = readTlv(der, 0, der.length);
  return outer !== null && outer.tag === TAG_SEQUENCE && outer.end === der.length;
}
