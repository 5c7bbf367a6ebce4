/**
 * WebSocket after a 101 upgrade: frames from each side are decoded (we are the server to the
 * client and the client to the server), every message becomes a `WebSocketMessage` on the
 * flow and runs `websocket_message` (which may change or drop it), then is re-encoded for the
 * other side. Pings and pongs pass through; a close from one side is passed on, and when both
 * sides have closed (or one breaks) the flow ends with `websocket_end`.
 */
import { utf8Decode } from "../codecs/bytes.ts";
import { WebSocketConnection } from "../codecs/websocket/connection.ts";
import type { PerMessageDeflateParams } from "../codecs/websocket/permessage_deflate.ts";
import type { WebSocketEvent } from "../codecs/websocket/events.ts";
import { FlowError } from "../core/flow/flow.ts";
import type { HttpFlow } from "../core/flow/http.ts";
import { Opcode, WebSocketData, WebSocketMessage } from "../core/flow/websocket.ts";
import { CloseConnection, type Connection, SendData } from "./commands.ts";
import { ConnectionClosed, DataReceived, type Event, MessageInjected, Start } from "./events.ts";
import { type CommandGenerator, Layer } from "./layer.ts";
import type { Context } from "./context.ts";

export class WebSocketLayer extends Layer {
  readonly #clientSide: WebSocketConnection;
  readonly #serverSide: WebSocketConnection;
  #closedBy = { client: false, server: false };
  #ended = false;

  constructor(context: Context, readonly flow: HttpFlow, deflate: PerMessageDeflateParams | null) {
    super(context);
    const extensions = { permessageDeflate: deflate };
    this.#clientSide = new WebSocketConnection({ role: "server", extensions });
    this.#serverSide = new WebSocketConnection({
      role: "client",
      extensions,
      maskKey: () => context.entropy(4),
    });
    flow.websocket ??= new WebSocketData();
  }

  override describe(): string {
    return "WebSocketLayer";
  }

  protected *handle(event: Event): CommandGenerator {
    if (this.#ended) return;
    const { client, server } = this.context;
    if (event instanceof Start) {
      yield* this.hook("websocket_start", this.flow);
    } else if (event instanceof DataReceived) {
      const fromClient = event.connection === client;
      const codec = fromClient ? this.#clientSide : this.#serverSide;
      for (const wsEvent of codec.receiveData(event.data)) {
        yield* this.#onEvent(wsEvent, fromClient);
        if (this.#ended) return;
      }
    } else if (event instanceof MessageInjected && event.flow === this.flow) {
      const message = event.message as WebSocketMessage;
      message.injected = true;
      yield* this.#relayMessage(message);
    } else if (event instanceof ConnectionClosed) {
      const fromClient = event.connection === client;
      if (!(fromClient ? this.#closedBy.client : this.#closedBy.server)) {
        // Gone without a close frame: RFC 6455 calls that 1006 (abnormal closure).
        yield* this.#end(
          fromClient,
          1006,
          "",
          `${fromClient ? "client" : "server"} disconnected without a close frame`,
        );
        return;
      }
      yield* this.#end(fromClient, null, null, null);
    }
    void server;
  }

  *#onEvent(event: WebSocketEvent, fromClient: boolean): CommandGenerator {
    const target: Connection = fromClient ? this.context.server : this.context.client;
    const toTarget = fromClient ? this.#serverSide : this.#clientSide;
    switch (event.type) {
      case "Message": {
        const type = event.opcode === "text" ? Opcode.TEXT : Opcode.BINARY;
        const message = new WebSocketMessage(
          type,
          fromClient,
          event.data,
          this.context.clock.now(),
        );
        yield* this.#relayMessage(message);
        return;
      }
      case "Ping":
        yield new SendData(target, toTarget.sendPing(event.data));
        return;
      case "Pong":
        yield new SendData(target, toTarget.sendPong(event.data));
        return;
      case "Close": {
        const websocket = this.flow.websocket!;
        if (websocket.close_code === null) {
          websocket.close_code = event.code;
          websocket.close_reason = event.reason;
          websocket.closed_by_client = fromClient;
        }
        if (fromClient) this.#closedBy.client = true;
        else this.#closedBy.server = true;
        const code = event.code === 1005 ? undefined : event.code;
        yield new SendData(
          target,
          toTarget.sendClose(code, code === undefined ? undefined : event.reason),
        );
        if (this.#closedBy.client && this.#closedBy.server) {
          yield* this.#end(fromClient, null, null, null);
        }
        return;
      }
      case "ProtocolError":
        yield* this.#end(
          fromClient,
          event.code,
          event.message,
          `WebSocket protocol error from the ${fromClient ? "client" : "server"}: ${event.message}`,
        );
        return;
    }
  }

  /** Records a message, runs the hook, and sends it on unless dropped. */
  *#relayMessage(message: WebSocketMessage): CommandGenerator {
    const websocket = this.flow.websocket!;
    websocket.messages.push(message);
    yield* this.hook("websocket_message", this.flow);
    if (this.#ended || message.dropped) return;
    const target: Connection = message.from_client ? this.context.server : this.context.client;
    const codec = message.from_client ? this.#serverSide : this.#clientSide;
    const data = message.type === Opcode.TEXT ? utf8Decode(message.content) : message.content;
    yield new SendData(
      target,
      codec.send({ opcode: message.type === Opcode.TEXT ? "text" : "binary", data }),
    );
  }

  /**
   * Ends the WebSocket: with an error code, both sides get a close frame first; the flow gets
   * `websocket_end` either way, and both connections are closed.
   */
  *#end(
    fromClient: boolean,
    code: number | null,
    reason: string | null,
    error: string | null,
  ): CommandGenerator {
    if (this.#ended) return;
    this.#ended = true;
    const websocket = this.flow.websocket!;
    const now = this.context.clock.now();
    if (code !== null && websocket.close_code === null) {
      websocket.close_code = code;
      websocket.close_reason = reason ?? "";
      websocket.closed_by_client = fromClient;
    }
    if (error !== null) {
      this.flow.error = new FlowError(error, now);
      if (code !== null && code !== 1006) {
        yield new SendData(this.context.client, this.#clientSide.sendClose(code, ""));
        yield new SendData(this.context.server, this.#serverSide.sendClose(code, ""));
      }
    }
    websocket.timestamp_end = now;
    this.flow.live = false;
    yield* this.hook("websocket_end", this.flow);
    yield new CloseConnection(this.context.client);
    yield new CloseConnection(this.context.server);
    this.#clientSide.dispose();
    this.#serverSide.dispose();
  }
}
