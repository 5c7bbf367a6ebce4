/**
 * PKCS#12 files for Windows/Android import, as mitmproxy writes them: no encryption (cryptography's
 * `NoEncryption`), an empty-password SHA-1 MAC, friendly name = basename.
 *
 * node-forge builds them: one call (`toPkcs12Asn1`) covers key+cert and cert-only bags, and its
 * output is read by `openssl pkcs12` and Windows. `@peculiar/asn1-pfx` would need the SafeBag,
 * MAC and PBE plumbing written by hand.
 */

// @ts-types="@types/node-forge"
import forge from "node-forge";

function binary(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

/** A PKCS#12 holding `certDer` and, when given, the PKCS#1 key `keyPkcs1`. */
export function buildPkcs12(
  certDer: Uint8Array,
  keyPkcs1: Uint8Array | null,
  friendlyName: string,
): Uint8Array {
  const cert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(binary(certDer)));
  const key = keyPkcs1 === null
    ? null
    : forge.pki.privateKeyFromAsn1(forge.asn1.fromDer(binary(keyPkcs1)));
  const asn1 = forge.pkcs12.toPkcs12Asn1(key, cert, null, { friendlyName });
  const der = forge.asn1.toDer(asn1).getBytes();
  return Uint8Array.from(der, (c) => c.charCodeAt(0));
}
