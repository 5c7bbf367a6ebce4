/**
 * Headless Chromium as a real browser client of the proxy. It trusts a CA through an NSS
 * database in a private $HOME (`certutil`, Debian's libnss3-tools), or, without certutil,
 * through `--ignore-certificate-errors-spki-list` with the public key the proxy signs with.
 */

function findOnPath(names: readonly string[]): string | null {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    for (const name of names) {
      try {
        const info = Deno.statSync(`${dir}/${name}`);
        if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return `${dir}/${name}`;
      } catch {
        // Not here.
      }
    }
  }
  return null;
}

/** The chromium executable, or null when it is not installed. */
export const CHROMIUM: string | null = findOnPath(["chromium", "chromium-browser"]);
export const CERTUTIL: string | null = findOnPath(["certutil"]);

export type CaTrust =
  | { kind: "nssdb"; caFile: string }
  | { kind: "spki"; spkiSha256: string[] }
  | { kind: "none" };

async function run(cmd: string, args: string[], env: Record<string, string>): Promise<void> {
  const out = await new Deno.Command(cmd, { args, env, stdin: "null", stdout: "piped" })
    .output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Creates `$home/.pki/nssdb` (the database Chromium reads on Linux) trusting `caFile`. */
export async function makeNssDb(home: string, caFile: string): Promise<void> {
  if (CERTUTIL === null) {
    throw new Error("certutil is not installed (apt-get install libnss3-tools)");
  }
  const db = `sql:${home}/.pki/nssdb`;
  await Deno.mkdir(`${home}/.pki/nssdb`, { recursive: true });
  const env = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: home };
  await run(CERTUTIL, ["-N", "-d", db, "--empty-password"], env);
  await run(CERTUTIL, ["-A", "-d", db, "-n", "mitmdeno-e2e", "-t", "C,,", "-i", caFile], env);
}

export interface DumpDomResult {
  code: number;
  dom: string;
  stderr: string;
}

/**
 * `chromium --headless --dump-dom URL` through an HTTP proxy, with a fresh profile in `home`.
 * Loopback targets are normally never proxied; `<-loopback>` turns that off.
 */
export async function dumpDom(
  url: string,
  proxyPort: number,
  home: string,
  trust: CaTrust,
  timeoutMs = 30_000,
): Promise<DumpDomResult> {
  if (CHROMIUM === null) throw new Error("chromium is not installed");
  if (trust.kind === "nssdb") await makeNssDb(home, trust.caFile);
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    `--user-data-dir=${home}/profile`,
    `--proxy-server=http://127.0.0.1:${proxyPort}`,
    "--proxy-bypass-list=<-loopback>",
  ];
  if (trust.kind === "spki") {
    args.push(`--ignore-certificate-errors-spki-list=${trust.spkiSha256.join(",")}`);
  }
  args.push("--dump-dom", url);
  const child = new Deno.Command(CHROMIUM, {
    args,
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: home },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    const out = await child.output();
    return {
      code: out.code,
      dom: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}
