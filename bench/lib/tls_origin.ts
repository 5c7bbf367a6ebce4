/**
 * The HTTPS origin for bench/https_bench.ts: nginx (own temp dir, `daemon off`, one worker,
 * keep-alive without a request limit) serving a 100-byte body at `/` over TLS, with a
 * certificate from a throw-away bench CA. The certificate names `localhost`, `*.bench.test`
 * and 127.0.0.1, so any `h<N>.bench.test` SNI verifies (a wildcard needs three labels for
 * node and OpenSSL, hence not `*.test`); the proxies are told to trust the bench CA.
 */

import { type Listening, startOnFreePort } from "./listeners.ts";
import { SMALL_BODY_BYTES } from "./origin.ts";
import { makeTempDir, runCommand } from "./processes.ts";

export const NAME_SUFFIX = "bench.test";

export interface TlsOrigin extends Listening {
  dir: string;
  /** The bench CA certificate (what proxies must trust upstream), path and PEM. */
  caFile: string;
  caPem: string;
  version: string;
}

async function openssl(args: string[]): Promise<void> {
  const r = await runCommand("openssl", args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`openssl ${args.join(" ")} failed: ${r.stderr.trim()}`);
}

/** A P-256 CA and a leaf it signs for the origin. */
async function makePki(dir: string): Promise<void> {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await openssl([
    "req",
    "-x509",
    ...ec,
    "-keyout",
    `${dir}/ca.key`,
    "-out",
    `${dir}/ca.pem`,
    "-days",
    "7",
    "-subj",
    "/CN=mitmdeno bench CA",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  await openssl([
    "req",
    "-new",
    ...ec,
    "-keyout",
    `${dir}/key.pem`,
    "-out",
    `${dir}/leaf.csr`,
    "-subj",
    "/CN=localhost",
  ]);
  await Deno.writeTextFile(
    `${dir}/leaf.ext`,
    `subjectAltName=DNS:localhost,DNS:*.${NAME_SUFFIX},IP:127.0.0.1\n` +
      "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n",
  );
  await openssl([
    "x509",
    "-req",
    "-in",
    `${dir}/leaf.csr`,
    "-CA",
    `${dir}/ca.pem`,
    "-CAkey",
    `${dir}/ca.key`,
    "-CAcreateserial",
    "-days",
    "7",
    "-extfile",
    `${dir}/leaf.ext`,
    "-out",
    `${dir}/cert.pem`,
  ]);
  for (const f of ["ca.key", "key.pem"]) await Deno.chmod(`${dir}/${f}`, 0o644);
}

function nginxConf(dir: string, port: number): string {
  const body = "x".repeat(SMALL_BODY_BYTES - 1) + "\\n";
  return `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events {
    worker_connections 8192;
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
    server {
        listen 127.0.0.1:${port} ssl backlog=4096;
        ssl_certificate ${dir}/cert.pem;
        ssl_certificate_key ${dir}/key.pem;
        location = / {
            default_type text/plain;
            return 200 "${body}";
        }
    }
}
`;
}

export async function startTlsOrigin(): Promise<TlsOrigin> {
  const dir = await makeTempDir("mitmdeno-bench-tls-origin-");
  await Deno.chmod(dir, 0o755);
  await makePki(dir);
  const version = (await runCommand("nginx", ["-v"], { timeoutMs: 10_000 })).stderr.trim()
    .replace(/^nginx version:\s*/, "");
  const listening = await startOnFreePort("nginx-tls", (port) => {
    const confPath = `${dir}/nginx.conf`;
    Deno.writeTextFileSync(confPath, nginxConf(dir, port));
    return { cmd: "nginx", args: ["-p", dir, "-e", `${dir}/error.log`, "-c", confPath] };
  }, 15_000);
  const caFile = `${dir}/ca.pem`;
  return { ...listening, dir, caFile, caPem: await Deno.readTextFile(caFile), version };
}
