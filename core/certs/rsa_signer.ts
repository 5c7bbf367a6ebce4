/**
 * Who computes the RSA signatures of forged leaves (RSASSA-PKCS1-v1_5 / SHA-256 with the CA
 * key). WebCrypto is always there; a faster native signer (OpenSSL's libcrypto through FFI,
 * see `ffi/libcrypto_rsa_signer.ts`) may be injected by the program's entry point, since core
 * code never opens libraries itself. An injected signer is trusted only after it produced a
 * signature that WebCrypto verifies.
 */

export interface RsaSigner {
  /** Shown in the log: which engine signs. */
  readonly name: string;
  /** Signs `data` (hashing it with SHA-256 first); resolves to the signature bytes. */
  sign(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>>;
  /** Frees what the signer holds; it signs no more afterwards. */
  close(): void;
}

/** Makes a signer for a PKCS#8 RSA private key, or returns null when it cannot. */
export type RsaSignerFactory = (pkcs8: Uint8Array<ArrayBuffer>) => RsaSigner | null;

const ALGORITHM = "RSASSA-PKCS1-v1_5";

/** Signs with WebCrypto, which Deno runs off the event-loop thread (2-3 ms per signature). */
export function webCryptoSigner(privateKey: CryptoKey): RsaSigner {
  return {
    name: "WebCrypto",
    sign: async (data) => new Uint8Array(await crypto.subtle.sign(ALGORITHM, privateKey, data)),
    close: () => {},
  };
}

/**
 * Builds a signer with `factory` and keeps it only if a test signature verifies against
 * `publicKey`; otherwise closes it and returns null (the caller stays with WebCrypto).
 */
export async function checkedSigner(
  factory: RsaSignerFactory,
  pkcs8: Uint8Array<ArrayBuffer>,
  publicKey: CryptoKey,
): Promise<RsaSigner | null> {
  const signer = factory(pkcs8);
  if (signer === null) return null;
  const probe = new TextEncoder().encode("mitmdeno signer self-test");
  try {
    const signature = await signer.sign(probe);
    if (await crypto.subtle.verify(ALGORITHM, publicKey, signature, probe)) return signer;
  } catch {
    // An engine that throws is as unusable as one that signs wrongly.
  }
  signer.close();
  return null;
}
