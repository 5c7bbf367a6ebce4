/**
 * Confdirs for the TLS tests: mitmproxy's fixture confdir (copied, never used in place),
 * temp dirs that remove themselves, and broken `mitmproxy-ca.pem` contents.
 */
import { pseudoRandomBytes } from "./nginx.ts";
import { makeMitmproxyConfdir, pemBlocks } from "./tls_tools.ts";

/** mitmproxy's test confdir (an old 1024-bit CA that expired in 2016), beside the repo. */
export const FIXTURE_CONFDIR = new URL(
  "../../../../shared/fixtures/mitmproxy/confdir",
  import.meta.url,
).pathname;

export const HAVE_FIXTURE = (() => {
  try {
    return Deno.statSync(`${FIXTURE_CONFDIR}/mitmproxy-ca.pem`).isFile;
  } catch {
    return false;
  }
})();

/** The fixture confdir copied into a new temp dir (it is read-only and must stay pristine). */
export async function copyFixtureConfdir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-fixture-conf-" });
  for await (const e of Deno.readDir(FIXTURE_CONFDIR)) {
    if (e.isFile) await Deno.copyFile(`${FIXTURE_CONFDIR}/${e.name}`, `${dir}/${e.name}`);
  }
  return dir;
}

export async function tempDir(prefix: string): Promise<AsyncDisposable & { path: string }> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }).catch(() => {}),
  };
}

/** Broken `mitmproxy-ca.pem` contents by name, made from a fresh CA (and the fixture's). */
export async function corruptCaFiles(): Promise<Record<string, string | Uint8Array>> {
  const fixtureCert = pemBlocks(
    await Deno.readTextFile(`${FIXTURE_CONFDIR}/mitmproxy-ca-cert.pem`).catch(() => ""),
  )[0];
  await using good = await tempDir("mitmdeno-e2e-goodca-");
  await makeMitmproxyConfdir(good.path);
  const ca = await Deno.readTextFile(`${good.path}/mitmproxy-ca.pem`);
  const key = ca.slice(0, ca.indexOf("-----BEGIN CERTIFICATE-----"));
  const cert = pemBlocks(ca)[0];
  const certLines = cert.split("\n");
  certLines[8] = "A".repeat(certLines[8].length); // still valid base64, broken DER
  return {
    "garbage": "this is not a certificate\n",
    "empty": "",
    "truncated": ca.slice(0, Math.floor(ca.length * 0.6)),
    "certificate without key": cert,
    "key without certificate": key,
    "broken DER": key + certLines.join("\n"),
    "binary": pseudoRandomBytes(512),
    ...(fixtureCert ? { "key of another CA": key + fixtureCert } : {}),
  };
}
