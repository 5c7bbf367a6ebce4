/**
 * Opens one server connection on behalf of another layer, with TLS when asked, then reports
 * with a `ConnectorDone` command. As its own small layer it can block on each step while
 * the layer that asked (e.g. the HTTP layer, serving other streams) does not.
 */
import type { Server } from "../core/flow/connection.ts";
import { Command } from "./commands.ts";
import { type Event, Start } from "./events.ts";
import { type CommandGenerator, Layer, openConnection } from "./layer.ts";
import type { Context } from "./context.ts";
import { serverTlsHandshake } from "./tls.ts";

/** The connector finished: `error` is null when the connection is ready. */
export class ConnectorDone extends Command {
  readonly kind = "ConnectorDone";
  constructor(readonly connector: ServerConnector, readonly error: string | null) {
    super();
  }
}

export class ServerConnector extends Layer {
  constructor(context: Context, readonly server: Server, readonly tls: boolean) {
    super(context);
  }

  override describe(): string {
    return `ServerConnector(${this.server.address?.join(":")}${this.tls ? ", tls" : ""})`;
  }

  protected *handle(event: Event): CommandGenerator {
    if (!(event instanceof Start)) return;
    const error = this.tls
      ? yield* serverTlsHandshake(this.context, this.server)
      : yield* openConnection(this.server);
    yield new ConnectorDone(this, error);
  }
}
