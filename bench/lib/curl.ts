/** curl runs: a one-request smoke check and the timed 1 GiB download, direct or via a proxy. */

import { runCommand } from "./processes.ts";

export interface CurlResult {
  httpCode: number;
  bytes: number;
  bytesPerSecond: number;
  seconds: number;
}

async function curl(
  url: string,
  proxyPort: number | null,
  timeoutS: number,
): Promise<CurlResult> {
  const args = [
    "-sS",
    "-o",
    "/dev/null",
    "--max-time",
    String(timeoutS),
    "-w",
    "%{http_code} %{size_download} %{speed_download} %{time_total}",
    // Ignore any *_proxy environment variables.
    ...(proxyPort === null ? ["--noproxy", "*"] : ["-x", `http://127.0.0.1:${proxyPort}`]),
    url,
  ];
  const r = await runCommand("curl", args, { timeoutMs: (timeoutS + 30) * 1000 });
  const [code, size, speed, total] = r.stdout.trim().split(" ").map(Number);
  if (r.code !== 0) {
    throw new Error(`curl ${url} exited with ${r.code}: ${r.stderr.trim()} (got ${size} bytes)`);
  }
  return { httpCode: code, bytes: size, bytesPerSecond: speed, seconds: total };
}

/** One GET of `url`; throws unless it is a 200 with exactly `expectedBytes` of body. */
export async function smokeCheck(
  url: string,
  proxyPort: number | null,
  expectedBytes: number,
): Promise<void> {
  const r = await curl(url, proxyPort, 30);
  if (r.httpCode !== 200 || r.bytes !== expectedBytes) {
    const via = proxyPort === null ? "directly" : `via proxy port ${proxyPort}`;
    throw new Error(
      `GET ${url} ${via}: status ${r.httpCode}, ${r.bytes} bytes (want 200, ${expectedBytes})`,
    );
  }
}

export async function download(
  url: string,
  proxyPort: number | null,
  expectedBytes: number,
): Promise<CurlResult> {
  const r = await curl(url, proxyPort, 600);
  if (r.httpCode !== 200 || r.bytes !== expectedBytes) {
    throw new Error(
      `download: status ${r.httpCode}, ${r.bytes} bytes (want 200, ${expectedBytes})`,
    );
  }
  return r;
}
