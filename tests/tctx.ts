/** A test context: a client, an unconnected server, default options and a fixed clock. */
import { Client, Server } from "../core/flow/connection.ts";
import { Context, DEFAULT_LAYER_OPTIONS, type LayerOptions } from "../layers/context.ts";

export function tctx(options: Partial<LayerOptions> = {}, proxyMode = "regular"): Context {
  const client = new Client({
    peername: ["127.0.0.1", 52000],
    sockname: ["127.0.0.1", 8080],
    timestamp_start: 1700000000,
    proxy_mode: proxyMode,
  });
  client.connected = true;
  const server = new Server({ address: null });
  let t = 1700000000;
  const clock = { now: () => (t += 0.001) };
  // No response timer unless a test asks for one: it would add a RequestWakeup to every transcript.
  const merged = { ...DEFAULT_LAYER_OPTIONS, response_timeout: 0, ...options };
  return new Context(client, server, merged, clock);
}
