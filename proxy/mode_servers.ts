/**
 * Listeners, one per `--mode` spec: accept TCP connections and run a ConnectionHandler with
 * the mode's top layer for each. Only this file and server.ts touch sockets.
 */
import { Client } from "../core/flow/connection.ts";
import type { Context } from "../layers/context.ts";
import type { Layer } from "../layers/layer.ts";
import { NextLayer } from "../layers/next_layer.ts";
import { ReverseProxy } from "../layers/modes.ts";
import { parseServerSpec } from "./server_spec.ts";
import { ConnectionHandler, type HandlerDeps } from "./server.ts";
import { listenHostFor, listenPortFor, type ModeSpec } from "./mode_specs.ts";

/** Modes this build can serve; the others are parsed but refused with a clear message. */
const SUPPORTED = new Set(["regular", "reverse"]);
const REVERSE_SCHEMES = new Set(["http", "https", "tls", "tcp"]);

export function topLayerFor(spec: ModeSpec): (context: Context) => Layer {
  switch (spec.name) {
    case "regular":
      return (context) => new NextLayer(context);
    case "reverse": {
      const target = parseServerSpec(spec.data, "https");
      return (context) => new ReverseProxy(context, target);
    }
    default:
      throw new Error(`mode "${spec.name}" is not supported yet by mitmdeno`);
  }
}

export function checkModeSupported(spec: ModeSpec): string | null {
  if (!SUPPORTED.has(spec.name)) return `mode "${spec.name}" is not supported yet by mitmdeno`;
  if (spec.name === "reverse") {
    try {
      const target = parseServerSpec(spec.data, "https");
      if (!REVERSE_SCHEMES.has(target.scheme)) {
        return `reverse mode with ${target.scheme}:// is not supported yet by mitmdeno (supported: ${
          [...REVERSE_SCHEMES].join(", ")
        })`;
      }
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  }
  return null;
}

export class ModeServer {
  #listener: Deno.Listener | null = null;
  readonly #handlers = new Set<Promise<void>>();
  /** Open connections by client id (so commands can inject events into them). */
  readonly #live = new Map<string, ConnectionHandler>();
  #accepting: Promise<void> | null = null;

  constructor(
    readonly spec: ModeSpec,
    readonly deps: () => HandlerDeps,
  ) {}

  /** The bound address ("host:port"), once listening. */
  get address(): Deno.NetAddr | null {
    return this.#listener ? (this.#listener.addr as Deno.NetAddr) : null;
  }

  /** The handler of a live client connection, if it is one of ours. */
  handlerFor(clientId: string): ConnectionHandler | undefined {
    return this.#live.get(clientId);
  }

  listen(optionHost: string, optionPort: number | null): Deno.NetAddr {
    const hostname = listenHostFor(this.spec, optionHost) || "0.0.0.0";
    const port = listenPortFor(this.spec, optionPort) ?? 0;
    this.#listener = Deno.listen({ hostname, port, transport: "tcp" });
    this.#accepting = this.#acceptLoop(this.#listener);
    return this.#listener.addr as Deno.NetAddr;
  }

  async #acceptLoop(listener: Deno.Listener): Promise<void> {
    const makeLayer = topLayerFor(this.spec);
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch {
        return; // listener closed
      }
      const deps = this.deps();
      try {
        (conn as Deno.TcpConn).setNoDelay(true);
      } catch {
        // Not every transport supports it.
      }
      const remote = conn.remoteAddr as Deno.NetAddr;
      const local = conn.localAddr as Deno.NetAddr;
      const client = new Client({
        peername: [remote.hostname, remote.port],
        sockname: [local.hostname, local.port],
        timestamp_start: deps.clock.now(),
        proxy_mode: this.spec.fullSpec,
      });
      const handler = new ConnectionHandler(conn, client, makeLayer, deps);
      this.#live.set(client.id, handler);
      const running: Promise<void> = handler.run().catch((e) => {
        deps.log("error", `connection handler failed: ${e instanceof Error ? e.stack : e}`);
      }).finally(() => {
        this.#handlers.delete(running);
        this.#live.delete(client.id);
      });
      this.#handlers.add(running);
    }
  }

  /** Stops accepting; waits up to `graceMs` for open connections, then closes them. */
  async stop(graceMs: number): Promise<void> {
    try {
      this.#listener?.close();
    } catch {
      // Already closed.
    }
    await this.#accepting;
    if (this.#handlers.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        Promise.allSettled([...this.#handlers]),
        new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    for (const handler of this.#live.values()) handler.abort();
    await Promise.allSettled([...this.#handlers]);
  }
}
