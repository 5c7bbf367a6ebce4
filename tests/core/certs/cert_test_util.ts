/** Helpers shared by the certificate tests: the mitmproxy fixture, openssl, temp dirs. */

import { join } from "node:path";
import { CertificateAuthority } from "../../../core/certs/ca.ts";

/** mitmproxy's own test CA (1024-bit RSA, expired 2016). Read in place, never copied. */
export const FIXTURE_CONFDIR = "/work/shared/fixtures/mitmproxy/confdir";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the openssl CLI (the cross-check every certificate test leans on). */
export async function openssl(args: string[], stdin?: string | Uint8Array): Promise<RunResult> {
  const child = new Deno.Command("openssl", {
    args,
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(typeof stdin === "string" ? new TextEncoder().encode(stdin) : stdin);
    await writer.close();
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** openssl that must succeed; returns stdout. */
export async function opensslOk(args: string[], stdin?: string | Uint8Array): Promise<string> {
  const r = await openssl(args, stdin);
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

/** A temp dir removed when the returned handle is disposed. */
export async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "mitmdeno-certs-" });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

let shared: Promise<CertificateAuthority> | null = null;

/** One fresh 2048-bit CA per test module (creating one takes 100-600 ms). */
export function sharedCa(): Promise<CertificateAuthority> {
  shared ??= CertificateAuthority.create();
  return shared;
}

/** `openssl verify` of a leaf against a CA, both PEM. */
export async function opensslVerify(caPem: string, leafPem: string, extra: string[] = []) {
  await using dir = await tempDir();
  await Deno.writeTextFile(join(dir.path, "ca.pem"), caPem);
  await Deno.writeTextFile(join(dir.path, "leaf.pem"), leafPem);
  return await openssl([
    "verify",
    "-CAfile",
    join(dir.path, "ca.pem"),
    ...extra,
    join(dir.path, "leaf.pem"),
  ]);
}
