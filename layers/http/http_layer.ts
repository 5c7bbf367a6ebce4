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
import { Http2Client } from "./http2_client.ts";
import { Http2Server } from "./http2_server.ts";
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
  server: Server;
  /** What the server sent before the connection was ready (HTTP/2 SETTINGS). */
  early: Uint8Array[];
}

/** The client-side connection layer: HTTP/1 or HTTP/2, chosen by ALPN. */
type ClientSide = Http1Server | Http2Server;
/** A server connection's layer: HTTP/1 or HTTP/2, chosen by the server's ALPN. */
type ServerSide = Http1Client | Http2Client;

export class HttpLayer extends Layer {
  #server: ClientSide;
  readonly #clients = new Map<Connection, ServerSide>();
  /** Wakeups requested by connection layers (HTTP/2 keepalive pings), by command. */
  readonly #connectionWakeups = new Map<Command, ServerSide>();
  readonly #streams = new Map<number, HttpStream>();
  /** Which stream waits for the reply to a command it yielded. */
  readonly #sources = new Map<Command, HttpStream | ServerConnector>();
  readonly #connectors = new Map<ServerConnector, PendingOpen>();
  #tunnel: Layer | null = null;
  /** Whether the connection opened below us (`context.server`) has been taken into use. */
  #adoptedExisting = false;

  constructor(
    context: Context,
    readonly mode: HttpMode,
    readonly makeTunnel: TunnelFactory,
  ) {
    super(context);
    this.#server = context.client.alpn === "h2"
      ? new Http2Server(context, context.client)
      : new Http1Server(context, context.client);
  }

  /** The layer for a server connection, by what its TLS handshake negotiated. */
  #serverSide(server: Server): ServerSide {
    return server.alpn === "h2"
      ? new Http2Client(this.context, server, {
        pingKeepalive: this.context.options.http2_ping_keepalive,
      })
      : new Http1Client(this.context, server);
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

  /**
   * Routing needs no generator of its own: this layer never waits for a command (the streams,
   * connectors and tunnel it feeds claim their blocking commands themselves), so each event's
   * commands are collected in one array. That saves a generator level per routing step on
   * every command (measured: bench/http_layer_bench.ts).
   */
  override handleEvent(event: Event): Iterable<Command> {
    const out: Command[] = [];
    this.#dispatch(event, out);
    for (const command of out) {
      // Only a layer below may wait; waiting here would need the generator this path skips.
      if (command.blocking && command.claimedBy === null) {
        throw new Error(`HttpLayer cannot wait for ${command.kind}: no layer below claimed it`);
      }
    }
    return out;
  }

  /** Never driven (`handleEvent` is overridden); here because every layer has one. */
  protected *handle(event: Event): CommandGenerator {
    yield* this.handleEvent(event);
  }

  #dispatch(event: Event, out: Command[]): void {
    if (this.#tunnel !== null) {
      for (const c of this.#tunnel.handleEvent(event)) out.push(c);
      return;
    }
    if (event instanceof Start) {
      if (this.#server instanceof Http2Server) this.#fromConnection(out, this.#server.start());
      // A server connection the TLS layer already opened with h2 must hear its SETTINGS now.
      const existing = this.context.server;
      if (existing.connected && existing.alpn === "h2" && existing.tls_established) {
        this.#adoptedExisting = true;
        const client = this.#serverSide(existing);
        this.#clients.set(existing, client);
        this.#fromConnection(out, client.start());
      }
      return;
    }
    if (event instanceof DataReceived || event instanceof ConnectionClosed) {
      if (event.connection === this.context.client) {
        this.#fromConnection(out, this.#server.handleEvent(event));
        if (event instanceof ConnectionClosed && this.#streams.size === 0) {
          this.#closeIdleServers(out);
        }
      } else {
        const client = this.#clients.get(event.connection);
        if (client === undefined) {
          const pending = this.#pendingFor(event.connection);
          if (pending !== undefined && event instanceof DataReceived) {
            pending.early.push(event.data);
          }
          return;
        }
        this.#fromConnection(out, client.handleEvent(event), client);
        if (client.closed) this.#clients.delete(event.connection);
      }
      return;
    }
    if (event instanceof Wakeup && this.#connectionWakeups.has(event.command)) {
      const client = this.#connectionWakeups.get(event.command)!;
      this.#connectionWakeups.delete(event.command);
      this.#fromConnection(out, client.handleEvent(event), client);
      return;
    }
    if (event instanceof CommandCompleted || event instanceof Wakeup) {
      const source = this.#sources.get(event.command);
      if (source === undefined) return;
      this.#sources.delete(event.command);
      if (source instanceof ServerConnector) this.#toConnector(out, source, event);
      else this.#toStream(out, source, event);
    }
  }

  /** Handles commands coming out of a connection layer. */
  #fromConnection(
    out: Command[],
    commands: Iterable<Command>,
    source: ServerSide | null = null,
  ): void {
    for (const command of commands) {
      if (source !== null && command instanceof RequestWakeup) {
        this.#connectionWakeups.set(command, source);
      } else if (command instanceof CancelWakeup) {
        this.#connectionWakeups.delete(command.wakeup);
      }
      if (command instanceof ReceiveHttp) {
        const event = command.event;
        let stream = this.#streams.get(event.streamId);
        if (stream === undefined) {
          if (!(event instanceof RequestHeaders)) continue; // stream already finished
          stream = new HttpStream(this.context.fork(), event.streamId, this.mode);
          stream.context.layers.push(stream);
          this.#streams.set(event.streamId, stream);
        }
        this.#toStream(out, stream, event);
      } else {
        out.push(command);
      }
    }
  }

  /** Feeds an event to a stream and executes its HTTP commands. */
  #toStream(
    out: Command[],
    stream: HttpStream,
    event: Event,
  ): void {
    for (const command of stream.handleEvent(event)) {
      if (command instanceof SendHttp) {
        const target = command.connection === this.context.client
          ? this.#server
          : this.#clients.get(command.connection);
        if (target === undefined) continue;
        this.#fromConnection(
          out,
          target.handleEvent(command.event),
          target === this.#server ? null : target as ServerSide,
        );
        if (target !== this.#server && (target as ServerSide).closed) {
          this.#clients.delete(target.conn);
        }
      } else if (command instanceof GetHttpConnection) {
        this.#getConnection(out, stream, command);
      } else if (command instanceof StreamDone) {
        this.#streams.delete(command.streamId);
      } else if (command instanceof SwitchToTunnel) {
        this.#switchToTunnel(out, command);
      } else if (command instanceof CancelWakeup) {
        this.#sources.delete(command.wakeup);
        out.push(command);
      } else {
        if (command.blocking || command instanceof RequestWakeup) {
          this.#sources.set(command, stream);
        }
        out.push(command);
      }
    }
  }

  #getConnection(
    out: Command[],
    stream: HttpStream,
    request: GetHttpConnection,
  ): void {
    const [host, port] = request.address;
    const matches = (server: Server) =>
      server.address !== null && server.address[0] === host && server.address[1] === port &&
      server.tls === request.tls;
    for (const client of this.#clients.values()) {
      const free = client instanceof Http2Client ? client.canTakeStream : client.idle;
      if (free && matches(client.conn)) {
        const reply: GetHttpConnectionReply = [client.conn, null];
        this.#toStream(out, stream, new CommandCompleted(request, reply));
        return;
      }
    }
    // A connection the layers below us already opened (e.g. the TLS layer, to learn the
    // server's certificate) is used for the first request that fits it.
    const existing = this.context.server;
    if (
      !this.#adoptedExisting && existing.connected && !this.#clients.has(existing) &&
      this.#pendingFor(existing) === undefined && matches(existing)
    ) {
      // Adopted once only: after it closes, `connected` may still read true for a moment.
      this.#adoptedExisting = true;
      if (existing.tls_established === request.tls) {
        const client = this.#serverSide(existing);
        this.#clients.set(existing, client);
        this.#fromConnection(out, client.start(), client);
        this.#toStream(out, stream, new CommandCompleted(request, [existing, null]));
        return;
      }
      // Connected (eagerly, by a mode layer) but TLS still to do.
      const connector = new ServerConnector(this.context.fork(), existing, request.tls);
      this.#connectors.set(connector, { stream, request, server: existing, early: [] });
      this.#toConnector(out, connector, new Start());
      return;
    }
    const server = new Server({ address: [host, port] });
    if (request.tls) server.sni = host;
    const context = this.context.fork();
    context.server = server;
    const connector = new ServerConnector(context, server, request.tls);
    this.#connectors.set(connector, { stream, request, server, early: [] });
    this.#toConnector(out, connector, new Start());
  }

  #pendingFor(connection: Connection): PendingOpen | undefined {
    for (const pending of this.#connectors.values()) {
      if (pending.server === connection) return pending;
    }
    return undefined;
  }

  /** Runs a connector step; its blocking commands come back to it through `#sources`. */
  #toConnector(
    out: Command[],
    connector: ServerConnector,
    event: Event,
  ): void {
    for (const command of connector.handleEvent(event)) {
      if (command instanceof ConnectorDone) {
        const pending = this.#connectors.get(connector)!;
        this.#connectors.delete(connector);
        if (command.error === null) {
          // Now the protocol is known (ALPN): HTTP/1 or HTTP/2 toward this server.
          const client = this.#serverSide(pending.server);
          this.#clients.set(pending.server, client);
          this.#fromConnection(out, client.start(), client);
          for (const data of pending.early) {
            this.#fromConnection(
              out,
              client.handleEvent(new DataReceived(pending.server, data)),
              client,
            );
          }
        }
        const reply: GetHttpConnectionReply = [pending.server, command.error];
        this.#toStream(out, pending.stream, new CommandCompleted(pending.request, reply));
      } else {
        if (command.blocking) this.#sources.set(command, connector);
        out.push(command);
      }
    }
  }

  #switchToTunnel(
    out: Command[],
    command: SwitchToTunnel,
  ): void {
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
      if (conn !== command.server && client.idle) out.push(new CloseConnection(conn));
    }
    this.#clients.clear();
    for (const c of tunnel.handleEvent(new Start())) out.push(c);
    for (const data of buffered) {
      for (const c of tunnel.handleEvent(new DataReceived(this.context.client, data))) out.push(c);
    }
    for (const data of serverBuffered) {
      for (const c of tunnel.handleEvent(new DataReceived(command.server, data))) out.push(c);
    }
  }

  #closeIdleServers(out: Command[]): void {
    for (const [conn, client] of this.#clients) {
      if (!client.closed) out.push(new CloseConnection(conn));
    }
    this.#clients.clear();
  }
}
