/** Every script in examples/ runs sandboxed, as a user would run it, and does what it says. */
import { deepStrictEqual, match, ok, strictEqual } from "node:assert/strict";
import { scriptImportMap } from "../../addons/script/sandbox_env.ts";
import type { Flow } from "../../core/flow/flow.ts";
import { Headers } from "../../core/flow/headers.ts";
import type { HookName } from "../../core/hooks.ts";
import { readFlows } from "../../core/io/flow_reader.ts";
import { Opcode, WebSocketMessage } from "../../core/flow/websocket.ts";
import { tflow } from "../core/flow/tflow.ts";
import { ScriptHarness } from "../addons/script/script_harness.ts";

const EXAMPLES = new URL("../../examples/", import.meta.url);
const example = (name: string) => decodeURIComponent(new URL(name, EXAMPLES).pathname);
const enc = (s: string) => new TextEncoder().encode(s);

async function withExample(
  name: string,
  fn: (h: ScriptHarness, path: string) => Promise<void>,
  opts: { errorsLogged?: string[] } = {},
): Promise<void> {
  await using h = await ScriptHarness.create();
  const path = example(name);
  await h.load(path);
  deepStrictEqual(h.errors(), opts.errorsLogged ?? [], "the example loads without errors");
  await fn(h, path);
}

Deno.test("example http_add_header: counts responses in a header", () =>
  withExample("http_add_header.ts", async (h) => {
    for (const n of ["1", "2"]) {
      const f = tflow({ resp: true, live: true });
      await h.master.addons.trigger("response", f);
      strictEqual(f.response?.headers.get("x-response-count"), n);
    }
  }));

Deno.test("example http_redirect_requests: example.org goes to mitmproxy.org", () =>
  withExample("http_redirect_requests.ts", async (h) => {
    const f = tflow({ live: true });
    f.request.url = "http://example.org/path";
    f.request.headers.set("Host", "example.org");
    await h.master.addons.trigger("request", f);
    strictEqual(f.request.host, "mitmproxy.org");
    strictEqual(f.request.headers.get("host"), "mitmproxy.org");
    const other = tflow({ live: true });
    await h.master.addons.trigger("request", other);
    strictEqual(other.request.host, "address");
  }));

Deno.test("example http_reply_from_proxy: answers http://example.com/path itself", () =>
  withExample("http_reply_from_proxy.ts", async (h) => {
    const f = tflow({ live: true });
    f.request.url = "http://example.com/path";
    await h.master.addons.trigger("request", f);
    strictEqual(f.response?.status_code, 200);
    strictEqual(f.response?.text, "Hello World");
    strictEqual(f.response?.headers.get("content-type"), "text/html");
    const other = tflow({ live: true });
    await h.master.addons.trigger("request", other);
    strictEqual(other.response, null);
  }));

Deno.test("example http_modify_form: adds a field, or a whole form", () =>
  withExample("http_modify_form.ts", async (h) => {
    const form = tflow({ live: true });
    form.request.headers.set("content-type", "application/x-www-form-urlencoded");
    form.request.text = "name=alice";
    await h.master.addons.trigger("request", form);
    deepStrictEqual(form.request.urlencoded_form.items(true), [
      ["name", "alice"],
      ["mitmdeno", "rocks"],
    ]);
    const none = tflow({ live: true });
    await h.master.addons.trigger("request", none);
    strictEqual(none.request.text, "foo=bar");
    strictEqual(none.request.headers.get("content-type"), "application/x-www-form-urlencoded");
  }));

Deno.test("example http_modify_query_string: adds a query parameter", () =>
  withExample("http_modify_query_string.ts", async (h) => {
    const f = tflow({ live: true });
    f.request.path = "/search?q=deno";
    await h.master.addons.trigger("request", f);
    strictEqual(f.request.path, "/search?q=deno&mitmdeno=rocks");
  }));

Deno.test("example http_stream_modify: streams large bodies, rewrites small ones", () =>
  withExample("http_stream_modify.ts", async (h) => {
    const small = tflow({ resp: true, live: true });
    small.response!.text = "foo and foo";
    await h.master.addons.trigger("responseheaders", small);
    strictEqual(small.response!.stream, false);
    await h.master.addons.trigger("response", small);
    strictEqual(small.response!.text, "bar and bar");
    const big = tflow({ resp: true, live: true });
    big.response!.headers = new Headers([["content-length", String(10 * 1024 * 1024)]]);
    await h.master.addons.trigger("responseheaders", big);
    strictEqual(big.response!.stream, true, "the stream switch comes back from the sandbox");
    const chunked = tflow({ resp: true, live: true });
    chunked.response!.headers = new Headers([["transfer-encoding", "chunked"]]);
    await h.master.addons.trigger("responseheaders", chunked);
    strictEqual(chunked.response!.stream, true);
  }));

Deno.test("example log_events: every level, lifecycle and console", () =>
  withExample("log_events.ts", async (h) => {
    await h.master.addons.trigger("running");
    const f = tflow({ resp: true, live: true });
    await h.master.addons.trigger("request", f);
    await h.master.addons.trigger("response", f);
    await h.master.addons.trigger("done");
    const has = (level: string, text: string) =>
      h.logs.some((e) => e.level === level && e.msg === text);
    ok(has("info", "This is some informative text."));
    ok(has("warn", "This is a warning."));
    ok(has("error", "This is an error."));
    ok(has("info", "The proxy is running."));
    ok(has("debug", "request: GET http://address:22/path"));
    ok(has("alert", "response: 200 for http://address:22/path"));
    ok(has("info", "The script is being unloaded."));
  }, { errorsLogged: ["This is an error."] }));

Deno.test("example options_simple: an option switches the header on", () =>
  withExample("options_simple.ts", async (h) => {
    strictEqual(h.master.options.get("addheader"), false);
    const off = tflow({ resp: true, live: true });
    await h.master.addons.trigger("response", off);
    strictEqual(off.response?.headers.has("count"), false);
    h.master.options.applySetArgs(["addheader=true"]);
    const on = tflow({ resp: true, live: true });
    await h.master.addons.trigger("response", on);
    strictEqual(on.response?.headers.get("count"), "1");
  }));

Deno.test("example commands_simple: the command runs in the sandbox", () =>
  withExample("commands_simple.ts", async (h) => {
    strictEqual(await h.master.commands.execute("myaddon.inc"), 1);
    strictEqual(await h.master.commands.execute("myaddon.inc 5"), 6);
    strictEqual(h.master.commands.get("myaddon.inc").signature, "myaddon.inc by -> int");
    await h.waitForLog(/^num = 6$/);
  }));

Deno.test("example io_write_flow_file: flows land in the granted file", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/flows.mitm`;
  try {
    await using h = await ScriptHarness.create();
    h.master.options.applySetArgs([`flow_file=${file}`], { defer: true });
    await h.load(`${example("io_write_flow_file.ts")} --allow-write=${file}`);
    await h.master.addons.trigger("running");
    const flows = [tflow({ resp: true, live: true }), tflow({ resp: true, live: true })];
    for (const f of flows) await h.master.addons.trigger("response", f);
    await h.master.addons.trigger("done");
    deepStrictEqual(h.errors(), []);
    const back: Flow[] = [];
    for await (const f of readFlows(file)) back.push(f);
    deepStrictEqual(back.map((f) => f.id), flows.map((f) => f.id));
    await using denied = await ScriptHarness.create();
    denied.master.options.applySetArgs([`flow_file=${dir}/other.mitm`], { defer: true });
    await denied.load(`${example("io_write_flow_file.ts")} --allow-write=${file}`);
    await denied.master.addons.trigger("running");
    match(denied.errors().join("\n"), /running was refused a permission: .*write access/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("example filter_flows: marks matching flows; a bad filter is reported", () =>
  withExample("filter_flows.ts", async (h) => {
    h.master.options.update({ flowfilter: "~u /api/" });
    const api = tflow({ resp: true, live: true });
    api.request.path = "/api/users";
    const other = tflow({ resp: true, live: true });
    await h.master.addons.trigger("response", api);
    await h.master.addons.trigger("response", other);
    strictEqual(api.marked, ":mag:");
    strictEqual(other.marked, "");
    await h.waitForLog(/Flow matches filter: GET http:\/\/address:22\/api\/users/);
    h.master.options.update({ flowfilter: "~u (" });
    await h.waitForLog(/Invalid filter expression "~u \("/);
  }));

Deno.test("example websocket_rewrite: rewrites client messages, drops FOOBAR", () =>
  withExample("websocket_rewrite.ts", async (h) => {
    const trigger = (flow: Flow) =>
      h.master.addons.trigger("websocket_message" as HookName, flow as never);
    const f = tflow({ resp: true, ws: true, live: true });
    const messages = f.websocket!.messages;
    messages.push(new WebSocketMessage(Opcode.TEXT, true, enc("Hello there"), 1));
    await trigger(f);
    strictEqual(messages.at(-1)!.text, "HAPPY there");
    messages.push(new WebSocketMessage(Opcode.TEXT, false, enc("xx FOOBAR xx"), 2));
    await trigger(f);
    strictEqual(messages.at(-1)!.dropped, true);
    messages.push(new WebSocketMessage(Opcode.TEXT, false, enc("fine"), 3));
    await trigger(f);
    strictEqual(messages.at(-1)!.dropped, false);
    await h.waitForLog(/Client sent a message: Hello there/);
  }));

Deno.test("examples type-check against the mitmdeno API", async () => {
  const map = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(map, JSON.stringify(await scriptImportMap()));
    const files: string[] = [];
    for await (const e of Deno.readDir(EXAMPLES)) if (e.name.endsWith(".ts")) files.push(e.name);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--quiet", "--import-map", map, ...files.sort()],
      cwd: EXAMPLES,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    strictEqual(out.code, 0, new TextDecoder().decode(out.stderr));
    ok(files.length >= 12, `${files.length} examples`);
  } finally {
    await Deno.remove(map);
  }
});
