/**
 * The nginx origin: its own temp dir and nginx.conf, `daemon off`, one worker, no access log,
 * a 100-byte body at `/` and a sparse 1 GiB file at `/big`.
 */

import { type Listening, startOnFreePort } from "./listeners.ts";
import { makeTempDir, runCommand } from "./processes.ts";

export const SMALL_BODY_BYTES = 100;
export const BIG_FILE_BYTES = 1024 * 1024 * 1024;

export interface Origin extends Listening {
  dir: string;
  bigPath: string;
  version: string;
}

function nginxConf(dir: string, port: number): string {
  const body = "x".repeat(SMALL_BODY_BYTES - 1) + "\n";
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {
    worker_connections 4096;
}
http {
    access_log off;
    server_tokens off;
    client_body_temp_path ${dir}/tmp_body;
    proxy_temp_path ${dir}/tmp_proxy;
    fastcgi_temp_path ${dir}/tmp_fastcgi;
    uwsgi_temp_path ${dir}/tmp_uwsgi;
    scgi_temp_path ${dir}/tmp_scgi;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    sendfile on;
    tcp_nopush on;
    server {
        listen 127.0.0.1:${port} backlog=4096;
        location = / {
            default_type text/plain;
            return 200 "${body.replace("\n", "\\n")}";
        }
        location = /big {
            default_type application/octet-stream;
            alias ${dir}/big;
        }
    }
}
`;
}

/**
 * The first read of a sparse file fills the page cache with zeroed pages, which is slower than
 * later reads: do it here, so whichever download runs first is not penalised.
 */
async function readThrough(path: string): Promise<void> {
  using f = await Deno.open(path, { read: true });
  const buf = new Uint8Array(1 << 20);
  while ((await f.read(buf)) !== null) {
    // Discard.
  }
}

async function nginxVersion(): Promise<string> {
  const r = await runCommand("nginx", ["-v"], { timeoutMs: 10_000 });
  return (r.stderr + r.stdout).trim().replace(/^nginx version:\s*/, "");
}

export async function startOrigin(withBigFile: boolean): Promise<Origin> {
  const dir = await makeTempDir("mitmdeno-bench-origin-");
  // nginx workers run as "nobody": they must be able to enter the dir and read the file.
  await Deno.chmod(dir, 0o755);
  const bigPath = `${dir}/big`;
  if (withBigFile) {
    // Sparse: no disk space used, reads come from the page cache's zero page.
    const f = await Deno.open(bigPath, { create: true, write: true, truncate: true });
    await f.truncate(BIG_FILE_BYTES);
    f.close();
    await Deno.chmod(bigPath, 0o644);
    await readThrough(bigPath);
  }
  const version = await nginxVersion();
  const listening = await startOnFreePort("nginx", (port) => {
    const confPath = `${dir}/nginx.conf`;
    Deno.writeTextFileSync(confPath, nginxConf(dir, port));
    // -e: nginx >= 1.19.5 otherwise opens its compiled-in error log before reading the conf.
    return { cmd: "nginx", args: ["-p", dir, "-e", `${dir}/error.log`, "-c", confPath] };
  }, 15_000);
  // The master owns the socket; requests are served by the single worker.
  return { ...listening, dir, bigPath, version };
}
