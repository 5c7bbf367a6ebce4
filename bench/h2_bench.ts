/**
 * HTTP/2 through proxies with h2load: an nginx HTTPS origin speaking h2, and each proxy in
 * `reverse:https://` mode (h2load cannot use a forward proxy), h2 on both sides, many streams
 * per connection. Prints requests/s and the ratio to mitmdump. Run:
 *   deno run -A bench/h2_bench.ts [--requests N]
 * Needs nginx, openssl and h2load (Debian: nginx, openssl, nghttp2-client); mitmdump optional.
 */
const args = Deno.args;
const requests = Number(args[args.indexOf("--requests") + 1]) || 20000;

async function sh(cmd: string, cmdArgs: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args: cmdArgs, stdout: "piped", stderr: "piped" })
    .output();
  return new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`port ${port} never opened`);
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function h2load(port: number, n: number): Promise<number> {
  const out = await sh("timeout", [
    "120",
    "h2load",
    "-n",
    String(n),
    "-c",
    "10",
    "-m",
    "10",
    `https://127.0.0.1:${port}/`,
  ]);
  const rate = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(out);
  const ok = /(\d+) succeeded/.exec(out);
  if (!rate || !ok) throw new Error(`h2load failed:\n${out}`);
  console.log(
    `  ${ok[1]}/${n} succeeded, protocol ${/Application protocol: (\S+)/.exec(out)?.[1]}`,
  );
  return Number(rate[1]);
}

const dir = await Deno.makeTempDir({ prefix: "mitmdeno-h2-bench-" });
const children: Deno.ChildProcess[] = [];
try {
  await sh("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-keyout",
    `${dir}/key.pem`,
    "-out",
    `${dir}/cert.pem`,
    "-subj",
    "/CN=localhost",
    "-addext",
    "subjectAltName=DNS:localhost,IP:127.0.0.1",
  ]);
  const originPort = freePort();
  await Deno.writeTextFile(
    `${dir}/nginx.conf`,
    `worker_processes 1; daemon off; pid ${dir}/nginx.pid; error_log ${dir}/error.log;
events { worker_connections 1024; }
http { access_log off; keepalive_requests 100000;
  client_body_temp_path ${dir}; proxy_temp_path ${dir}; fastcgi_temp_path ${dir};
  uwsgi_temp_path ${dir}; scgi_temp_path ${dir};
  server { listen 127.0.0.1:${originPort} ssl http2;
    ssl_certificate ${dir}/cert.pem; ssl_certificate_key ${dir}/key.pem;
    location / { return 200 "hello from nginx over h2, 100 bytes of payload padding padding padding pad\\n"; } } }
`,
  );
  children.push(
    new Deno.Command("nginx", { args: ["-c", `${dir}/nginx.conf`], stderr: "null" }).spawn(),
  );
  await waitForPort(originPort);
  const target = `reverse:https://localhost:${originPort}`;
  const results: [string, number][] = [];
  console.log(`origin on ${originPort}`);
  console.log("direct");
  results.push(["direct", await h2load(originPort, requests)]);
  const mitmdenoPort = freePort();
  children.push(
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        new URL("../main.ts", import.meta.url).pathname,
        "dump",
        "-q",
        "--mode",
        `${target}@${mitmdenoPort}`,
        "--set",
        "ssl_insecure=true",
        "--set",
        `confdir=${dir}/conf`,
      ],
      stdout: "null",
      stderr: "null",
    }).spawn(),
  );
  await waitForPort(mitmdenoPort);
  console.log("mitmdeno");
  results.push(["mitmdeno", await h2load(mitmdenoPort, requests)]);
  if ((await sh("sh", ["-c", "command -v mitmdump || true"])).trim() !== "") {
    const mitmdumpPort = freePort();
    children.push(
      new Deno.Command("mitmdump", {
        args: ["-q", "--mode", target, "-p", String(mitmdumpPort), "--set", "ssl_insecure=true"],
        stdout: "null",
        stderr: "null",
      }).spawn(),
    );
    await waitForPort(mitmdumpPort);
    console.log("mitmdump");
    results.push(["mitmdump", await h2load(mitmdumpPort, Math.min(requests, 5000))]);
  }
  for (const [name, rate] of results) console.log(`${name.padEnd(10)} ${rate.toFixed(0)} req/s`);
  const rate = (name: string) => results.find(([n]) => n === name)?.[1];
  const ours = rate("mitmdeno")!;
  console.log(`mitmdeno/direct ${(ours / rate("direct")!).toFixed(3)}`);
  if (rate("mitmdump")) console.log(`mitmdeno/mitmdump ${(ours / rate("mitmdump")!).toFixed(2)}`);
} finally {
  for (const child of children) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await child.status;
  }
  await Deno.remove(dir, { recursive: true });
}
