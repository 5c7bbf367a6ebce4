/**
 * The HTTP layer for one client connection: owns the connection layers (HTTP/1 now) and one
 * `HttpStream` per request, and routes events and HTTP commands between them. Server
 * connections are reused per (host, port) once idle. A CONNECT or an upgrade hands the
 * client connection to a tunnel child layer (`NextLayer`).
 */
import { Server } from "../../core/flow/connection.ts";
import {
  CancelWakeup,
  CloseConnection,
  type Command,
  type Connection,
  RequestWakeup,
} from "../commands.ts";
import { ConnectorDone, ServerConnector } from "../server_connector.ts";
import { WebSocketLayer } from "../websocket.ts";
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
  readonly #sources = new Map<Command, HttpStream | ServerConnector>();
  readonly #connectors = new Map<ServerConnector, PendingOpen>();
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

  override get delegate(): Layer | null {
    return this.idle ? this.#tunnel : null;
  }

  /** What the layer still holds: all zero between requests, or memory is leaking. */
  get retained(): { streams: number; sources: number; connectors: number } {
    return {
      streams: this.#streams.size,
      sources: this.#sources.size,
      connectors: this.#connectors.size,
    };
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
    if (event instanceof CommandCompleted || event instanceof Wakeup) {
      const source = this.#sources.get(event.command);
      if (source === undefined) return;
      this.#sources.delete(event.command);
      if (source instanceof ServerConnector) yield* this.#toConnector(source, event);
      else yield* this.#toStream(source, event);
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
      } else if (command instanceof CancelWakeup) {
        this.#sources.delete(command.wakeup);
        yield command;
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
    const matches = (server: Server) =>
      server.address !== null && server.address[0] === host && server.address[1] === port &&
      server.tls === request.tls;
    for (const client of this.#clients.values()) {
      if (client.idle && matches(client.conn)) {
        const reply: GetHttpConnectionReply = [client.conn, null];
        yield* this.#toStream(stream, new CommandCompleted(request, reply));
        return;
      }
    }
    // A connection the layers below us already opened (e.g. the TLS layer, to learn the
    // server's certificate) is used for the first request that fits it.
    const existing = this.context.server;
    if (existing.connected && !this.#clients.has(existing) && matches(existing)) {
      const client = new Http1Client(this.context, existing);
      this.#clients.set(existing, client);
      if (existing.tls_established === request.tls) {
        yield* this.#toStream(stream, new CommandCompleted(request, [existing, null]));
        return;
      }
      // Connected (eagerly, by a mode layer) but TLS still to do.
      const connector = new ServerConnector(this.context.fork(), existing, request.tls);
      this.#connectors.set(connector, { stream, request, client });
      yield* this.#toConnector(connector, new Start());
      return;
    }
    const server = new Server({ address: [host, port] });
    if (request.tls) server.sni = host;
    const client = new Http1Client(this.context, server);
    this.#clients.set(server, client);
    const context = this.context.fork();
    context.server = server;
    const connector = new ServerConnector(context, server, request.tls);
    this.#connectors.set(connector, { stream, request, client });
    yield* this.#toConnector(connector, new Start());
  }

  /** Runs a connector step; its blocking commands come back to it through `#sources`. */
  *#toConnector(connector: ServerConnector, event: Event): CommandGenerator {
    for (const command of connector.handleEvent(event)) {
      if (command instanceof ConnectorDone) {
        const pending = this.#connectors.get(connector)!;
        this.#connectors.delete(connector);
        if (command.error !== null) this.#clients.delete(pending.client.conn);
        const reply: GetHttpConnectionReply = [pending.client.conn, command.error];
        yield* this.#toStream(pending.stream, new CommandCompleted(pending.request, reply));
      } else {
        if (command.blocking) this.#sources.set(command, connector);
        yield command;
      }
    }
  }

  *#switchToTunnel(command: SwitchToTunnel): CommandGenerator {
    const buffered = this.#server.takeBuffered();
    const serverBuffered = this.#clients.get(command.server)?.takeBuffered() ?? [];
    const context = this.context.fork();
    context.server = command.server;
    const tunnel = command.websocket !== null
      ? new WebSocketLayer(context, command.websocket.flow, command.websocket.deflate)
      : this.makeTunnel(context);
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
