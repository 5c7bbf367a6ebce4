/**
 * Hostile and broken scripts: each is contained, reported with the script's path, and the
 * flows go on (unchanged where the script misbehaved).
 */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { tflow } from "../../core/flow/tflow.ts";
import { ScriptHarness } from "./script_harness.ts";

/** A second, well-behaved script, to show the other scripts keep working. */
const GOOD = `export default { request(flow) { flow.request.headers.set("x-good", "1"); } };`;

Deno.test("bad input: a script that throws in every hook is reported once per hook", async () => {
  await using h = await ScriptHarness.create();
  const bad = h.write(
    "throws.ts",
    `function boom(where) { throw new RangeError("boom in " + where); }
    export default {
      requestheaders() { boom("requestheaders"); },
      request() { boom("request"); },
      response() { boom("response"); },
      running() { boom("running"); },
    };`,
  );
  const good = h.write("good.ts", GOOD);
  await h.load(bad, good);
  await h.master.addons.trigger("running");
  for (let i = 0; i < 3; i++) {
    const f = tflow({ resp: true, live: true });
    const before = f.getState();
    await h.master.addons.trigger("requestheaders", f);
    await h.master.addons.trigger("request", f);
    await h.master.addons.trigger("response", f);
    strictEqual(f.request.headers.get("x-good"), "1", "the next script still ran");
    f.request.headers.delete("x-good");
    deepStrictEqual(f.getState(), before, "the failing script changed nothing");
  }
  const errors = h.errors();
  strictEqual(errors.length, 4, errors.join("\n---\n"));
  for (const hook of ["requestheaders", "request", "response", "running"]) {
    const line = errors.find((e) => e.includes(`error in ${hook}:`));
    ok(line, `${hook} reported`);
    ok(line.startsWith(`Script ${bad}: error in ${hook}: RangeError: boom in ${hook}`), line);
    match(line, /\n\s+at boom \(file:\/\/\/.*throws\.ts:1:\d+\)/, "with the script's stack");
  }
  ok(h.messages("debug").some((m) => /repeated, 3 times/.test(m)));
});

Deno.test("bad input: an endless loop is killed after script_timeout and the script restarts", async () => {
  await using h = await ScriptHarness.create({ script_timeout: 1 });
  const path = h.write(
    "loop.ts",
    `export default {
      request(flow) {
        if (flow.request.path === "/loop") for (;;) {}
        flow.request.headers.set("x-ok", "1");
      },
    };`,
  );
  await h.load(path);
  const looping = tflow({ live: true });
  looping.request.path = "/loop";
  const before = looping.getState();
  const start = performance.now();
  await h.master.addons.trigger("request", looping);
  const took = performance.now() - start;
  ok(took >= 900 && took < 4000, `took ${took} ms`);
  deepStrictEqual(looping.getState(), before, "the flow goes on unchanged");
  await h.waitForLog(/loop\.ts: request did not finish within 1 s; restarting it/);
  const next = tflow({ live: true });
  await h.master.addons.trigger("request", next);
  strictEqual(next.request.headers.get("x-ok"), "1", "the restarted script works");
});

Deno.test("bad input: a script that keeps hanging is unloaded after 3 failures", async () => {
  await using h = await ScriptHarness.create({ script_timeout: 1 });
  const path = h.write("always_loops.ts", `export default { request() { for (;;) {} } };`);
  await h.load(path);
  for (let i = 0; i < 3; i++) await h.master.addons.trigger("request", tflow({ live: true }));
  await h.waitForLog(/Unloaded after 3 failures in a row/);
  for (let i = 0; i < 20 && h.master.addons.has(path); i++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  strictEqual(h.master.addons.has(path), false);
  const start = performance.now();
  await h.master.addons.trigger("request", tflow({ live: true }));
  ok(performance.now() - start < 100, "flows no longer wait for it");
});

Deno.test("bad input: a top-level endless loop fails the load, the proxy keeps serving", async () => {
  await using h = await ScriptHarness.create({ script_timeout: 1 });
  const bad = h.write("top_loop.ts", `for (;;) {}\nexport default {};`);
  const good = h.write("good.ts", GOOD);
  await h.load(bad, good);
  const line = h.errors().find((e) => e.includes("top_loop.ts"));
  match(line ?? "", /failed to load: did not finish loading within 6 s/);
  const f = tflow({ live: true });
  await h.master.addons.trigger("request", f);
  strictEqual(f.request.headers.get("x-good"), "1");
});

Deno.test("bad input: unbounded allocation hits the memory limit; reported, restarted", async () => {
  await using h = await ScriptHarness.create({ script_memory_limit: 64 });
  const path = h.write(
    "hog.ts",
    `const hoard = [];
    export default {
      request(flow) {
        if (flow.request.path === "/hog") for (;;) hoard.push(new Array(1e5).fill(hoard.length));
        flow.request.headers.set("x-ok", "1");
      },
    };`,
  );
  await h.load(path);
  const f = tflow({ live: true });
  f.request.path = "/hog";
  const before = f.getState();
  await h.master.addons.trigger("request", f);
  deepStrictEqual(f.getState(), before);
  const line = await h.waitForLog(/hog\.ts: its sandbox process .*restarting/);
  match(line, /out of memory|heap limit/i);
  const next = tflow({ live: true });
  await h.master.addons.trigger("request", next);
  strictEqual(next.request.headers.get("x-ok"), "1");
});

Deno.test("bad input: wrong types are reported clearly", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["no_default.ts", `export const request = () => {};`, /has no default export/],
    ["number.ts", `export default 42;`, /the default export is a number, not an addon object/],
    [
      "array.ts",
      `export default [{}, "x"];`,
      /default export \[1\] is a string, not an addon object/,
    ],
    ["hook_value.ts", `export default { request: 5 };`, /hook request is a number, not a function/],
    [
      "bad_option.ts",
      `export default { load(l) { l.add_option("x", "float", 1, "?"); } };`,
      /unknown option type/,
    ],
    [
      "bad_default.ts",
      `export default { load(l) { l.add_option("x_count", "int", "many", "?"); } };`,
      /Bad default for option "x_count"/,
    ],
    ["throws_load.ts", `throw new Error("top-level trouble");`, /top-level trouble/],
  ];
  for (const [name, source, expected] of cases) {
    await t.step(name, async () => {
      await using h = await ScriptHarness.create();
      const path = h.write(name, source);
      await h.load(path);
      const errors = h.errors();
      strictEqual(errors.length, 1, errors.join("\n"));
      ok(errors[0].startsWith(`Script ${path} failed to load: `), errors[0]);
      match(errors[0], expected);
      strictEqual(h.master.addons.has(path), false);
    });
  }
  await t.step("a hook that returns a value gets one warning", async () => {
    await using h = await ScriptHarness.create();
    const path = h.write("returns.ts", `export default { request(flow) { return flow; } };`);
    await h.load(path);
    for (let i = 0; i < 3; i++) await h.master.addons.trigger("request", tflow({ live: true }));
    const warnings = h.messages("warn");
    deepStrictEqual(warnings, [
      `Script ${path}: request returned an object; the return value is ignored (hooks change the flow in place)`,
    ]);
  });
});

Deno.test("bad input: a flow replaced with garbage is refused and left untouched", async (t) => {
  const cases: [string, RegExp][] = [
    [`flow.response = "garbage";`, /cannot|getState|not a function/],
    [`flow.request = { host: 1 };`, /not a function|getState/],
    [`flow.marked = 42;`, /marked: expected str, got number/],
    [`flow.request.headers.set("x-evil", "a\\r\\nInjected: 1");`, /CR, LF or NUL/],
    [`flow.request.headers.fields.push(["bad name", "v"]);`, /invalid header name/],
    [`flow.metadata = "not a dict";`, /metadata: expected dict/],
    [`flow.response = Object.assign(Response.make(200), { status_code: 70000 });`, /status_code/],
  ];
  for (const [edit, expected] of cases) {
    await t.step(edit, async () => {
      await using h = await ScriptHarness.create();
      const path = h.write(
        "garbage.ts",
        `import { Response } from "mitmdeno";
        export default { request(flow) { ${edit} } };`,
      );
      await h.load(path);
      const f = tflow({ live: true });
      const before = f.getState();
      await h.master.addons.trigger("request", f);
      deepStrictEqual(f.getState(), before);
      const errors = h.errors();
      strictEqual(errors.length, 1, errors.join("\n"));
      ok(errors[0].startsWith(`Script ${path}: request returned an invalid flow (`), errors[0]);
      match(errors[0], expected);
    });
  }
});

Deno.test("bad input: the sandbox refuses files, sockets, env, processes and FFI", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["/etc/passwd", `await Deno.readTextFile("/etc/passwd")`, /read access to "\/etc\/passwd"/],
    ["node:fs", `(await import("node:fs")).readFileSync("/etc/passwd")`, /read access/],
    ["write", `await Deno.writeTextFile("/tmp/pwned", "x")`, /write access/],
    ["socket", `await Deno.connect({ hostname: "127.0.0.1", port: 9 })`, /net access/],
    ["fetch", `await fetch("http://127.0.0.1:8080/")`, /net access/],
    ["env", `Deno.env.get("HOME")`, /env access/],
    ["spawn", `await new Deno.Command("id").output()`, /run access/],
    ["ffi", `Deno.dlopen("libc.so.6", {})`, /ffi access/],
    ["computed import", `await import("https://exa" + "mple.com/x.js")`, /import access|remote/],
  ];
  for (const [name, code, expected] of cases) {
    await t.step(name, async () => {
      await using h = await ScriptHarness.create();
      const path = h.write("nosy.ts", `export default { async request(flow) { ${code}; } };`);
      const good = h.write("good.ts", GOOD);
      await h.load(path, good);
      const f = tflow({ live: true });
      await h.master.addons.trigger("request", f);
      strictEqual(f.request.headers.get("x-good"), "1", "the flow went on");
      const errors = h.errors();
      strictEqual(errors.length, 1, errors.join("\n"));
      ok(errors[0].startsWith(`Script ${path}: request was refused a permission: `), errors[0]);
      match(errors[0], expected);
      match(errors[0], /granted: none/);
    });
  }
  await t.step("a grant allows exactly what it names", async () => {
    await using h = await ScriptHarness.create();
    Deno.writeTextFileSync(`${h.dir}/data.txt`, "granted data");
    const path = h.write(
      "reader.ts",
      `export default {
        async request(flow) {
          flow.request.headers.set("x-data", await Deno.readTextFile(${
        JSON.stringify(`${h.dir}/data.txt`)
      }));
          await Deno.readTextFile("/etc/passwd");
        },
      };`,
    );
    await h.load(`${path} --allow-read=${h.dir}/data.txt`);
    const f = tflow({ live: true });
    await h.master.addons.trigger("request", f);
    strictEqual(f.request.headers.get("x-data"), "granted data");
    const errors = h.errors();
    strictEqual(errors.length, 1, errors.join("\n"));
    match(errors[0], /read access to "\/etc\/passwd".*granted: read=/);
  });
});

Deno.test("bad input: remote imports are refused before the script runs", async (t) => {
  for (
    const [name, source] of [
      ["static.ts", `import x from "https://example.com/evil.js";\nexport default { x };`],
      [
        "literal_dynamic.ts",
        `export default { async request() { await import("https://example.com/evil.js"); } };`,
      ],
      ["jsr.ts", `import x from "jsr:@evil/pkg";\nexport default { x };`],
    ]
  ) {
    await t.step(name, async () => {
      await using h = await ScriptHarness.create();
      const path = h.write(name, source);
      await h.load(path);
      const errors = h.errors();
      strictEqual(errors.length, 1, errors.join("\n"));
      match(errors[0], /failed to load: imports the remote module (https:\/\/example\.com|jsr:)/);
      strictEqual(h.master.addons.has(path), false);
    });
  }
});

Deno.test("bad input: a syntax error is reported with file and line; other scripts serve on", async () => {
  await using h = await ScriptHarness.create();
  const bad = h.write("syntax.ts", `export default {\n  request(flow) {\n    flow.(\n  },\n};\n`);
  const good = h.write("good.ts", GOOD);
  await h.load(bad, good);
  const errors = h.errors();
  strictEqual(errors.length, 1, errors.join("\n"));
  ok(errors[0].startsWith(`Script ${bad} failed to load: `), errors[0]);
  match(errors[0], /syntax\.ts:3:\d+/);
  const f = tflow({ live: true });
  await h.master.addons.trigger("request", f);
  strictEqual(f.request.headers.get("x-good"), "1");
});

Deno.test("bad input: writing to stdout, uncaught async errors and console output", async () => {
  await using h = await ScriptHarness.create();
  const path = h.write(
    "noisy.ts",
    `export default {
      request(flow) {
        if (flow.request.path === "/stdout") {
          Deno.stdout.writeSync(new TextEncoder().encode("garbage on the channel"));
          return;
        }
        console.log("console says", { a: 1 });
        setTimeout(() => { throw new Error("late failure"); }, 0);
        flow.request.headers.set("x-ok", "1");
      },
    };`,
  );
  await h.load(path);
  const f = tflow({ live: true });
  await h.master.addons.trigger("request", f);
  strictEqual(f.request.headers.get("x-ok"), "1");
  await h.waitForLog(/console says \{ a: 1 \}/);
  await h.waitForLog(/noisy\.ts: error in code outside a hook: late failure/);
  const g = tflow({ live: true });
  g.request.path = "/stdout";
  await h.master.addons.trigger("request", g);
  await h.waitForLog(/noisy\.ts: broke the channel to the proxy .*restarting it/);
  const next = tflow({ live: true });
  await h.master.addons.trigger("request", next);
  strictEqual(next.request.headers.get("x-ok"), "1", "restarted");
});
