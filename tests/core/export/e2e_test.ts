/**
 * End to end: export flows for requests to local origins, run the exported commands and
 * snippets (curl through bash, fetch through `deno eval`, requests through python3), and
 * check they get the same response as a direct request.
 *
 * - nginx (temp dir, free loopback port) answers `/echo` with
 *   `$request_method $request_uri $http_x_test $content_length`.
 * - A loopback `Deno.serve` answers with the method, target, X-Test and the body in hex, to
 *   check that bodies arrive byte for byte (nginx cannot echo a body).
 */

import { ok, strictEqual } from "node:assert/strict";
import { latin1Decode, latin1Encode, utf8Encode } from "../../../codecs/bytes.ts";
import { exportFlow } from "../../../core/export/formats.ts";
import { HttpFlow, Request } from "../../../core/flow/http.ts";
import { tclient, tserver } from "../flow/tflow.ts";

const NO_PROXY_ENV = {
  http_proxy: "",
  https_proxy: "",
  HTTP_PROXY: "",
  HTTPS_PROXY: "",
  all_proxy: "",
  ALL_PROXY: "",
  NO_PROXY: "*",
  no_proxy: "*",
};

interface Ran {
  ok: boolean;
  stdout: Uint8Array;
  stderr: string;
}

/** Runs a program with a 30 s limit. */
async function run(program: string, args: string[]): Promise<Ran> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 30_000);
  try {
    const out = await new Deno.Command(program, {
      args,
      env: NO_PROXY_ENV,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: abort.signal,
    }).output();
    return { ok: out.success, stdout: out.stdout, stderr: new TextDecoder().decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

async function haveProgram(program: string, args: string[]): Promise<boolean> {
  try {
    return (await run(program, args)).ok;
  } catch {
    return false;
  }
}

const HAVE_NGINX = await haveProgram("nginx", ["-v"]);
const HAVE_CURL = await haveProgram("curl", ["--version"]);
const HAVE_REQUESTS = await haveProgram("python3", ["-c", "import requests"]);

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

async function canConnect(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

interface Nginx {
  port: number;
  stop(): Promise<void>;
}

function nginxConfig(dir: string, port: number): string {
  return `
${Deno.uid() === 0 ? "user root;" : ""}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    default_type text/plain;
    location = /echo {
      return 200 "$request_method $request_uri $http_x_test $content_length\\n";
    }
  }
}
`;
}

/** nginx on a free port in a temp dir; `stop()` ends it and removes the dir. */
async function startNginx(): Promise<Nginx> {
  const dir = await Deno.makeTempDir({ prefix: "mitmdeno-export-nginx-" });
  const cleanup = () => Deno.remove(dir, { recursive: true }).catch(() => {});
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const port = freePort();
      await Deno.writeTextFile(`${dir}/nginx.conf`, nginxConfig(dir, port));
      const child = new Deno.Command("nginx", {
        args: ["-p", dir, "-c", `${dir}/nginx.conf`, "-e", `${dir}/error.log`],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      let exited = false;
      const status = child.status.finally(() => (exited = true));
      const stop = async () => {
        // SIGTERM: the master stops its worker too. SIGKILL would orphan the worker, which
        // keeps listening on the port after the test.
        const signal = (name: Deno.Signal) => {
          try {
            child.kill(name);
          } catch {
            // Already gone.
          }
        };
        signal("SIGTERM");
        const timer = setTimeout(() => signal("SIGKILL"), 5_000);
        await status;
        clearTimeout(timer);
        await cleanup();
      };
      const deadline = Date.now() + 10_000;
      while (!exited && Date.now() < deadline) {
        if (await canConnect(port)) return { port, stop };
        await new Promise((r) => setTimeout(r, 25));
      }
      if (!exited) {
        await stop();
        throw new Error(`nginx did not listen on ${port} within 10 s`);
      }
      await status; // exited: most likely the port was taken meanwhile
    }
    throw new Error(`nginx failed to start: ${await Deno.readTextFile(`${dir}/error.log`)}`);
  } catch (e) {
    await cleanup();
    throw e;
  }
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The body-echo origin's answer for a request. */
function bodyEcho(method: string, target: string, xTest: string, body: Uint8Array): Uint8Array {
  return latin1Encode(`${method} ${target}\n${xTest}\n${hex(body)}\n`);
}

function startBodyEcho(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    const body = new Uint8Array(await req.arrayBuffer());
    // Header values are ByteStrings: one char per byte, i.e. latin1.
    const xTest = req.headers.get("x-test") ?? "";
    const echo = bodyEcho(req.method, url.pathname + url.search, xTest, body);
    return new Response(echo as Uint8Array<ArrayBuffer>);
  });
}

function flowFor(
  method: string,
  url: string,
  body: string | Uint8Array,
  headers: [string, string][],
  serverIp = "127.0.0.1",
): HttpFlow {
  const request = Request.make(method, url, body, headers);
  const flow = new HttpFlow(tclient(), tserver(), 0, request);
  flow.server_conn.peername = [serverIp, request.port];
  return flow;
}

/** The same request made directly with fetch() from the test. */
async function direct(flow: HttpFlow): Promise<Uint8Array> {
  const req = flow.request;
  const headers = req.headers.fields.filter(([k]) => k.toLowerCase() !== "content-length");
  const body = req.raw_content && req.raw_content.length > 0
    ? req.raw_content as Uint8Array<ArrayBuffer>
    : undefined;
  const res = await fetch(req.url, { method: req.method, headers, body });
  return new Uint8Array(await res.arrayBuffer());
}

async function viaCurl(flow: HttpFlow, preserveIp = false): Promise<Uint8Array> {
  const cmd = exportFlow("curl", flow, { preserve_original_ip: preserveIp }) as string;
  // curl's progress meter goes to stderr; pipefail catches a failing printf.
  const out = await run("bash", ["-c", `set -o pipefail\n${cmd}`]);
  ok(out.ok, `${cmd}\n${out.stderr}`);
  return out.stdout;
}

async function viaFetch(flow: HttpFlow): Promise<Uint8Array> {
  const snippet = exportFlow("fetch", flow) as string;
  const out = await run(Deno.execPath(), [
    "eval",
    `${snippet}\nawait Deno.stdout.write(new Uint8Array(await response.arrayBuffer()));`,
  ]);
  ok(out.ok, `${snippet}\n${out.stderr}`);
  return out.stdout;
}

async function viaRequests(flow: HttpFlow): Promise<Uint8Array> {
  const snippet = exportFlow("python-requests", flow) as string;
  const out = await run("python3", [
    "-c",
    `${snippet}\nimport sys\nsys.stdout.buffer.write(response.content)`,
  ]);
  ok(out.ok, `${snippet}\n${out.stderr}`);
  return out.stdout;
}

const text = (b: Uint8Array) => latin1Decode(b);

async function allAgree(flow: HttpFlow, expected: Uint8Array): Promise<void> {
  strictEqual(text(await direct(flow)), text(expected), "direct request");
  strictEqual(text(await viaCurl(flow)), text(expected), "curl");
  strictEqual(text(await viaFetch(flow)), text(expected), "fetch");
  if (HAVE_REQUESTS) strictEqual(text(await viaRequests(flow)), text(expected), "requests");
}

const UNICODE_X_TEST = latin1Decode(utf8Encode(`it's "quoted" ✓`));
const BINARY = Uint8Array.from({ length: 256 }, (_, i) => i);

Deno.test({
  name: "e2e: exported curl, fetch and requests reach nginx like a direct request",
  ignore: !HAVE_NGINX || !HAVE_CURL,
  async fn(t) {
    const nginx = await startNginx();
    try {
      const url = (path: string) => `http://127.0.0.1:${nginx.port}${path}`;
      await t.step("GET with query and a quoted UTF-8 header", async () => {
        const flow = flowFor("GET", url("/echo?a=1&b=%20x"), "", [["X-Test", UNICODE_X_TEST]]);
        await allAgree(flow, latin1Encode(`GET /echo?a=1&b=%20x ${UNICODE_X_TEST} \n`));
      });
      await t.step("POST with a text body", async () => {
        const flow = flowFor("POST", url("/echo"), "hello=world&x='y'", [
          ["Content-Type", "application/x-www-form-urlencoded"],
          ["X-Test", "form"],
        ]);
        await allAgree(flow, latin1Encode("POST /echo form 17\n"));
      });
      await t.step("POST without a body", async () => {
        const flow = flowFor("POST", url("/echo"), "", [["X-Test", "empty"]]);
        await allAgree(flow, latin1Encode("POST /echo empty 0\n"));
      });
      await t.step("PUT with a binary body", async () => {
        const flow = flowFor("PUT", url("/echo"), BINARY, [["X-Test", "bin"]]);
        await allAgree(flow, latin1Encode("PUT /echo bin 256\n"));
      });
      await t.step("curl --resolve reaches the original IP for an unresolvable host", async () => {
        const flow = flowFor("GET", `http://export-e2e.invalid:${nginx.port}/echo`, "", [
          ["X-Test", "pinned"],
        ]);
        strictEqual(text(await viaCurl(flow, true)), "GET /echo pinned \n");
      });
    } finally {
      await nginx.stop();
    }
  },
});

Deno.test({
  name: "e2e: bodies arrive byte for byte (curl, fetch, requests)",
  ignore: !HAVE_CURL,
  async fn(t) {
    const server = startBodyEcho();
    try {
      const url = (path: string) => `http://127.0.0.1:${server.addr.port}${path}`;
      const cases: [string, string | Uint8Array, [string, string][]][] = [
        ["binary", BINARY, [["Content-Type", "application/octet-stream"]]],
        ["controls", "a\r\nb\tc\n\n", [["Content-Type", "text/plain"]]],
        ["at-sign", "@/etc/passwd", [["Content-Type", "text/plain"]]],
        ["utf8", "ünïcode ✓ 100% \\x41 'q' \"qq\"", [["Content-Type", "text/plain"]]],
        ["not-utf8", new Uint8Array([0xff, 0x41, 0xc3]), [["X-Test", "\xff\xfe"]]],
      ];
      for (const [name, body, headers] of cases) {
        await t.step(name, async () => {
          const flow = flowFor("POST", url(`/up?case=${name}`), body, headers);
          const bytes = flow.request.raw_content!;
          const xTest = flow.request.headers.get("x-test") ?? "";
          await allAgree(flow, bodyEcho("POST", `/up?case=${name}`, xTest, bytes));
        });
      }
    } finally {
      await server.shutdown();
    }
  },
});
