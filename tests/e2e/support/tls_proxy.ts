/**
 * The proxy for TLS tests: with a confdir whose path the test knows (to read the CA from, or
 * to hand it an existing one), and waiting on log lines, which go to stderr.
 */
import { type ProxyProcess, startProxy } from "./proxy_process.ts";

export interface TlsProxy extends AsyncDisposable {
  proxy: ProxyProcess;
  confdir: string;
  /** The CA certificate clients must trust: `<confdir>/mitmproxy-ca-cert.pem`. */
  caFile: string;
  /** `-x` argument for curl. */
  url: string;
  port: number;
}

/**
 * Starts `main.ts dump` with `--set confdir=...`: `confdir` when given (left in place),
 * else a fresh temp dir that is removed when the proxy is disposed.
 */
export async function startTlsProxy(
  args: readonly string[],
  confdir?: string,
): Promise<TlsProxy> {
  const own = confdir === undefined;
  const dir = confdir ?? await Deno.makeTempDir({ prefix: "mitmdeno-e2e-tls-conf-" });
  let proxy: ProxyProcess;
  try {
    proxy = await startProxy(["--set", `confdir=${dir}`, ...args]);
  } catch (e) {
    if (own) await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
  return {
    proxy,
    confdir: dir,
    caFile: `${dir}/mitmproxy-ca-cert.pem`,
    url: proxy.url,
    port: proxy.port,
    async [Symbol.asyncDispose]() {
      await proxy.stop();
      if (own) await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/** All of the proxy's output so far (stdout: flows; stderr: warnings and errors). */
export function allOutput(proxy: ProxyProcess): string {
  return `${proxy.stdout}\n${proxy.stderr}`;
}

/** Waits until a line of stdout or stderr matches `re`; returns it. */
export async function waitForOutput(
  proxy: ProxyProcess,
  re: RegExp,
  timeoutMs = 10_000,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const line = allOutput(proxy).split("\n").find((l) => re.test(l));
    if (line !== undefined) return line;
    if (Date.now() > deadline || proxy.exited) {
      throw new Error(
        `no output line matching ${re} within ${timeoutMs} ms; output:\n${allOutput(proxy)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Lines of stdout and stderr matching `re`. */
export function outputLines(proxy: ProxyProcess, re: RegExp): string[] {
  return allOutput(proxy).split("\n").filter((l) => re.test(l));
}
