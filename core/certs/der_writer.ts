/**
 * A DER writer (ITU-T X.690 §10, Distinguished Encoding Rules) for the few ASN.1 types a
 * certificate needs. Each function returns one complete TLV (tag, length, contents), so nested
 * values compose by plain calls:
 *
 * ```ts
 * import * as der from "./der_writer.ts";
 * const algorithm = der.sequence(der.oid("1.2.840.113549.1.1.11"), der.NULL_VALUE);
 * ```
 *
 * Encoders are pure and throw `RangeError` on a value DER cannot carry (a non-ASCII IA5String,
 * a malformed OID, a year outside 0000–9999), naming the value.
 */

/** Universal tags (X.690 §8) and constructed forms of the types used here. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** The NULL value (`05 00`), e.g. the parameters of RSA algorithm identifiers. */
export const NULL_VALUE: Uint8Array<ArrayBuffer> = Uint8Array.of(TAG.NULL, 0);

const TEXT = new TextEncoder();

/** The number of length octets (X.690 §8.1.3): short form below 128, else long form. */
function lengthSize(n: number): number {
  if (n < 0x80) return 1;
  let size = 1;
  for (let v = n; v > 0; v = Math.floor(v / 256)) size++;
  return size;
}

/** Writes the length octets of `n` into `out` at `at`; returns the offset after them. */
function writeLength(out: Uint8Array, at: number, n: number): number {
  const size = lengthSize(n);
  if (size === 1) {
    out[at] = n;
    return at + 1;
  }
  out[at] = 0x80 | (size - 1);
  for (let i = size - 1, v = n; i >= 1; i--, v = Math.floor(v / 256)) out[at + i] = v & 0xff;
  return at + size;
}

/** The length octets alone (short or long form). */
export function encodeLength(n: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`invalid DER length ${n}`);
  const out = new Uint8Array(lengthSize(n));
  writeLength(out, 0, n);
  return out;
}

/** One TLV whose contents are the concatenation of `contents`. */
export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let length = 0;
  for (const part of contents) length += part.length;
  const out = new Uint8Array(1 + lengthSize(length) + length);
  out[0] = tag;
  let at = writeLength(out, 1, length);
  for (const part of contents) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export function sequence(...items: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return tlv(TAG.SEQUENCE, ...items);
}

/** A SET of one element, or of elements the caller has already put in DER order. */
export function set(...items: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return tlv(TAG.SET, ...items);
}

export function boolean(value: boolean): Uint8Array<ArrayBuffer> {
  return Uint8Array.of(TAG.BOOLEAN, 1, value ? 0xff : 0x00);
}

/**
 * A non-negative INTEGER from its big-endian magnitude: leading zero octets are dropped and
 * one 0x00 is added when the top bit is set, so the value stays positive (X.690 §8.3.2).
 */
export function unsignedInteger(magnitude: Uint8Array): Uint8Array<ArrayBuffer> {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const bytes = magnitude.subarray(start);
  if (bytes.length === 0) return Uint8Array.of(TAG.INTEGER, 1, 0);
  return bytes[0] & 0x80 ? tlv(TAG.INTEGER, Uint8Array.of(0), bytes) : tlv(TAG.INTEGER, bytes);
}

/** A non-negative INTEGER from hex digits (e.g. a certificate serial number). */
export function integerFromHex(hex: string): Uint8Array<ArrayBuffer> {
  return unsignedInteger(hexToBytes(hex));
}

/** A small non-negative INTEGER (version numbers). */
export function smallInteger(value: number): Uint8Array<ArrayBuffer> {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`smallInteger takes a non-negative safe integer, got ${value}`);
  }
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return unsignedInteger(Uint8Array.from(bytes));
}

/** An OBJECT IDENTIFIER from dotted text, e.g. "2.5.29.17" (X.690 §8.19). */
export function oid(dotted: string): Uint8Array<ArrayBuffer> {
  const arcs = dotted.split(".").map((a) => (/^\d+$/.test(a) ? Number(a) : NaN));
  const valid = arcs.length >= 2 && arcs.every(Number.isSafeInteger) && arcs[0] <= 2 &&
    (arcs[0] === 2 || arcs[1] < 40);
  if (!valid) throw new RangeError(`invalid object identifier "${dotted}"`);
  const body: number[] = [];
  const values = [arcs[0] * 40 + arcs[1], ...arcs.slice(2)];
  for (const value of values) {
    const groups = [value % 128];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) {
      groups.unshift(0x80 | (v % 128));
    }
    body.push(...groups);
  }
  return tlv(TAG.OID, Uint8Array.from(body));
}

export function octetString(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(TAG.OCTET_STRING, bytes);
}

/** A BIT STRING of whole octets (no unused bits), as signatures and keys are. */
export function bitString(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(TAG.BIT_STRING, Uint8Array.of(0), bytes);
}

export function utf8String(text: string): Uint8Array<ArrayBuffer> {
  return tlv(TAG.UTF8_STRING, TEXT.encode(text));
}

/** An IA5String (7-bit ASCII: DNS names, URIs); throws on any other character. */
export function ia5String(text: string): Uint8Array<ArrayBuffer> {
  return tlv(TAG.IA5_STRING, ia5Bytes(text));
}

/** The contents octets of an IA5String, e.g. for an IMPLICIT-tagged `[2] dNSName`; throws on a
 * character outside 7-bit ASCII. */
export function ia5Bytes(text: string): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code > 0x7f) {
      throw new RangeError(`IA5String takes ASCII only; ${JSON.stringify(text)} is not`);
    }
    bytes[i] = code;
  }
  return bytes;
}

/** A context-specific primitive `[n] IMPLICIT` value (e.g. GeneralName dNSName is [2]). */
export function contextPrimitive(n: number, bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return tlv(0x80 | n, bytes);
}

/** A context-specific constructed `[n]` value (an EXPLICIT tag, or an IMPLICIT SEQUENCE). */
export function contextConstructed(n: number, ...items: Uint8Array[]): Uint8Array<ArrayBuffer> {
  return tlv(0xa0 | n, ...items);
}

/**
 * An X.509 `Time` (RFC 5280 §4.1.2.5): UTCTime `YYMMDDHHMMSSZ` for the years 1950–2049,
 * GeneralizedTime `YYYYMMDDHHMMSSZ` otherwise. Milliseconds are dropped (DER has no fraction
 * here), the time is UTC.
 */
export function time(date: Date): Uint8Array<ArrayBuffer> {
  const year = date.getUTCFullYear();
  if (Number.isNaN(year) || year < 0 || year > 9999) {
    throw new RangeError(`a certificate time must be in the years 0000–9999, got ${date}`);
  }
  const two = (n: number) => String(n).padStart(2, "0");
  const rest = two(date.getUTCMonth() + 1) + two(date.getUTCDate()) + two(date.getUTCHours()) +
    two(date.getUTCMinutes()) + two(date.getUTCSeconds()) + "Z";
  return year >= 1950 && year < 2050
    ? tlv(TAG.UTC_TIME, TEXT.encode(two(year % 100) + rest))
    : tlv(TAG.GENERALIZED_TIME, TEXT.encode(String(year).padStart(4, "0") + rest));
}

/** Hex digits (even count, either case) to bytes; throws on anything else. */
export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) {
    throw new RangeError(`invalid hex string "${hex}"`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
