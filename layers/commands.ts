/**
 * Commands: what a layer asks the proxy core to do. Named as imperatives.
 * A blocking command pauses the layer that yielded it until the matching
 * `CommandCompleted` event comes back with the reply.
 */
import type { Client, Server } from "../core/flow/connection.ts";
import type { HookArgs, HookName } from "../core/hooks.ts";
import type { LogLevel } from "../core/log.ts";
import type { TlsSettings } from "./tls_settings.ts";

export type Connection = Client | Server;

export abstract class Command {
  /** True when the layer waits for a reply before handling anything else. */
  get blocking(): boolean {
    return false;
  }
  /**
   * The layer that waits for this command's reply. The innermost layer that yields a
   * blocking command claims it; layers that merely pass it upward stay responsive. A layer
   * may pre-claim a command it routes itself so that it never pauses on it.
   */
  claimedBy: object | null = null;
  abstract readonly kind: string;
}

/** Write bytes to a connection. */
export class SendData extends Command {
  readonly kind = "SendData";
  constructor(readonly connection: Connection, readonly data: Uint8Array) {
    super();
  }
}

/** Open a server connection. Replies with an error message, or null on success. */
export class OpenConnection extends Command {
  readonly kind = "OpenConnection";
  constructor(readonly connection: Server) {
    super();
  }
  override get blocking(): boolean {
    return true;
  }
}

/**
 * Close a connection. With `halfClose`, only our write side is shut (TCP FIN) and
 * reading continues until the peer closes too.
 */
export class CloseConnection extends Command {
  readonly kind = "CloseConnection";
  constructor(readonly connection: Connection, readonly halfClose = false) {
    super();
  }
}

/** Run an addon hook; the layer is paused until every addon has returned. */
export class StartHook<K extends HookName = HookName> extends Command {
  readonly kind = "StartHook";
  readonly args: HookArgs[K];
  constructor(readonly name: K, ...args: HookArgs[K]) {
    super();
    this.args = args;
  }
  override get blocking(): boolean {
    return true;
  }
}

/** Emit a log line (the proxy prefixes it with the client address). */
export class Log extends Command {
  readonly kind = "Log";
  constructor(readonly message: string, readonly level: LogLevel = "info") {
    super();
  }
}

/** Ask for a `Wakeup` event after `delay` seconds. */
export class RequestWakeup extends Command {
  readonly kind = "RequestWakeup";
  constructor(readonly delay: number) {
    super();
  }
}

/**
 * Start TLS on a connection with the given settings; from the reply on, `DataReceived`
 * and `SendData` for that connection carry plaintext. Replies with a `TlsHandshakeResult`.
 */
export class StartTls extends Command {
  readonly kind = "StartTls";
  constructor(readonly connection: Connection, readonly settings: TlsSettings) {
    super();
  }
  override get blocking(): boolean {
    return true;
  }
}

/** Cancel an earlier `RequestWakeup` that is no longer needed (frees its timer at once). */
export class CancelWakeup extends Command {
  readonly kind = "CancelWakeup";
  constructor(readonly wakeup: RequestWakeup) {
    super();
  }
}
