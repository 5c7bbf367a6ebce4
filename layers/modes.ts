/**
 * Mode layers that fix where traffic goes before the protocol is known. `ReverseProxy`
 * points the connection at its configured server (marking it TLS for https/tls targets)
 * and then lets `NextLayer` pick the stack.
 */
import { Server } from "../core/flow/connection.ts";
import { type Event, Start } from "./events.ts";
import { type CommandGenerator, Layer, log, openConnection } from "./layer.ts";
import type { Context } from "./context.ts";
import { NextLayer } from "./next_layer.ts";

export interface ReverseTarget {
  /** http, https, tls or tcp. */
  readonly scheme: string;
  readonly host: string;
  readonly port: number;
}

/** Reverse-proxy schemes whose server side speaks TLS. */
export function targetUsesTls(target: ReverseTarget): boolean {
  return target.scheme === "https" || target.scheme === "tls";
}

export class ReverseProxy extends Layer {
  readonly #child: NextLayer;

  constructor(context: Context, readonly target: ReverseTarget) {
    super(context);
    this.#child = new NextLayer(context);
  }

  override describe(): string {
    return `ReverseProxy(${this.target.scheme}://${this.target.host}:${this.target.port})`;
  }

  #started = false;

  override get delegate(): Layer | null {
    return this.#started && this.idle ? this.#child : null;
  }

  protected *handle(event: Event): CommandGenerator {
    if (event instanceof Start) {
      this.#started = true;
      const server = new Server({ address: [this.target.host, this.target.port] });
      server.tls = targetUsesTls(this.target);
      if (server.tls) server.sni = this.target.host;
      this.context.server = server;
      this.context.layers.push(this.#child);
      if (this.context.options.connection_strategy === "eager") {
        // Connect before the client speaks, so servers that speak first (raw TCP) work and
        // the TLS layer can mirror the server's certificate.
        const error = yield* openConnection(server);
        if (error !== null) {
          yield log(
            `Could not connect to ${this.target.host}:${this.target.port}: ${error}`,
            "warn",
          );
        }
      }
    }
    yield* this.#child.handleEvent(event);
  }
}
