import { strictEqual, throws } from "node:assert/strict";
import { ProxyServer } from "../../addons/proxyserver.ts";
import { Master } from "../../core/master.ts";
import { OptionsError } from "../../core/option_types.ts";

function setup(): Master {
  const master = new Master();
  master.addons.add(new ProxyServer(master.addons));
  master.addons.configureAll();
  return master;
}

Deno.test("proxyserver: invalid sizes, regexes and modes are rejected and rolled back", () => {
  const master = setup();
  throws(() => master.options.update({ body_size_limit: "12x" }), OptionsError);
  strictEqual(master.options.get("body_size_limit"), null);
  throws(() => master.options.update({ ignore_hosts: ["("] }), /ignore_hosts/);
  throws(() => master.options.update({ mode: ["bogus"] }), /unknown mode/);
  throws(() => master.options.update({ mode: ["regular@8080", "regular@8080"] }), /same address/);
  throws(() => master.options.update({ mode: ["socks5"] }), /not supported yet/);
  throws(() => master.options.update({ response_timeout: -1 }), /response_timeout/);
  master.options.update({ body_size_limit: "3m", stream_large_bodies: "1k" });
  strictEqual(master.options.get("body_size_limit"), "3m");
});

Deno.test("proxyserver: listens on the configured port and stops at done", async () => {
  const master = setup();
  master.options.update({ listen_host: "127.0.0.1", listen_port: 0 });
  const server = master.addons.get("proxyserver") as ProxyServer;
  await master.addons.trigger("running");
  const address = server.servers[0].address!;
  strictEqual(address.hostname, "127.0.0.1");
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: address.port });
  conn.close();
  await master.addons.trigger("done");
  strictEqual(server.servers.length, 0);
});
