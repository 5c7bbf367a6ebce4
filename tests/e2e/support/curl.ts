/** Runs curl with a clean environment (no proxy variables, no ~/.curlrc) and a time limit. */

export interface CurlResult {
  code: number;
  stdout: Uint8Array;
  text: string;
  stderr: string;
}

export async function curl(args: readonly string[], maxSeconds = 30): Promise<CurlResult> {
  const child = new Deno.Command("curl", {
    args: ["-q", "-sS", "--max-time", String(maxSeconds), ...args],
    clearEnv: true,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A hard stop in case curl itself misbehaves.
  const timer = setTimeout(() => child.kill("SIGKILL"), (maxSeconds + 10) * 1000);
  try {
    const out = await child.output();
    return {
      code: out.code,
      stdout: out.stdout,
      text: new TextDecoder().decode(out.stdout),
      stderr: new TextDecoder().decode(out.stderr),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Splits `curl -i` output into the status line, header lines and body (last response only). */
export function splitIncluded(text: string): { status: string; headers: string[]; body: string } {
  let rest = text;
  while (true) {
    const end = rest.indexOf("\r\n\r\n");
    if (end < 0) throw new Error(`no header block in curl output: ${JSON.stringify(text)}`);
    const [status, ...headers] = rest.slice(0, end).split("\r\n");
    const body = rest.slice(end + 4);
    // Skip interim responses and the CONNECT reply curl prints with -i -p.
    if (/^HTTP\/\S+ (1\d\d|200 Connection established)/i.test(status) && body.startsWith("HTTP/")) {
      rest = body;
      continue;
    }
    return { status, headers, body };
  }
}
