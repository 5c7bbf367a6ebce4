/**
 * openssl as an independent TLS client and certificate tool for the TLS e2e tests: the chain a
 * client sees through the proxy (`s_client -proxy`), certificate fields, SPKI hashes, and test
 * certificates (self-signed leaves, a CA in mitmproxy's confdir layout).
 */

export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs openssl with a time limit; `input` is written to its stdin (else stdin is empty). */
export async function openssl(
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<OpensslResult> {
  const child = new Deno.Command("openssl", {
    args: [...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  try {
    const writer = child.stdin.getWriter();
    if (options.input !== undefined) await writer.write(new TextEncoder().encode(options.input));
    await writer.close();
    const out = await child.output();
    return {
      code: out.code,
      stdout: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

async function opensslOk(args: readonly string[], input?: string): Promise<string> {
  const r = await openssl(args, { input });
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** Every PEM certificate block in `text`, in order. */
export function pemBlocks(text: string): string[] {
  return [...text.matchAll(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g)]
    .map((m) => `${m[0]}\n`);
}

export interface SeenChain {
  /** The certificates the server sent, leaf first. */
  chain: string[];
  /** s_client's whole report (for assertion messages). */
  output: string;
  code: number;
}

/**
 * `openssl s_client -proxy 127.0.0.1:PROXY -connect HOST:PORT -servername NAME -showcerts`
 * with nothing to send: the certificate chain a client is shown through the proxy.
 */
export async function chainThroughProxy(
  proxyPort: number,
  target: string,
  servername: string | null,
  extra: readonly string[] = [],
): Promise<SeenChain> {
  const args = ["s_client", "-proxy", `127.0.0.1:${proxyPort}`, "-connect", target, "-showcerts"];
  if (servername !== null) args.push("-servername", servername);
  else args.push("-noservername");
  const r = await openssl([...args, ...extra]);
  const output = `${r.stdout}\n${r.stderr}`;
  return { chain: pemBlocks(r.stdout), output, code: r.code };
}

export interface CertInfo {
  /** `CN = ..., O = ...` as openssl prints it. */
  subject: string;
  issuer: string;
  /** subjectAltName entries: `DNS:localhost`, `IP Address:127.0.0.1`. */
  sans: string[];
  sha256: string;
}

export async function certInfo(pem: string): Promise<CertInfo> {
  const text = await opensslOk(
    ["x509", "-noout", "-subject", "-issuer", "-fingerprint", "-sha256", "-ext", "subjectAltName"],
    pem,
  );
  const field = (name: string) => text.match(new RegExp(`^${name}=\\s*(.*)$`, "m"))?.[1] ?? "";
  const sanLine = text.match(/X509v3 Subject Alternative Name:.*\n\s*(.*)/)?.[1] ?? "";
  return {
    subject: field("subject"),
    issuer: field("issuer"),
    sans: sanLine === "" ? [] : sanLine.split(",").map((s) => s.trim()),
    sha256: field("sha256 Fingerprint").replaceAll(":", "").toLowerCase(),
  };
}

/** Base64 SHA-256 of the certificate's SubjectPublicKeyInfo (Chromium's SPKI pin format). */
export async function spkiSha256Base64(pem: string): Promise<string> {
  // The PUBLIC KEY PEM body is the DER SubjectPublicKeyInfo.
  const pub = await opensslOk(["x509", "-noout", "-pubkey"], pem);
  const body = pub.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  const bytes = Uint8Array.from(atob(body), (c) => c.charCodeAt(0));
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}

/** `openssl verify` of a leaf against a CA file (time checks off: fixture CAs are old). */
export async function verifiesAgainst(leafPem: string, caFile: string): Promise<OpensslResult> {
  return await openssl(["verify", "-no_check_time", "-CAfile", caFile], { input: leafPem });
}

export interface KeyPair {
  certPath: string;
  keyPath: string;
  /** Certificate followed by its key, as `--certs` wants it. */
  bundlePath: string;
  certPem: string;
}

/** A self-signed leaf for `names` (DNS names, or IPs), `rsa` (2048) or `ec` (P-256). */
export async function makeSelfSigned(
  dir: string,
  basename: string,
  names: readonly string[],
  keyType: "rsa" | "ec" = "rsa",
): Promise<KeyPair> {
  const certPath = `${dir}/${basename}.crt`;
  const keyPath = `${dir}/${basename}.key`;
  const bundlePath = `${dir}/${basename}.pem`;
  const sans = names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(",");
  const key = keyType === "rsa"
    ? ["-newkey", "rsa:2048"]
    : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
  await opensslOk([
    "req",
    "-x509",
    ...key,
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "2",
    "-subj",
    `/CN=${names[0]}`,
    "-addext",
    `subjectAltName=${sans}`,
  ]);
  const certPem = await Deno.readTextFile(certPath);
  await Deno.writeTextFile(bundlePath, certPem + (await Deno.readTextFile(keyPath)));
  return { certPath, keyPath, bundlePath, certPem };
}

/**
 * A 2048-bit CA written in mitmproxy's confdir layout, as mitmproxy itself writes it:
 * `mitmproxy-ca.pem` (PKCS#1 key + certificate), `mitmproxy-ca-cert.pem`/`.cer` (certificate),
 * `mitmproxy-ca-cert.p12` (certificate only).
 */
export async function makeMitmproxyConfdir(dir: string): Promise<void> {
  const key = `${dir}/ca.key.tmp`;
  const cert = `${dir}/ca.crt.tmp`;
  await opensslOk(["genrsa", "-traditional", "-out", key, "2048"]);
  await opensslOk([
    "req",
    "-x509",
    "-new",
    "-key",
    key,
    "-days",
    "30",
    "-sha256",
    "-subj",
    "/CN=mitmproxy/O=mitmproxy",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    cert,
  ]);
  const certPem = await Deno.readTextFile(cert);
  await Deno.writeTextFile(`${dir}/mitmproxy-ca.pem`, (await Deno.readTextFile(key)) + certPem, {
    mode: 0o600,
  });
  await Deno.writeTextFile(`${dir}/mitmproxy-ca-cert.pem`, certPem);
  await Deno.writeTextFile(`${dir}/mitmproxy-ca-cert.cer`, certPem);
  await opensslOk([
    "pkcs12",
    "-export",
    "-nokeys",
    "-in",
    cert,
    "-out",
    `${dir}/mitmproxy-ca-cert.p12`,
    "-passout",
    "pass:",
  ]);
  await Deno.remove(key);
  await Deno.remove(cert);
}

/** File name -> SHA-256 of its contents, for "nothing in this dir changed" checks. */
export async function dirDigest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names: string[] = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  for (const name of names.sort()) {
    const data = await Deno.readFile(`${dir}/${name}`);
    const digest = await crypto.subtle.digest("SHA-256", data);
    out[name] = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  return out;
}
