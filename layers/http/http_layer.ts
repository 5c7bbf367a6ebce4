/**
 * The HTTP layer for one client connection: owns the connection layers (HTTP/1 now) and one
 * `HttpStream` per request, and routes events and HTTP commands between them. Server
 * connections are reused per (host, port) once idle. A CONNECT or an upgrade hands the
 * client connection to a tunnel child layer (`NextLayer`).
 */
import { Server } from "../../core/flow/connection.ts";
import {
  CloseConnection,
  type Command,
  type Connection,
  OpenConnection,
  RequestWakeup,
} from "../commands.ts";
import {
  CommandCompleted,
  ConnectionClosed,
  DataReceived,
  type Event,
  Start,
  Wakeup,
} from "../events.ts";
import { type CommandGenerator, Layer } from "../layer.ts";
import type { Context } from "../context.ts";
import { Http1Client } from "./http1_client.ts";
import { Http1Server } from "./http1_server.ts";
import { HttpStream } from "./http_stream.ts";
import {
  GetHttpConnection,
  type GetHttpConnectionReply,
  ReceiveHttp,
  SendHttp,
  StreamDone,
  SwitchToTunnel,
} from "./http_commands.ts";
import { RequestHeaders } from "./http_events.ts";
import type { HttpMode } from "./http_mode.ts";

/** Builds the layer stack that takes over a tunnelled connection (set by `next_layer.ts`). */
export type TunnelFactory = (context: Context) => Layer;

interface PendingOpen {
  stream: HttpStream;
  request: GetHttpConnection;
  client: Http1Client;
}

export class HttpLayer extends Layer {
  #server: Http1Server;
  readonly #clients = new Map<Connection, Http1Client>();
  readonly #streams = new Map<number, HttpStream>();
  /** Which stream waits for the reply to a command it yielded. */
  readonly #sources = new Map<Command, HttpStream>();
  readonly #opening = new Map<Command, PendingOpen>();
  #tunnel: Layer | null = null;

  constructor(
    context: Context,
    readonly mode: HttpMode,
    readonly makeTunnel: TunnelFactory,
  ) {
    super(context);
    this.#server = new Http1Server(context, context.client);
  }

  override describe(): string {
    return `HttpLayer(${this.mode.kind})`;
  }

  protected *handle(event: Event): CommandGenerator {
    if (this.#tunnel !== null) {
      yield* this.#tunnel.handleEvent(event);
      return;
    }
    if (event instanceof Start) return;
    if (event instanceof DataReceived || event instanceof ConnectionClosed) {
      if (event.connection === this.context.client) {
        yield* this.#fromConnection(this.#server.handleEvent(event));
        if (event instanceof ConnectionClosed && this.#streams.size === 0) {
          yield* this.#closeIdleServers();
        }
      } else {
        const client = this.#clients.get(event.connection);
        if (client === undefined) return;
        yield* this.#fromConnection(client.handleEvent(event));
        if (client.closed) this.#clients.delete(event.connection);
      }
      return;
    }
    if (event instanceof CommandCompleted) {
      const opening = this.#opening.get(event.command);
      if (opening !== undefined) {
        this.#opening.delete(event.command);
        const error = event.reply as string | null;
        if (error !== null) this.#clients.delete(opening.client.conn);
        yield* this.#toStream(
          opening.stream,
          new CommandCompleted(opening.request, [opening.client.conn, error]),
        );
        return;
      }
      const stream = this.#sources.get(event.command);
      if (stream === undefined) return;
      this.#sources.delete(event.command);
      yield* this.#toStream(stream, event);
      return;
    }
    if (event instanceof Wakeup) {
      const stream = this.#sources.get(event.command);
      if (stream === undefined) return;
      this.#sources.delete(event.command);
      yield* this.#toStream(stream, event);
    }
  }

  /** Handles commands coming out of a connection layer. */
  *#fromConnection(commands: Generator<Command, void, unknown>): CommandGenerator {
    for (const command of commands) {
      if (command instanceof ReceiveHttp) {
        const event = command.event;
        let stream = this.#streams.get(event.streamId);
        if (stream === undefined) {
          if (!(event instanceof RequestHeaders)) continue; // stream already finished
          stream = new HttpStream(this.context.fork(), event.streamId, this.mode);
          stream.context.layers.push(stream);
          this.#streams.set(event.streamId, stream);
        }
        yield* this.#toStream(stream, event);
      } else {
        yield command;
      }
    }
  }

  /** Feeds an event to a stream and executes its HTTP commands. */
  *#toStream(stream: HttpStream, event: Event): CommandGenerator {
    for (const command of stream.handleEvent(event)) {
      if (command instanceof SendHttp) {
        const target = command.connection === this.context.client
          ? this.#server
          : this.#clients.get(command.connection);
        if (target === undefined) continue;
        yield* this.#fromConnection(target.handleEvent(command.event));
        if (target instanceof Http1Client && target.closed) this.#clients.delete(target.conn);
      } else if (command instanceof GetHttpConnection) {
        yield* this.#getConnection(stream, command);
      } else if (command instanceof StreamDone) {
        this.#streams.delete(command.streamId);
      } else if (command instanceof SwitchToTunnel) {
        yield* this.#switchToTunnel(command);
      } else {
        if (command.blocking || command instanceof RequestWakeup) {
          this.#sources.set(command, stream);
        }
        yield command;
      }
    }
  }

  *#getConnection(stream: HttpStream, request: GetHttpConnection): CommandGenerator {
    const [host, port] = request.address;
    for (const client of this.#clients.values()) {
      const address = client.conn.address;
      if (client.idle && address !== null && address[0] === host && address[1] === port) {
        const reply: GetHttpConnectionReply = [client.conn, null];
        yield* this.#toStream(stream, new CommandCompleted(request, reply));
        return;
      }
    }
    const server = new Server({ address: [host, port] });
    server.tls = request.tls;
    const client = new Http1Client(this.context, server);
    this.#clients.set(server, client);
    const open = new OpenConnection(server);
    open.claimedBy = this; // routed by us: the HTTP layer must not pause on it
    this.#opening.set(open, { stream, request, client });
    yield open;
  }

  *#switchToTunnel(command: SwitchToTunnel): CommandGenerator {
    const buffered = this.#server.takeBuffered();
    const serverBuffered = this.#clients.get(command.server)?.takeBuffered() ?? [];
    const context = this.context.fork();
    context.server = command.server;
    const tunnel = this.makeTunnel(context);
    context.layers.push(tunnel);
    this.#tunnel = tunnel;
    // Other idle server connections are no longer needed.
    for (const [conn, client] of this.#clients) {
      if (conn !== command.server && client.idle) yield new CloseConnection(conn);
    }
    this.#clients.clear();
    yield* tunnel.handleEvent(new Start());
    for (const data of buffered) {
      yield* tunnel.handleEvent(new DataReceived(this.context.client, data));
    }
    for (const data of serverBuffered) {
      yield* tunnel.handleEvent(new DataReceived(command.server, data));
    }
  }

  *#closeIdleServers(): CommandGenerator {
    for (const [conn, client] of this.#clients) {
      if (!client.closed) yield new CloseConnection(conn);
    }
    this.#clients.clear();
  }
}
