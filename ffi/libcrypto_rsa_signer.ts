/**
 * RSA signatures through OpenSSL's libcrypto (`Deno.dlopen`), the way mitmproxy signs its
 * leaves (Python's `cryptography` is OpenSSL too). Deno's own RSA is pure Rust: 3.0 ms per
 * RSA-2048 signature here, against 0.33 ms for OpenSSL (`openssl speed rsa2048`) and 0.5-0.6 ms
 * through this binding, thread hop included (bench/cert_bench.ts). The signature runs as a
 * `nonblocking` call on Deno's blocking-thread pool, so the event loop never waits for it and
 * several leaves sign in parallel.
 *
 * Needs `--allow-ffi` and libcrypto (OpenSSL 3, or 1.1.1 under the plain name); without either
 * the factory returns null and leaves are signed with WebCrypto as before.
 */
import type { RsaSigner } from "../core/certs/rsa_signer.ts";

const LIBRARY_NAMES = [
  "libcrypto.so.3",
  "libcrypto.so",
  "libcrypto.3.dylib",
  "/opt/homebrew/opt/openssl@3/lib/libcrypto.3.dylib",
  "/usr/local/opt/openssl@3/lib/libcrypto.3.dylib",
];

const SYMBOLS = {
  d2i_AutoPrivateKey: { parameters: ["pointer", "buffer", "i64"], result: "pointer" },
  EVP_PKEY_free: { parameters: ["pointer"], result: "void" },
  EVP_sha256: { parameters: [], result: "pointer" },
  EVP_MD_CTX_new: { parameters: [], result: "pointer" },
  EVP_MD_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_DigestSignInit: {
    parameters: ["pointer", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  EVP_DigestSign: {
    parameters: ["pointer", "buffer", "buffer", "buffer", "usize"],
    result: "i32",
    nonblocking: true,
  },
} as const;

type Libcrypto = Deno.DynamicLibrary<typeof SYMBOLS>;

/** Room for any RSA signature up to 16384-bit keys. */
const MAX_SIGNATURE_BYTES = 2048;

function openLibrary(): Libcrypto | null {
  for (const name of LIBRARY_NAMES) {
    try {
      return Deno.dlopen(name, SYMBOLS);
    } catch {
      // Not permitted (no --allow-ffi), not installed under this name, or missing a symbol.
    }
  }
  return null;
}

/** A signer for an RSA key given as PKCS#8 DER, or null if libcrypto is not usable here. */
export function openLibcryptoRsaSigner(pkcs8: Uint8Array<ArrayBuffer>): RsaSigner | null {
  const library = openLibrary();
  if (library === null) return null;
  const lib = library.symbols;
  // d2i_* reads through a pointer to a pointer, which it advances past what it parsed. A copy
  // of its own makes sure the pointer is the first byte of the DER.
  const der = pkcs8.slice();
  const cursor = new BigUint64Array([BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(der)))]);
  const key = lib.d2i_AutoPrivateKey(null, cursor, BigInt(der.length));
  if (key === null) {
    library.close();
    return null;
  }
  const sha256 = lib.EVP_sha256();
  let closed = false;
  let pending = 0;
  const release = () => {
    lib.EVP_PKEY_free(key);
    library.close();
  };
  return {
    name: "OpenSSL libcrypto (FFI)",
    async sign(data) {
      if (closed) throw new Error("the libcrypto signer is closed");
      const context = lib.EVP_MD_CTX_new();
      if (context === null) throw new Error("EVP_MD_CTX_new failed (out of memory?)");
      pending++;
      try {
        if (lib.EVP_DigestSignInit(context, null, sha256, null, key) !== 1) {
          throw new Error("EVP_DigestSignInit failed");
        }
        const signature = new Uint8Array(MAX_SIGNATURE_BYTES);
        const length = new BigUint64Array([BigInt(MAX_SIGNATURE_BYTES)]);
        if (await lib.EVP_DigestSign(context, signature, length, data, BigInt(data.length)) !== 1) {
          throw new Error("EVP_DigestSign failed");
        }
        return signature.slice(0, Number(length[0]));
      } finally {
        lib.EVP_MD_CTX_free(context);
        // The key outlives every signature started before close().
        if (--pending === 0 && closed) release();
      }
    },
    close() {
      if (closed) return;
      closed = true;
      if (pending === 0) release();
    },
  };
}
