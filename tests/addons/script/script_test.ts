import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { Client } from "../../../core/flow/connection.ts";
import type { HookName } from "../../../core/hooks.ts";
import { tflow, ttcpflow } from "../../core/flow/tflow.ts";
import { ScriptHarness, touchLater } from "./script_harness.ts";

const API = new URL("../../../api/mod.ts", import.meta.url).href;

Deno.test("script: hooks change the live flow in place, with mitmproxy's flow API", async () => {
  await using h = await ScriptHarness.create();
  const path = h.write(
    "edit.ts",
    `import { Response } from "mitmdeno";
    export default {
      request(flow) {
        flow.request.headers.set("x-added", "yes");
        flow.request.query.set("q", "1");
        flow.request.text = "new body";
        flow.comment = "seen by script";
        flow.metadata.count = 1;
        flow.marked = ":star:";
      },
      response(flow) {
        flow.response.status_code = 299;
        flow.response.headers.delete("header-response");
        flow.response.text = flow.response.text.toUpperCase();
      },
    };`,
  );
  await h.load(path);
  deepStrictEqual(h.errors(), []);
  const flow = tflow({ resp: true, live: true });
  const request = flow.request;
  const response = flow.response!;
  await h.master.addons.trigger("request", flow);
  strictEqual(flow.request, request, "the live request object is kept");
  strictEqual(request.headers.get("x-added"), "yes");
  strictEqual(request.path, "/path?q=1");
  strictEqual(request.text, "new body");
  strictEqual(request.headers.get("content-length"), "8");
  strictEqual(flow.comment, "seen by script");
  strictEqual(flow.metadata.count, 1);
  strictEqual(flow.marked, ":star:");
  await h.master.addons.trigger("response", flow);
  strictEqual(flow.response, response);
  strictEqual(response.status_code, 299);
  strictEqual(response.headers.has("header-response"), false);
  strictEqual(response.text, "MESSAGE");
});

Deno.test("script: only the hooks the script defines are registered", async () => {
  await using h = await ScriptHarness.create();
  const path = h.write("only_request.ts", `export default { request() {} };`);
  await h.load(path);
  const addon = h.master.addons.get(path) as Record<string, unknown>;
  ok(addon, `addon registered under its path; names: ${h.master.addons.names()}`);
  strictEqual(typeof addon.request, "function");
  for (const hook of ["response", "requestheaders", "tcp_message", "configure", "done"]) {
    strictEqual(addon[hook], undefined, hook);
  }
  strictEqual(h.master.addons.hasHook("response"), false);
  strictEqual(h.master.addons.hasHook("request"), true);
});

Deno.test("script: Response.make answers from the proxy; kill() kills the live flow", async () => {
  await using h = await ScriptHarness.create();
  const path = h.write(
    "reply.ts",
    `import { Response } from "mitmdeno";
    export default {
      request(flow) {
        if (flow.request.path === "/kill") return flow.kill();
        flow.response = Response.make(418, "short and stout", { "x-teapot": "1" });
      },
    };`,
  );
  await h.load(path);
  const answered = tflow({ live: true });
  await h.master.addons.trigger("request", answered);
  strictEqual(answered.response?.status_code, 418);
  strictEqual(answered.response?.reason, "I'm a teapot");
  strictEqual(answered.response?.text, "short and stout");
  strictEqual(answered.response?.headers.get("x-teapot"), "1");
  const killed = tflow({ live: true });
  killed.request.path = "/kill";
  await h.master.addons.trigger("request", killed);
  strictEqual(killed.error?.msg, "Connection killed.");
  strictEqual(killed.live, false);
  strictEqual(killed.response, null);
});

Deno.test("script: options declared in load, set with --set before loading, read via ctx", async () => {
  await using h = await ScriptHarness.create();
  const path = h.write(
    "opts.ts",
    `import { ctx } from "mitmdeno";
    const atStart = ctx.options.script_timeout;
    export default {
      load(loader) {
        loader.add_option("greeting", "str", "hello", "What to say.");
        loader.add_option("shout", "bool", false, "Upper-case it.");
      },
      configure(updated) {
        if (updated.has("greeting")) ctx.log.info("greeting is now " + ctx.options.greeting);
      },
      request(flow) {
        const g = ctx.options.greeting;
        flow.request.headers.set("x-greeting", ctx.options.shout ? g.toUpperCase() : g);
        flow.request.headers.set("x-port-at-start", String(atStart));
      },
    };`,
  );
  h.master.options.update({ script_timeout: 7 });
  h.master.options.applySetArgs(["greeting=bonjour"], { defer: true });
  await h.load(path);
  h.master.options.assertNoPending();
  strictEqual(h.master.options.get("greeting"), "bonjour");
  const f = tflow({ live: true });
  await h.master.addons.trigger("request", f);
  strictEqual(f.request.headers.get("x-greeting"), "bonjour");
  strictEqual(f.request.headers.get("x-port-at-start"), "7");
  h.master.options.update({ greeting: "hi", shout: true });
  await h.waitForLog(/greeting is now hi/);
  const g = tflow({ live: true });
  await h.master.addons.trigger("request", g);
  strictEqual(g.request.headers.get("x-greeting"), "HI");
});

Deno.test("script: commands registered in load run in the sandbox", async () => {
  await using h = await ScriptHarness.create();
  const path = h.write(
    "cmd.ts",
    `let seen = 0;
    export default {
      load(loader) {
        loader.add_command("counter.add", (n) => (seen += Number(n)), {
          args: [{ name: "n", type: "int" }],
          returns: "int",
          help: "Add n.",
        });
        loader.add_command("counter.fail", () => { throw new Error("nope"); });
      },
      request() { seen++; },
    };`,
  );
  await h.load(path);
  await h.master.addons.trigger("request", tflow({ live: true }));
  strictEqual(await h.master.commands.execute("counter.add 41"), 42);
  strictEqual(h.master.commands.get("counter.add").help, "Add n.");
  let failed = "";
  await h.master.commands.execute("counter.fail").catch((e) => (failed = String(e)));
  ok(failed.includes("nope") && failed.includes(path), failed);
});

Deno.test("script: a slow async hook delays only its own flow", async () => {
  await using h = await ScriptHarness.create();
  const path = h.write(
    "slow.ts",
    `export default {
      async request(flow) {
        if (flow.request.path === "/slow") await new Promise((r) => setTimeout(r, 1500));
        flow.request.headers.set("x-done", flow.request.path);
      },
    };`,
  );
  await h.load(path);
  const slow = tflow({ live: true });
  slow.request.path = "/slow";
  const start = performance.now();
  const slowDone = h.master.addons.trigger("request", slow).then(() => performance.now() - start);
  const fastTimes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const f = tflow({ live: true });
    await h.master.addons.trigger("request", f);
    strictEqual(f.request.headers.get("x-done"), "/path");
    fastTimes.push(performance.now() - start);
  }
  ok(fastTimes.at(-1)! < 1000, `fast flows finished at ${fastTimes.map(Math.round)} ms`);
  ok((await slowDone) >= 1400);
  strictEqual(slow.request.headers.get("x-done"), "/slow");
});

Deno.test("script: editing the file reloads it; a flow in flight finishes with the old version", async () => {
  await using h = await ScriptHarness.create();
  const source = (v: number) =>
    `export default {
      async request(flow) {
        if (flow.request.path === "/slow") await new Promise((r) => setTimeout(r, 2500));
        flow.request.headers.set("x-version", "${v}");
      },
    };`;
  const path = h.write("reload.ts", source(1));
  await h.load(path);
  const inFlight = tflow({ live: true });
  inFlight.request.path = "/slow";
  const pending = h.master.addons.trigger("request", inFlight);
  await touchLater(path, source(2));
  await h.waitForLog(/Reloading script .*reload\.ts/, 5000);
  const deadline = Date.now() + 5000;
  let version = "";
  while (Date.now() < deadline && version !== "2") {
    const f = tflow({ live: true });
    await h.master.addons.trigger("request", f);
    version = f.request.headers.get("x-version") ?? "";
    await new Promise((r) => setTimeout(r, 50));
  }
  strictEqual(version, "2");
  await pending;
  strictEqual(inFlight.request.headers.get("x-version"), "1");
  deepStrictEqual(h.errors(), []);
});

Deno.test("script: a trusted script runs in process with the live flow", async () => {
  await using h = await ScriptHarness.create();
  const path = h.write(
    "trusted.ts",
    `import { ctx, Response } from ${JSON.stringify(API)};
    export default {
      request(flow) {
        flow.metadata.same_object = flow.request.headers.get("header");
        flow.response = Response.make(200, ctx.options.scripts.length + " script");
      },
    };`,
  );
  await h.load(`${path} --inprocess`);
  deepStrictEqual(h.errors(), []);
  const f = tflow({ live: true });
  await h.master.addons.trigger("request", f);
  strictEqual(f.response?.text, "1 script");
  strictEqual(f.metadata.same_object, "qvalue");
});

Deno.test("script: the grants of each script are logged when the proxy runs", async () => {
  await using h = await ScriptHarness.create();
  const a = h.write("a.ts", `export default {};`);
  const b = h.write("b.ts", `export default {};`);
  await h.load(a, `${b} --allow-net=example.com:443 --allow-read=${h.dir}`);
  await h.master.addons.trigger("running");
  const lines = h.messages("info").filter((m) => m.startsWith("Loading script"));
  deepStrictEqual(lines, [
    `Loading script ${a} (sandboxed, permissions: none)`,
    `Loading script ${b} (sandboxed, permissions: net=example.com:443; read=${h.dir})`,
  ]);
});

Deno.test("script: TCP, WebSocket and connection hooks", async () => {
  await using h = await ScriptHarness.create();
  const path = h.write(
    "other_hooks.ts",
    `export default {
      tcp_message(flow) {
        const m = flow.messages.at(-1);
        m.content = new TextEncoder().encode(new TextDecoder().decode(m.content).toUpperCase());
      },
      websocket_message(flow) {
        const m = flow.websocket.messages.at(-1);
        if (m.is_text) m.text = m.text.replace("me", "the script");
        flow.websocket.messages[0].drop();
      },
      client_connected(client) {
        if (client.peername[0] === "10.0.0.1") client.error = "no thanks";
      },
    };`,
  );
  await h.load(path);
  const tcp = ttcpflow({ live: true });
  const last = tcp.messages[1];
  await h.master.addons.trigger("tcp_message", tcp);
  strictEqual(tcp.messages[1], last, "message objects are kept");
  strictEqual(new TextDecoder().decode(last.content), "IT'S ME");
  const ws = tflow({ resp: true, ws: true, live: true });
  await h.master.addons.trigger("websocket_message" as HookName, ws as never);
  strictEqual(ws.websocket!.messages[2].text, "it's the script");
  strictEqual(ws.websocket!.messages[0].dropped, true);
  const client = new Client({
    peername: ["10.0.0.1", 1234],
    sockname: ["", 0],
    timestamp_start: 0,
  });
  await h.master.addons.trigger("client_connected", client);
  strictEqual(client.error, "no thanks");
  deepStrictEqual(h.errors(), []);
});
