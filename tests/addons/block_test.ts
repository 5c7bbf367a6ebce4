import { strictEqual } from "node:assert/strict";
import { Block } from "../../addons/block.ts";
import { Client } from "../../core/flow/connection.ts";
import { Master } from "../../core/master.ts";

function client(address: string): Client {
  return new Client({ peername: [address, 5000], sockname: ["0.0.0.0", 8080], timestamp_start: 0 });
}

Deno.test("block_global refuses public clients by default; loopback always passes", async () => {
  const master = new Master();
  master.addons.add(new Block());
  const pub = client("8.8.8.8");
  const local = client("127.0.0.1");
  const lan = client("192.168.1.2");
  for (const c of [pub, local, lan]) await master.addons.trigger("client_connected", c);
  strictEqual(pub.error?.includes("block_global"), true);
  strictEqual(local.error, null);
  strictEqual(lan.error, null);
});

Deno.test("block_private refuses private clients; block_global=false serves the world", async () => {
  const master = new Master();
  master.addons.add(new Block());
  master.options.update({ block_private: true, block_global: false });
  const pub = client("8.8.8.8");
  const lan = client("10.0.0.7");
  const local = client("::1");
  for (const c of [pub, lan, local]) await master.addons.trigger("client_connected", c);
  strictEqual(pub.error, null);
  strictEqual(lan.error?.includes("block_private"), true);
  strictEqual(local.error, null);
});
