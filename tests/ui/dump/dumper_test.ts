import { match, strictEqual } from "node:assert/strict";
import { Master } from "../../../core/master.ts";
import { Dumper, formatDuration, formatSize } from "../../../ui/dump/dumper.ts";
import { coreOptions } from "../../../addons/core_options.ts";
import { tflow, ttcpflow } from "../../core/flow/tflow.ts";

function setup(detail: number, color = false) {
  let text = "";
  const master = new Master();
  master.addons.add(coreOptions, new Dumper({ write: (t) => (text += t), color }));
  master.options.update({ flow_detail: detail });
  return { master, output: () => text };
}

Deno.test("formatSize and formatDuration", () => {
  strictEqual(formatSize(17), "17b");
  strictEqual(formatSize(1536), "1.5k");
  strictEqual(formatSize(200 * 1024 * 1024), "200m");
  strictEqual(formatDuration(0.005), "5ms");
  strictEqual(formatDuration(2.5), "2.50s");
});

Deno.test("flow_detail 1: request line and aligned response line with size and duration", async () => {
  const { master, output } = setup(1);
  await master.addons.trigger("response", tflow({ resp: true }));
  const lines = output().split("\n");
  match(lines[0], /^127\.0\.0\.1:22: GET http:\/\/address:22\/path$/);
  match(lines[1], /^\s+<< 200 OK 7b 3.00s$/);
  strictEqual(lines[1].indexOf("<<"), "127.0.0.1:22".length - 2);
});

Deno.test("flow_detail 0 prints nothing; 2 adds headers; 3 adds bodies", async () => {
  const quiet = setup(0);
  await quiet.master.addons.trigger("response", tflow({ resp: true }));
  strictEqual(quiet.output(), "");
  const headers = setup(2);
  await headers.master.addons.trigger("response", tflow({ resp: true }));
  match(headers.output(), /header: qvalue/);
  const bodies = setup(3);
  await bodies.master.addons.trigger("response", tflow({ resp: true }));
  match(bodies.output(), /message/);
});

Deno.test("errors and TCP flows are printed; colour only when asked", async () => {
  const { master, output } = setup(1);
  await master.addons.trigger("error", tflow({ err: true }));
  match(output(), /<< error/);
  await master.addons.trigger("tcp_end", ttcpflow());
  match(output(), / <-> .* tcp /);
  strictEqual(output().includes("\x1b["), false);
  const colored = setup(1, true);
  await colored.master.addons.trigger("response", tflow({ resp: true }));
  strictEqual(colored.output().includes("\x1b[1m"), true);
});

Deno.test("flow_detail outside 0..4 is rejected", () => {
  const { master } = setup(1);
  let message = "";
  try {
    master.options.update({ flow_detail: 7 });
  } catch (e) {
    message = String(e);
  }
  match(message, /flow_detail/);
});
