/**
 * Commands that stay inside the HTTP layer: streams and connection layers talk through
 * the `HttpLayer`, which routes them. They never reach the proxy server.
 */
import { Command, type Connection } from "../commands.ts";
import type { Server } from "../../core/flow/connection.ts";
import type { HttpFlow } from "../../core/flow/http.ts";
import type { PerMessageDeflateParams } from "../../codecs/websocket/permessage_deflate.ts";
import type { HttpEvent } from "./http_events.ts";

/** A stream sends an HTTP event to a connection (client or server). */
export class SendHttp extends Command {
  readonly kind = "SendHttp";
  constructor(readonly event: HttpEvent, readonly connection: Connection) {
    super();
  }
}

/** A connection layer hands a received HTTP event to its stream. */
export class ReceiveHttp extends Command {
  readonly kind = "ReceiveHttp";
  constructor(readonly event: HttpEvent) {
    super();
  }
}

/**
 * A stream asks for a server connection to `address`, reusing an idle one when possible.
 * Replies with `[server, null]` or `[server, errorMessage]`.
 */
export class GetHttpConnection extends Command {
  readonly kind = "GetHttpConnection";
  constructor(readonly address: [string, number], readonly tls: boolean) {
    super();
  }
  override get blocking(): boolean {
    return true;
  }
}

export type GetHttpConnectionReply = [Server, string | null];

/**
 * The HTTP/1 connection to the client becomes a tunnel (after CONNECT or a protocol
 * upgrade): the HTTP layer hands the connection to a new child layer stack.
 */
export class SwitchToTunnel extends Command {
  readonly kind = "SwitchToTunnel";
  constructor(
    readonly server: Server,
    readonly reason: "connect" | "upgrade",
    /** For a WebSocket upgrade: its flow and the permessage-deflate settings agreed on. */
    readonly websocket: { flow: HttpFlow; deflate: PerMessageDeflateParams | null } | null = null,
  ) {
    super();
  }
}

/** A stream is finished; the HTTP layer forgets it (frees its memory). */
export class StreamDone extends Command {
  readonly kind = "StreamDone";
  constructor(readonly streamId: number) {
    super();
  }
}
