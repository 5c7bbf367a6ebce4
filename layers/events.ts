/**
 * Events: what happened on the sockets, fed into layers. Named as past-tense facts.
 */
import type { Command, Connection, RequestWakeup } from "./commands.ts";

export abstract class Event {
  abstract readonly kind: string;
}

/** The connection handler started; the top layer may begin. */
export class Start extends Event {
  readonly kind = "Start";
}

/** Bytes arrived on a connection. */
export class DataReceived extends Event {
  readonly kind = "DataReceived";
  constructor(readonly connection: Connection, readonly data: Uint8Array) {
    super();
  }
}

/** The peer closed its side of a connection (or the connection broke). */
export class ConnectionClosed extends Event {
  readonly kind = "ConnectionClosed";
  constructor(readonly connection: Connection) {
    super();
  }
}

/** A blocking command finished; `reply` is its result. */
export class CommandCompleted extends Event {
  readonly kind = "CommandCompleted";
  constructor(readonly command: Command, readonly reply: unknown) {
    super();
  }
}

/** A `RequestWakeup` timer fired. */
export class Wakeup extends Event {
  readonly kind = "Wakeup";
  constructor(readonly command: RequestWakeup) {
    super();
  }
}

/**
 * A message injected by a command (`inject.websocket`, `inject.tcp`) into a live flow; the
 * layer that carries that flow sends it as if the peer had sent it.
 */
export class MessageInjected<F = unknown, M = unknown> extends Event {
  readonly kind = "MessageInjected";
  constructor(readonly flow: F, readonly message: M) {
    super();
  }
}
