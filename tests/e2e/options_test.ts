/** Command line, options and config.yaml as seen from outside the process. */
import assert from "node:assert/strict";
import { curl } from "./support/curl.ts";
import { startNginx } from "./support/nginx.ts";
import { freePort, ProxyProcess, runProxyCli, startProxy } from "./support/proxy_process.ts";
import { startRawOrigin } from "./support/raw_origin.ts";

async function withConfdir(
  config: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-confdir-" });
  try {
    await Deno.writeTextFile(`${dir}/config.yaml`, config);
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("--version, --options and -h exit 0 with sensible output", async () => {
  const [version, options, help] = await Promise.all([
    runProxyCli(["--version"]),
    runProxyCli(["--options"]),
    runProxyCli(["-h"]),
  ]);
  assert.equal(version.code, 0, version.stderr);
  assert.match(version.stdout, /^mitmdeno: \d+\.\d+\.\d+/m);
  assert.match(
    version.stdout,
    new RegExp(`^Deno: ${Deno.version.deno.replaceAll(".", "\\.")}$`, "m"),
  );
  assert.equal(version.stderr, "");

  assert.equal(options.code, 0, options.stderr);
  for (const name of ["listen_port", "listen_host", "body_size_limit", "stream_large_bodies"]) {
    assert.match(options.stdout, new RegExp(`^${name}: `, "m"), `--options lacks ${name}`);
  }
  assert.match(options.stdout, /^block_global: true$/m);
  assert.match(options.stdout, /^flow_detail: 1$/m);

  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /^usage: mitmdeno dump /);
  for (const flag of ["--listen-port", "--listen-host", "--set", "--version", "-q, --quiet"]) {
    assert.ok(help.stdout.includes(flag), `-h lacks ${flag}`);
  }
});

Deno.test("invalid command lines exit 2 and name the problem", async () => {
  const cases: [string[], RegExp][] = [
    [["--set", "listen_port=abc"], /listen_port/],
    [["--set", "body_size_limit=zz"], /body_size_limit/],
    [["--set", "flow_detail=5"], /flow_detail/],
    [["--set", "no_such_option=1"], /no_such_option/],
    [["--no-such-flag"], /--no-such-flag/],
    [["--listen-port"], /--listen-port/],
  ];
  const results = await Promise.all(cases.map(([args]) => runProxyCli(args)));
  for (const [i, [args, pattern]] of cases.entries()) {
    const result = results[i];
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, pattern, args.join(" "));
    assert.doesNotMatch(result.stdout, /listening at/, args.join(" "));
  }
});

Deno.test("config.yaml problems exit 2 naming the file", async () => {
  await withConfdir("no_such_key: 1\n", async (dir) => {
    const result = await runProxyCli(["-p", "0", "--set", `confdir=${dir}`]);
    assert.equal(result.code, 2, result.stderr);
    assert.ok(result.stderr.includes(`${dir}/config.yaml`), result.stderr);
    assert.match(result.stderr, /no_such_key/);
  });
  await withConfdir("flow_detail: [1\n", async (dir) => {
    const result = await runProxyCli(["-p", "0", "--set", `confdir=${dir}`]);
    assert.equal(result.code, 2, result.stderr);
    assert.ok(result.stderr.includes(`${dir}/config.yaml`), result.stderr);
  });
  await withConfdir("flow_detail: abc\n", async (dir) => {
    const result = await runProxyCli(["-p", "0", "--set", `confdir=${dir}`]);
    assert.equal(result.code, 2, result.stderr);
    assert.ok(result.stderr.includes(`${dir}/config.yaml`), result.stderr);
    assert.match(result.stderr, /flow_detail/);
  });
});

Deno.test("config.yaml flow_detail: 0 suppresses flow lines; --set overrides it", async () => {
  await using nginx = await startNginx();
  await withConfdir("flow_detail: 0\n", async (dir) => {
    const quiet = await startProxy(["--set", `confdir=${dir}`]);
    try {
      const res = await curl(["-x", quiet.url, nginx.url("/")]);
      assert.equal(res.text, "hello from nginx\n");
    } finally {
      const exit = await quiet.stop();
      assert.equal(exit.code, 0, exit.stderr);
      assert.doesNotMatch(exit.stdout, /GET http/);
      assert.doesNotMatch(exit.stdout, /<</);
    }

    const loud = await startProxy(["--set", `confdir=${dir}`, "--set", "flow_detail=1"]);
    try {
      const res = await curl(["-x", loud.url, nginx.url("/")]);
      assert.equal(res.text, "hello from nginx\n");
      await loud.waitForFlow("GET", nginx.url("/"));
    } finally {
      const exit = await loud.stop();
      assert.equal(exit.code, 0, exit.stderr);
    }
  });
});

Deno.test("-q prints neither flows nor info logs", async () => {
  await using nginx = await startNginx();
  const port = freePort();
  const proxy = await ProxyProcess.start(["-q"], { port });
  try {
    const res = await curl(["-x", proxy.url, nginx.url("/")]);
    assert.equal(res.text, "hello from nginx\n");
  } finally {
    const exit = await proxy.stop();
    assert.equal(exit.code, 0, exit.stderr);
    assert.equal(exit.stdout, "");
  }
});

Deno.test("--flow-detail 2 prints request and response headers", async () => {
  await using nginx = await startNginx();
  await using proxy = await startProxy(["--flow-detail", "2"]);
  const res = await curl(["-x", proxy.url, "-H", "X-Test: shown-in-dump", nginx.url("/echo")]);
  assert.equal(res.text, "GET /echo shown-in-dump\n");
  await proxy.waitForFlow("GET", nginx.url("/echo"));
  await proxy.waitForLine(/^\s+X-Test: shown-in-dump$/);
  await proxy.waitForLine(/^\s+Server: nginx/);
});

Deno.test("body_size_limit=1k: 413 for bigger requests, 502 for bigger responses", async (t) => {
  await using nginx = await startNginx();
  await using origin = startRawOrigin();
  await using proxy = await startProxy(["--set", "body_size_limit=1k"]);

  await t.step("small POST passes", async () => {
    const res = await curl([
      "-x",
      proxy.url,
      "--data-binary",
      "x".repeat(1000),
      nginx.url("/echo"),
    ]);
    assert.equal(res.text, "POST /echo \n");
  });

  await t.step("2 KiB POST (Content-Length) gets 413", async () => {
    const res = await curl([
      "-x",
      proxy.url,
      "-w",
      "%{http_code}",
      "--data-binary",
      "x".repeat(2048),
      origin.url("/echo?too-big"),
    ]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.text, /body_size_limit/);
    assert.match(res.text, /413$/);
    assert.ok(!origin.requests.some((r) => r.target === "/echo?too-big"));
  });

  await t.step("2 KiB chunked POST gets 413", async () => {
    const res = await curl([
      "-x",
      proxy.url,
      "-w",
      "%{http_code}",
      "-H",
      "Transfer-Encoding: chunked",
      "--data-binary",
      "x".repeat(2048),
      origin.url("/echo?too-big-chunked"),
    ]);
    assert.match(res.text, /413$/);
  });

  await t.step("4 KiB response gets 502", async () => {
    const res = await curl(["-x", proxy.url, "-w", "%{http_code}", origin.url("/bytes")]);
    assert.match(res.text, /body_size_limit/);
    assert.match(res.text, /502$/);
  });

  await t.step("exit 0", async () => {
    const exit = await proxy.stop();
    assert.equal(exit.code, 0, exit.stderr);
  });
});

Deno.test("--set block_global=false is accepted and the proxy serves", async () => {
  await using nginx = await startNginx();
  await using proxy = await startProxy(["--set", "block_global=false", "--no-block-private"]);
  const res = await curl(["-x", proxy.url, nginx.url("/")]);
  assert.equal(res.text, "hello from nginx\n");
  const exit = await proxy.stop();
  assert.equal(exit.code, 0, exit.stderr);
});
