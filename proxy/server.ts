/**
 * The connection handler: the only place where commands become socket I/O. It feeds
 * events into the top layer one at a time (never re-entrantly), executes the commands that
 * come out, runs hooks through the addon manager, and turns completions back into events.
 * A bug in a layer closes this connection only; the proxy keeps serving everyone else.
 */
import { Client, Server } from "../core/flow/connection.ts";
import type { Flow } from "../core/flow/flow.ts";
import type { HookArgs, HookName } from "../core/hooks.ts";
import type { LogLevel } from "../core/log.ts";
import {
  CancelWakeup,
  CloseConnection,
  type Command,
  type Connection,
  Log,
  OpenConnection,
  RequestWakeup,
  SendData,
  StartHook,
  StartTls,
} from "../layers/commands.ts";
import {
  CommandCompleted,
  ConnectionClosed,
  DataReceived,
  type Event,
  Start,
  Wakeup,
} from "../layers/events.ts";
import { type Clock, Context, type LayerOptions, SYSTEM_ENTROPY } from "../layers/context.ts";
import type { Layer } from "../layers/layer.ts";
import { describeSocketError, HIGH_WATER, SocketIo, type Transport } from "./socket_io.ts";
import { TlsSession } from "./tls_session.ts";
import { WAKEUPS } from "./timer_wheel.ts";

/** What the handler needs from the addon manager. */
export interface HookRunner {
  trigger<K extends HookName>(name: K, ...args: HookArgs[K]): Promise<void>;
  /** `trigger` that returns undefined when no handler went async. */
  triggerSync<K extends HookName>(name: K, ...args: HookArgs[K]): Promise<void> | undefined;
  hasHook(name: HookName): boolean;
}

export interface HandlerDeps {
  hooks: HookRunner;
  log(level: LogLevel, message: string): void;
  options: LayerOptions;
  clock: Clock;
  /** Opens a TCP connection (Deno.connect in production). */
  connect(
    host: string,
    port: number,
  ): Promise<Transport & { localAddr: Deno.Addr; remoteAddr: Deno.Addr }>;
  connectTimeoutMs: number;
}

export class ConnectionHandler {
  readonly client: Client;
  readonly #layer: Layer;
  readonly #sockets = new Map<Connection, SocketIo>();
  /** Connections that speak TLS: their socket bytes go through the engine. */
  readonly #tls = new Map<Connection, TlsSession>();
  readonly #queue: Event[] = [];
  #processing = false;
  /** Cancel functions of pending wakeups. */
  #timers = new Map<RequestWakeup, () => void>();
  #done: Promise<void>;
  #resolveDone!: () => void;
  #failed = false;

  constructor(
    readonly transport: Transport,
    client: Client,
    makeLayer: (context: Context) => Layer,
    readonly deps: HandlerDeps,
  ) {
    this.client = client;
    this.#sockets.set(client, new SocketIo(transport));
    const context = new Context(
      client,
      new Server({ address: null }),
      deps.options,
      deps.clock,
      [],
      SYSTEM_ENTROPY,
      (name) => deps.hooks.hasHook(name),
    );
    this.#layer = makeLayer(context);
    context.layers.push(this.#layer);
    this.#done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  get describeClient(): string {
    const p = this.client.peername;
    return p ? `${p[0].includes(":") ? `[${p[0]}]` : p[0]}:${p[1]}` : "client";
  }

  /** Feeds an event from outside (a command injecting a message) into the layers. */
  inject(event: Event): void {
    this.#enqueue(event);
  }

  /** Closes every socket of this connection at once (shutdown after the grace period). */
  abort(): void {
    for (const socket of this.#sockets.values()) socket.close();
    this.#resolveDone();
  }

  /** Runs the connection to its end. */
  async run(): Promise<void> {
    await this.deps.hooks.trigger("client_connected", this.client);
    if (this.client.error !== null) {
      this.#log("info", `client rejected: ${this.client.error}`);
      this.#sockets.get(this.client)!.close();
      this.client.timestamp_end = this.deps.clock.now();
      await this.deps.hooks.trigger("client_disconnected", this.client);
      return;
    }
    this.client.connected = true;
    this.#enqueue(new Start());
    this.#startReading(this.client);
    await this.#done;
    for (const cancel of this.#timers.values()) cancel();
    this.#timers.clear();
    this.client.timestamp_end = this.deps.clock.now();
    await this.deps.hooks.trigger("client_disconnected", this.client);
  }

  #log(level: LogLevel, message: string): void {
    this.deps.log(level, `${this.describeClient}: ${message}`);
  }

  #enqueue(event: Event): void {
    this.#queue.push(event);
    if (this.#processing) return;
    this.#processing = true;
    try {
      while (this.#queue.length > 0 && !this.#failed) {
        const next = this.#queue.shift()!;
        let layer = this.#layer;
        for (let inner = layer.delegate; inner !== null; inner = inner.delegate) layer = inner;
        for (const command of layer.handleEvent(next)) this.#execute(command);
      }
    } catch (e) {
      this.#failed = true;
      const stack = this.#layer.context.describeStack();
      this.#log(
        "error",
        `bug in a protocol layer (${stack}); closing this connection: ${
          e instanceof Error ? e.stack ?? e.message : String(e)
        }`,
      );
      for (const socket of this.#sockets.values()) socket.close();
      this.#resolveDone();
    } finally {
      this.#processing = false;
    }
  }

  #execute(command: Command): void {
    if (command instanceof SendData) {
      const tls = this.#tls.get(command.connection);
      if (tls !== undefined) tls.write(command.data);
      else this.#sockets.get(command.connection)?.write(command.data);
    } else if (command instanceof StartTls) {
      this.#startTls(command);
    } else if (command instanceof StartHook) {
      this.#runHook(command);
    } else if (command instanceof OpenConnection) {
      this.#openConnection(command);
    } else if (command instanceof CloseConnection) {
      this.#closeConnection(command);
    } else if (command instanceof Log) {
      this.#log(command.level, command.message);
    } else if (command instanceof RequestWakeup) {
      const cancel = WAKEUPS.schedule(command.delay, () => {
        this.#timers.delete(command);
        this.#enqueue(new Wakeup(command));
      });
      this.#timers.set(command, cancel);
    } else if (command instanceof CancelWakeup) {
      this.#timers.get(command.wakeup)?.();
      this.#timers.delete(command.wakeup);
    } else {
      this.#log("error", `unexpected command ${command.kind} reached the connection handler`);
    }
  }

  #runHook(command: StartHook): void {
    const pending = this.deps.hooks.triggerSync(command.name, ...command.args);
    const first = command.args[0] as Flow | undefined;
    const intercepted = first !== undefined && isFlow(first) && first.intercepted;
    if (pending === undefined && !intercepted) {
      // Done already: complete in this turn, after the commands of the current event.
      this.#queue.push(new CommandCompleted(command, undefined));
      return;
    }
    (async () => {
      await pending;
      if (first !== undefined && isFlow(first) && first.intercepted) await first.waitForResume();
      this.#enqueue(new CommandCompleted(command, undefined));
    })();
  }

  async #openConnection(command: OpenConnection): Promise<void> {
    const server = command.connection;
    const reply = (error: string | null) => this.#enqueue(new CommandCompleted(command, error));
    await this.deps.hooks.trigger("server_connect", { server, client: this.client });
    if (server.error !== null) return reply(server.error);
    if (server.address === null) return reply("no server address");
    const [host, port] = server.address;
    server.timestamp_start = this.deps.clock.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const conn = await Promise.race([
        this.deps.connect(host, port),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Deno.errors.TimedOut(`connect timed out`)),
            this.deps.connectTimeoutMs,
          );
        }),
      ]);
      clearTimeout(timer);
      if (this.#failed || !this.client.connected) {
        conn.close();
        return reply("client disconnected");
      }
      const remote = conn.remoteAddr as Deno.NetAddr;
      const local = conn.localAddr as Deno.NetAddr;
      server.peername = [remote.hostname, remote.port];
      server.sockname = [local.hostname, local.port];
      server.timestamp_tcp_setup = this.deps.clock.now();
      server.connected = true;
      this.#sockets.set(server, new SocketIo(conn));
      await this.deps.hooks.trigger("server_connected", { server, client: this.client });
      this.#startReading(server);
      reply(null);
    } catch (e) {
      clearTimeout(timer);
      const message = describeSocketError(e);
      server.error = message;
      this.#log("info", `server connection to ${host}:${port} failed: ${message}`);
      reply(message);
    }
  }

  #closeConnection(command: CloseConnection): void {
    const connection = command.connection;
    const socket = this.#sockets.get(connection);
    if (socket === undefined) return;
    const tls = this.#tls.get(connection);
    if (command.halfClose) {
      if (tls !== undefined) tls.end();
      else socket.closeWrite();
      return;
    }
    const flushed = tls !== undefined ? tls.endAndFlush() : Promise.resolve();
    flushed.then(() => socket.closeAfterFlush()).then(() => this.#connectionEnded(connection));
  }

  #startReading(connection: Connection): void {
    const socket = this.#sockets.get(connection)!;
    socket.readLoop(
      (data) => {
        const tls = this.#tls.get(connection);
        if (tls !== undefined) tls.feed(data);
        else this.#enqueue(new DataReceived(connection, data));
      },
      () => this.#backpressure(connection),
    ).then((error) => {
      if (error !== null) {
        connection.error ??= error;
        this.#log("debug", `${connection === this.client ? "client" : "server"} error: ${error}`);
      }
      const tls = this.#tls.get(connection);
      if (tls !== undefined && !socket.closed) {
        tls.feedEof(); // the engine reports the end (onEnd) after draining what it has
      } else if (!socket.closed || error !== null) {
        this.#enqueue(new ConnectionClosed(connection));
      } else {
        this.#connectionEnded(connection);
      }
    });
  }

  #startTls(command: StartTls): void {
    const connection = command.connection;
    const socket = this.#sockets.get(connection);
    if (socket === undefined) {
      this.#queue.push(new CommandCompleted(command, { ok: false, error: "connection is closed" }));
      return;
    }
    const session = new TlsSession(
      { write: (data) => socket.write(data), closeWrite: () => void socket.closeWrite() },
      command.settings,
      {
        onPlaintext: (data) => this.#enqueue(new DataReceived(connection, data)),
        onEnd: (error) => {
          if (error !== null) connection.error ??= error;
          if (!socket.closed) this.#enqueue(new ConnectionClosed(connection));
        },
      },
    );
    this.#tls.set(connection, session);
    session.handshake.then((result) => {
      if (!result.ok) {
        this.#tls.delete(connection);
        session.destroy();
      }
      this.#enqueue(new CommandCompleted(command, result));
    });
  }

  /** Pauses reading from `connection` while the other sockets have too much queued. */
  #backpressure(connection: Connection): Promise<void> | void {
    for (const [other, socket] of this.#sockets) {
      if (other !== connection && socket.queuedBytes > HIGH_WATER) return socket.drained();
    }
  }

  #connectionEnded(connection: Connection): void {
    if (connection.timestamp_end !== null && !connection.connected) return;
    connection.connected = false;
    connection.timestamp_end = this.deps.clock.now();
    this.#sockets.get(connection)?.close();
    this.#tls.get(connection)?.destroy();
    this.#tls.delete(connection);
    if (connection === this.client) {
      // The client is gone: close every server connection and finish.
      for (const [conn, socket] of this.#sockets) {
        if (conn !== this.client && !socket.closed) socket.close();
      }
      this.#finishServers().then(() => this.#resolveDone());
    } else if (connection instanceof Server) {
      this.deps.hooks.trigger("server_disconnected", { server: connection, client: this.client });
    }
  }

  async #finishServers(): Promise<void> {
    for (const conn of this.#sockets.keys()) {
      if (conn instanceof Server && conn.connected) {
        conn.connected = false;
        conn.timestamp_end = this.deps.clock.now();
        await this.deps.hooks.trigger("server_disconnected", { server: conn, client: this.client });
      }
    }
  }
}

function isFlow(value: unknown): value is Flow {
  return typeof value === "object" && value !== null && "waitForResume" in value &&
    "intercepted" in value;
}
