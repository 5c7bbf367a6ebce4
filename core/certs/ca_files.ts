/**
 * The CA on disk, with mitmproxy's file names in `confdir` (basename "mitmproxy"):
 *
 *   mitmproxy-ca.pem        key (PKCS#1) + CA cert (+ chain); the only file read; mode 0600
 *   mitmproxy-ca.p12        key + cert, PKCS#12 (Windows); mode 0600
 *   mitmproxy-ca-cert.pem   CA cert only (to distribute to clients)
 *   mitmproxy-ca-cert.cer   same bytes as -ca-cert.pem (Android wants .cer)
 *   mitmproxy-ca-cert.p12   cert only, PKCS#12
 *
 * A usable `mitmproxy-ca.pem` is loaded; a missing one is created together with the others.
 * Anything else (unreadable, corrupt, key not matching, or the distributable files present
 * without the key file) throws `CertFileError`, so a CA that clients already trust is never
 * replaced silently.
 */

import { join } from "node:path";
import { CertFileError, CertificateAuthority, type CreateCaOptions } from "./ca.ts";
import { buildPkcs12 } from "./pkcs12.ts";

export const DEFAULT_BASENAME = "mitmproxy";

export interface CaFileNames {
  /** key + cert, the file that is read */
  ca: string;
  caP12: string;
  certPem: string;
  certCer: string;
  certP12: string;
}

export function caFileNames(basename = DEFAULT_BASENAME): CaFileNames {
  return {
    ca: `${basename}-ca.pem`,
    caP12: `${basename}-ca.p12`,
    certPem: `${basename}-ca-cert.pem`,
    certCer: `${basename}-ca-cert.cer`,
    certP12: `${basename}-ca-cert.p12`,
  };
}

export interface LoadCaFromDirOptions extends CreateCaOptions {
  basename?: string;
  /** `cert_passphrase` for an encrypted CA key. */
  passphrase?: string;
}

export interface LoadedCa {
  ca: CertificateAuthority;
  /** True if the CA was generated now and its files written. */
  created: boolean;
  /** Messages for the caller to log (an expired CA). */
  warnings: string[];
}

/** Loads the CA from `confdir`, creating it (and the directory) on first start. */
export async function loadOrCreateCa(
  confdir: string,
  options: LoadCaFromDirOptions = {},
): Promise<LoadedCa> {
  const names = caFileNames(options.basename);
  const caPath = join(confdir, names.ca);
  const text = await readTextIfExists(caPath);
  if (text === null) {
    for (const other of [names.certPem, names.certCer, names.certP12, names.caP12]) {
      if (await exists(join(confdir, other))) {
        throw new CertFileError(
          caPath,
          `missing, but ${other} exists: restore ${names.ca}, or delete all ${
            options.basename ?? DEFAULT_BASENAME
          }-ca* files to create a new CA (clients must then trust the new one)`,
        );
      }
    }
    const ca = await CertificateAuthority.create(options);
    await writeCaFiles(confdir, ca, options.basename);
    return { ca, created: true, warnings: [] };
  }
  const ca = await CertificateAuthority.fromPem(text, {
    source: caPath,
    passphrase: options.passphrase,
  });
  const warning = ca.expiryWarning(confdir, options.now);
  return { ca, created: false, warnings: warning === null ? [] : [warning] };
}

/** Writes all CA files; key-bearing files get mode 0600. */
export async function writeCaFiles(
  confdir: string,
  ca: CertificateAuthority,
  basename = DEFAULT_BASENAME,
): Promise<void> {
  const names = caFileNames(basename);
  await Deno.mkdir(confdir, { recursive: true });
  const certPem = new TextEncoder().encode(ca.certPem);
  await writeFile(join(confdir, names.certPem), certPem, 0o644);
  await writeFile(join(confdir, names.certCer), certPem, 0o644);
  await writeFile(join(confdir, names.certP12), buildPkcs12(ca.certDer, null, basename), 0o644);
  await writeFile(
    join(confdir, names.caP12),
    buildPkcs12(ca.certDer, ca.key.pkcs1, basename),
    0o600,
  );
  // Last, so that its presence means the set is complete.
  await writeFile(join(confdir, names.ca), new TextEncoder().encode(ca.caFilePem), 0o600);
}

/** Reads a PEM file given by the user (e.g. `--certs`), with errors naming the file. */
export async function readPemFile(path: string): Promise<string> {
  const text = await readTextIfExists(path);
  if (text === null) throw new CertFileError(path, "file does not exist");
  return text;
}

async function writeFile(path: string, data: Uint8Array, mode: number): Promise<void> {
  try {
    await Deno.writeFile(path, data, { mode });
    await Deno.chmod(path, mode); // `mode` only applies when the file is new, and umask cuts it
  } catch (e) {
    throw new CertFileError(path, `cannot write (${(e as Error).message})`);
  }
}

async function readTextIfExists(path: string): Promise<string | null> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw new CertFileError(path, `cannot read (${(e as Error).message})`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new CertFileError(path, "is not a text (PEM) file");
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw new CertFileError(path, `cannot stat (${(e as Error).message})`);
  }
}
