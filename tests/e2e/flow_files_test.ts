import * as assert from "node:assert/strict";
import { curl } from "./support/curl.ts";
import { startNginx } from "./support/nginx.ts";
import { ProxyProcess, runProxyCli } from "./support/proxy_process.ts";

const FIXTURES = new URL("../../../shared/fixtures/mitmproxy/", import.meta.url);

function flowLines(stdout: string): string[] {
  return stdout.split("\n").filter((l) => /^\S+: [A-Z]+ /.test(l));
}

Deno.test("flow files: -w survives kill -9, -r reads back, filters apply, HAR and stdin read", async (t) => {
  await using nginx = await startNginx();
  const dir = await Deno.makeTempDir({ prefix: "mitmdeno-e2e-flows-" });
  const out = `${dir}/out.mitm`;
  try {
    await t.step("kill -9 after three flows loses none of them", async () => {
      const proxy = await ProxyProcess.start(["-w", out]);
      try {
        for (const path of ["/echo?a", "/echo?b", "/echo?c"]) {
          const res = await curl(["-x", proxy.url, nginx.url(path)]);
          assert.equal(res.code, 0, res.stderr);
          await proxy.waitForFlow("GET", nginx.url(path));
        }
      } finally {
        await proxy.kill();
      }
      const read = await runProxyCli(["-n", "-r", out]);
      assert.equal(read.code, 0, read.stderr);
      const lines = flowLines(read.stdout);
      assert.equal(lines.length, 3, read.stdout);
      assert.match(lines[2], /GET http:\/\/127\.0\.0\.1:\d+\/echo\?c$/);
    });

    await t.step("-r in -w out with a filter keeps only matching flows", async () => {
      const filtered = `${dir}/filtered.mitm`;
      const run = await runProxyCli(["-n", "-r", out, "-w", filtered, "~u echo\\?b"]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(flowLines(run.stdout).length, 1, run.stdout);
      const back = await runProxyCli(["-n", "-r", filtered]);
      const lines = flowLines(back.stdout);
      assert.equal(lines.length, 1, back.stdout);
      assert.match(lines[0], /echo\?b$/);
    });

    await t.step("-r - reads standard input", async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("../../main.ts", import.meta.url).pathname,
          "dump",
          "-n",
          "-r",
          "-",
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1", HOME: dir },
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(await Deno.readFile(out));
      await writer.close();
      const result = await child.output();
      assert.equal(result.code, 0, new TextDecoder().decode(result.stderr));
      assert.equal(flowLines(new TextDecoder().decode(result.stdout)).length, 3);
    });

    await t.step(
      "a truncated file keeps the flows before the damage and names the offset",
      async () => {
        const bytes = await Deno.readFile(out);
        const truncated = `${dir}/truncated.mitm`;
        await Deno.writeFile(truncated, bytes.subarray(0, bytes.length - 40));
        const run = await runProxyCli(["-n", "-r", truncated]);
        assert.equal(flowLines(run.stdout).length, 2, run.stdout);
        assert.match(run.stdout + run.stderr, /truncated\.mitm.*byte \d+/s);
      },
    );

    await t.step("mitmproxy's own dump files and browser HAR files read", async () => {
      const dump = await runProxyCli([
        "-n",
        "-r",
        new URL("dumpfiles/dumpfile-7.mitm", FIXTURES).pathname,
      ]);
      assert.equal(dump.code, 0, dump.stderr);
      assert.equal(flowLines(dump.stdout).length, 2, dump.stdout);
      const har = await runProxyCli([
        "-n",
        "-r",
        new URL("har_files/chrome.har", FIXTURES).pathname,
      ]);
      assert.equal(har.code, 0, har.stderr);
      assert.ok(flowLines(har.stdout).length >= 1, har.stdout);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
