/**
 * The one place that loads `@peculiar/x509`: it needs `reflect-metadata` imported before it
 * (its dependency injection reads decorator metadata) and a WebCrypto provider. Import x509
 * from here, never directly, so that order always holds.
 */

import "reflect-metadata";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(crypto);

export { x509 };

/** The signature scheme of mitmproxy's CA and leaves: RSA PKCS#1 v1.5 with SHA-256. */
export const RSA_SHA256: RsaHashedImportParams = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };
