import { deepStrictEqual, match, strictEqual } from "node:assert/strict";
import { Deadlines } from "../../../addons/script/deadlines.ts";
import { tflow } from "../../core/flow/tflow.ts";
import { ScriptHarness } from "./script_harness.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("deadlines: one timer; only calls still pending expire, in order", async () => {
  const expired: string[] = [];
  const d = new Deadlines<string>(60, (k) => expired.push(k));
  d.add("a");
  d.add("b");
  await sleep(30);
  d.add("c");
  d.delete("a");
  await sleep(45);
  deepStrictEqual(expired, ["b"]);
  await sleep(60);
  deepStrictEqual(expired, ["b", "c"]);
  strictEqual(d.size, 0);
  d.add("d");
  d.clear(); // no timer left behind (the test's sanitizer checks)
});

/** A script that writes `payload` to stdout as one frame when it sees `/forge`. */
function forger(payload: number[]): string {
  return `export default {
    request(flow) {
      if (flow.request.path !== "/forge") {
        flow.request.headers.set("x-ok", "1");
        return;
      }
      const payload = new Uint8Array(${JSON.stringify(payload)});
      const frame = new Uint8Array(8 + payload.length);
      frame.set([0x4d, 0x44, 0x53, 0x32]);
      new DataView(frame.buffer).setUint32(4, payload.length, true);
      frame.set(payload, 8);
      Deno.stdout.writeSync(frame);
    },
  };`;
}

const str = (s: string) => [5, s.length, 0, 0, 0, ...new TextEncoder().encode(s)];

Deno.test("channel: forged frames from the worker are refused with a clear error", async (t) => {
  const cases: [string, number[], RegExp][] = [
    ["an unknown tag", [42], /unknown tag 42 at 8/],
    ["an unknown message", [8, 1, 0, 0, 0, 0, ...str("bogus")], /unknown message type "bogus"/],
    [
      "a reply without an integer id",
      [8, 2, 0, 0, 0, 0, ...str("reply"), 1, ...str("x")],
      /reply\.id: expected an integer/,
    ],
    ["a truncated value", [5, 9, 0, 0, 0, 0x61], /truncated value at 13: needs 9 more bytes/],
  ];
  for (const [name, payload, reason] of cases) {
    await t.step(name, async () => {
      await using h = await ScriptHarness.create();
      const path = h.write("forger.ts", forger(payload));
      await h.load(path);
      const forged = tflow({ live: true });
      forged.request.path = "/forge";
      const before = forged.getState();
      await h.master.addons.trigger("request", forged);
      deepStrictEqual(forged.getState(), before, "the flow goes on unchanged");
      const line = await h.waitForLog(/broke the channel to the proxy/);
      match(line, reason);
      match(line, /restarting it/);
      const next = tflow({ live: true });
      await h.master.addons.trigger("request", next);
      strictEqual(next.request.headers.get("x-ok"), "1", "restarted and serving");
    });
  }
});

Deno.test("channel: concurrent calls each get their own answer", async () => {
  await using h = await ScriptHarness.create();
  const path = h.write(
    "echo.ts",
    `export default {
      async request(flow) {
        await new Promise((r) => setTimeout(r, Math.random() * 20));
        flow.request.headers.set("x-echo", flow.request.path);
        flow.comment = flow.request.path.repeat(3);
      },
      response(flow) {
        flow.response.headers.set("x-echo", flow.request.path);
      },
    };`,
  );
  await h.load(path);
  const flows = Array.from({ length: 60 }, (_, i) => {
    const f = tflow({ live: true });
    f.request.path = `/flow/${i}`;
    return f;
  });
  await Promise.all(flows.map((f) => h.master.addons.trigger("request", f)));
  await Promise.all(flows.map((f) => {
    f.response = tflow({ resp: true }).response;
    return h.master.addons.trigger("response", f);
  }));
  for (const [i, f] of flows.entries()) {
    strictEqual(f.request.headers.get("x-echo"), `/flow/${i}`);
    strictEqual(f.comment, `/flow/${i}`.repeat(3));
    strictEqual(f.response!.headers.get("x-echo"), `/flow/${i}`);
  }
  deepStrictEqual(h.errors(), []);
});
