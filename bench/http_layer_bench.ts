/**
 * The CPU cost of one proxied HTTP/1.1 keep-alive request inside the layers, without sockets:
 * `deno bench -A bench/http_layer_bench.ts`. A regular-mode `HttpLayer` gets a client request,
 * every hook and connection open is answered at once (as the connection handler does when no
 * addon implements the hook), the upstream answers with a 100-byte response. Socket and
 * kernel costs are left out on purpose: this isolates what our own code costs per request,
 * which whole-proxy benchmarks on a shared machine measure too noisily.
 */

import { Client, Server } from "../core/flow/connection.ts";
import type { Connection } from "../core/flow/connection.ts";
import { HttpLayer } from "../layers/http/http_layer.ts";
import { NextLayer } from "../layers/next_layer.ts";
import {
  ALL_HOOKS,
  Context,
  DEFAULT_LAYER_OPTIONS,
  type HookFilter,
  SYSTEM_ENTROPY,
} from "../layers/context.ts";
import { type Command, OpenConnection, SendData, StartHook } from "../layers/commands.ts";
import { CommandCompleted, DataReceived, type Event, Start } from "../layers/events.ts";
import { nextLayerAddon } from "../addons/next_layer.ts";
import type { NextLayerData } from "../layers/next_layer.ts";

const encoder = new TextEncoder();
const REQUEST = encoder.encode(
  "GET http://127.0.0.1:8000/ HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: bench\r\n\r\n",
);
const RESPONSE = encoder.encode(
  "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n" +
    "Connection: keep-alive\r\n\r\n" + "x".repeat(99) + "\n",
);

/** One client connection through the layer, driven synchronously like the handler does. */
class Driver {
  readonly client: Client;
  readonly layer: HttpLayer;
  readonly queue: Event[] = [];
  server: Connection | null = null;
  clientBytes = 0;

  constructor(wantsHook: HookFilter = ALL_HOOKS) {
    this.client = new Client({
      peername: ["127.0.0.1", 52000],
      sockname: ["127.0.0.1", 8080],
      timestamp_start: 1,
      proxy_mode: "regular",
    });
    this.client.connected = true;
    let t = 1;
    const context = new Context(
      this.client,
      new Server({ address: null }),
      { ...DEFAULT_LAYER_OPTIONS, response_timeout: 0 },
      { now: () => (t += 0.001) },
      [],
      SYSTEM_ENTROPY,
      wantsHook,
    );
    this.layer = new HttpLayer(context, { kind: "regular" }, (c) => new NextLayer(c));
    context.layers.push(this.layer);
    this.run(new Start());
  }

  run(event: Event): void {
    this.queue.push(event);
    while (this.queue.length > 0) {
      for (const command of this.layer.handleEvent(this.queue.shift()!)) this.#execute(command);
    }
  }

  #execute(command: Command): void {
    if (command instanceof SendData) {
      if (command.connection === this.client) this.clientBytes += command.data.length;
      else this.queue.push(new DataReceived(command.connection, RESPONSE));
    } else if (command instanceof StartHook) {
      if (command.name === "next_layer") {
        nextLayerAddon.next_layer(command.args[0] as NextLayerData);
      }
      this.queue.push(new CommandCompleted(command, undefined));
    } else if (command instanceof OpenConnection) {
      command.connection.connected = true;
      this.server = command.connection;
      this.queue.push(new CommandCompleted(command, null));
    }
  }
}

/** The hooks the default addons of `mitmdeno dump` listen to. */
const DUMP_HOOKS: HookFilter = (name) =>
  name === "next_layer" || name === "request" || name === "response" || name === "error";

function warmedUp(wantsHook: HookFilter): Driver {
  const driver = new Driver(wantsHook);
  for (let i = 0; i < 2000; i++) driver.run(new DataReceived(driver.client, REQUEST));
  if (driver.clientBytes < 2000 * RESPONSE.length) throw new Error("responses did not come back");
  return driver;
}

if (import.meta.main && Deno.args[0] === "--loop") {
  // A plain loop for profiling: `deno run -A --cpu-prof bench/http_layer_bench.ts --loop N`.
  const driver = warmedUp(DUMP_HOOKS);
  const n = Number(Deno.args[1] ?? "200000");
  const t0 = performance.now();
  for (let i = 0; i < n; i++) driver.run(new DataReceived(driver.client, REQUEST));
  console.log(`${((performance.now() - t0) * 1000 / n).toFixed(2)} us/request over ${n}`);
} else {
  const every = warmedUp(ALL_HOOKS);
  const dump = warmedUp(DUMP_HOOKS);
  Deno.bench("HttpLayer: keep-alive GET, every hook listened to", { baseline: true }, () => {
    every.run(new DataReceived(every.client, REQUEST));
  });
  Deno.bench("HttpLayer: keep-alive GET, the hooks of `mitmdeno dump`", () => {
    dump.run(new DataReceived(dump.client, REQUEST));
  });
}
