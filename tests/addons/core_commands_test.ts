import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { CoreCommands } from "../../addons/core_commands.ts";
import { ProxyServer } from "../../addons/proxyserver.ts";
import { Master } from "../../core/master.ts";
import { tflow } from "../core/flow/tflow.ts";

Deno.test("set, options.save/load/reset work through the command registry", async () => {
  const master = new Master();
  master.addons.add(new CoreCommands(), new ProxyServer(master.addons));
  await master.commands.execute("set listen_port 9999");
  strictEqual(master.options.get("listen_port"), 9999);
  await master.commands.execute("set ignore_hosts a b");
  deepStrictEqual(master.options.get("ignore_hosts"), ["a", "b"]);
  const path = await Deno.makeTempFile({ suffix: ".yaml" });
  try {
    await master.commands.execute(`options.save ${path}`);
    await master.commands.execute("options.reset");
    strictEqual(master.options.get("listen_port"), null);
    await master.commands.execute(`options.load ${path}`);
    strictEqual(master.options.get("listen_port"), 9999);
    await master.commands.execute("options.reset.one listen_port");
    strictEqual(master.options.get("listen_port"), null);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("flow commands mark, comment, kill and resume flows", async () => {
  const master = new Master();
  master.addons.add(new CoreCommands());
  const flow = tflow();
  flow.live = true;
  await master.commands.call("flow.mark", [flow], ":grapes:");
  strictEqual(flow.marked, ":grapes:");
  await master.commands.call("flow.mark.toggle", [flow]);
  strictEqual(flow.marked, "");
  await master.commands.call("flow.comment", [flow], "look here");
  strictEqual(flow.comment, "look here");
  flow.intercept();
  const resumed = flow.waitForResume();
  await master.commands.call("flow.resume", [flow]);
  await resumed;
  strictEqual(flow.intercepted, false);
  await master.commands.call("flow.kill", [flow]);
  strictEqual(flow.error?.msg, "Connection killed.");
});
