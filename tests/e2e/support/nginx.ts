/**
 * An nginx origin on a free loopback port, configured in a temp dir:
 *   /       200 "hello from nginx\n"
 *   /echo   200 "$request_method $request_uri $http_x_test\n"
 *   /empty  200 with an empty body (Content-Length: 0)
 *   /big    a generated 5 MiB file (`bigSha256` is its digest)
 * The same locations are served over TLS on `tlsPort` (self-signed certificate for 127.0.0.1).
 * `stop()` kills nginx and removes the dir.
 */

export const BIG_SIZE = 5 * 1024 * 1024;

export interface Nginx {
  port: number;
  tlsPort: number;
  dir: string;
  bigSha256: string;
  url(path: string): string;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function sha256Hex(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Deterministic incompressible-looking bytes (xorshift32). */
export function pseudoRandomBytes(size: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function canConnect(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

function config(dir: string, port: number, tlsPort: number): string {
  const user = Deno.uid() === 0 ? "user root;" : "";
  return `
${user}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:${port};
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    server_name localhost;
    default_type text/plain;
    location = / { return 200 "hello from nginx\\n"; }
    location = /echo { return 200 "$request_method $request_uri $http_x_test\\n"; }
    location = /empty { return 200 ""; }
    location = /big {
      default_type application/octet-stream;
      alias ${dir}/big.bin;
    }
  }
}
`;
}

interface Started {
  port: number;
  tlsPort: number;
  child: Deno.ChildProcess;
}

async function makeCertificate(dir: string): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args: [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      `${dir}/key.pem`,
      "-out",
      `${dir}/cert.pem`,
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`openssl failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

async function tryStart(dir: string): Promise<Started | null> {
  const port = freePort();
  let tlsPort = freePort();
  while (tlsPort === port) tlsPort = freePort();
  await Deno.writeTextFile(`${dir}/nginx.conf`, config(dir, port, tlsPort));
  const child = new Deno.Command("nginx", {
    args: ["-p", dir, "-c", `${dir}/nginx.conf`, "-e", `${dir}/error.log`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !exited) {
    if ((await canConnect(port)) && (await canConnect(tlsPort))) return { port, tlsPort, child };
    await sleep(25);
  }
  if (!exited) {
    child.kill("SIGKILL");
    await status;
    throw new Error(`nginx did not accept connections on ${port} within 10 s`);
  }
  await status;
  return null; // exited: most likely the port was taken meanwhile
}

export async function startNginx(): Promise<Nginx> {
  const dir = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-nginx-" });
  try {
    await Deno.chmod(dir, 0o755);
    const big = pseudoRandomBytes(BIG_SIZE);
    await Deno.writeFile(`${dir}/big.bin`, big, { mode: 0o644 });
    const bigSha256 = await sha256Hex(big);
    await makeCertificate(dir);
    let started: Started | null = null;
    for (let attempt = 0; attempt < 3 && started === null; attempt++) {
      started = await tryStart(dir);
    }
    if (started === null) {
      const log = await Deno.readTextFile(`${dir}/error.log`).catch(() => "");
      throw new Error(`nginx failed to start:\n${log}`);
    }
    const { port, tlsPort, child } = started;
    let stopped: Promise<void> | null = null;
    const stop = () => {
      stopped ??= (async () => {
        try {
          child.kill("SIGTERM");
        } catch {
          // Already gone.
        }
        let timer: ReturnType<typeof setTimeout> | undefined;
        const killLater = new Promise<void>((resolve) => {
          timer = setTimeout(() => {
            try {
              child.kill("SIGKILL");
            } catch {
              // Already gone.
            }
            resolve();
          }, 5_000);
        });
        await Promise.race([child.status, killLater]);
        await child.status;
        clearTimeout(timer);
        await Deno.remove(dir, { recursive: true });
      })();
      return stopped;
    };
    return {
      port,
      tlsPort,
      dir,
      bigSha256,
      url: (path: string) => `http://127.0.0.1:${port}${path}`,
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (e) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw e;
  }
}
