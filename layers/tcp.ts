/**
 * Raw TCP relay. With a flow (`TcpFlow`), every chunk becomes a message that runs the
 * `tcp_message` hook and may be changed; `ignore` relays bytes untouched without a flow
 * (passthrough for ignored hosts and tunnels we cannot read).
 *
 * Half-closes are mirrored: when one peer finishes sending, the other side's write end is
 * shut; the relay ends when both directions are done.
 */
import { FlowError } from "../core/flow/flow.ts";
import { TcpFlow, TcpMessage } from "../core/flow/tcp.ts";
import { CloseConnection, type Connection, SendData } from "./commands.ts";
import { ConnectionClosed, DataReceived, type Event, MessageInjected, Start } from "./events.ts";
import { type CommandGenerator, Layer, openConnection } from "./layer.ts";
import type { Context } from "./context.ts";
import { serverTlsHandshake } from "./tls.ts";

export class TcpLayer extends Layer {
  flow: TcpFlow | null = null;
  #clientDone = false;
  #serverDone = false;
  #ended = false;

  constructor(context: Context, readonly ignore = false) {
    super(context);
  }

  override describe(): string {
    return this.ignore ? "TcpLayer(passthrough)" : "TcpLayer";
  }

  protected *handle(event: Event): CommandGenerator {
    const { client, server } = this.context;
    if (event instanceof Start) {
      if (!this.ignore) {
        this.flow = new TcpFlow(client, server, this.context.clock.now(), true);
        yield* this.hook("tcp_start", this.flow);
      }
      // `server.tls` asks for TLS to the server (reverse tls://) that is not there yet.
      const needsTls = server.tls && !server.tls_established && !this.ignore;
      if (!server.connected || needsTls) {
        const error = needsTls
          ? yield* serverTlsHandshake(this.context, server)
          : yield* openConnection(server);
        if (error !== null) {
          yield* this.#end(`Could not connect to ${addressOf(server.address)}: ${error}`);
          yield new CloseConnection(client);
          return;
        }
      }
      return;
    }
    if (event instanceof DataReceived) {
      const fromClient = event.connection === client;
      const target: Connection = fromClient ? server : client;
      if (this.flow === null) {
        yield new SendData(target, event.data);
        return;
      }
      const message = new TcpMessage(fromClient, event.data, this.context.clock.now());
      this.flow.messages.push(message);
      yield* this.hook("tcp_message", this.flow);
      if (this.flow.error !== null) {
        yield* this.#closeBoth();
        return;
      }
      if (message.content.length > 0) yield new SendData(target, message.content);
      return;
    }
    if (event instanceof MessageInjected && this.flow !== null && event.flow === this.flow) {
      const message = event.message as TcpMessage;
      const target: Connection = message.from_client ? server : client;
      this.flow.messages.push(message);
      yield* this.hook("tcp_message", this.flow);
      if (message.content.length > 0) yield new SendData(target, message.content);
      return;
    }
    if (event instanceof ConnectionClosed) {
      const fromClient = event.connection === client;
      if (fromClient) this.#clientDone = true;
      else this.#serverDone = true;
      const other: Connection = fromClient ? server : client;
      if (this.#clientDone && this.#serverDone) {
        yield new CloseConnection(client);
        yield new CloseConnection(server);
        yield* this.#end(null);
      } else {
        yield new CloseConnection(other, true);
      }
    }
  }

  *#closeBoth(): CommandGenerator {
    yield new CloseConnection(this.context.client);
    yield new CloseConnection(this.context.server);
    yield* this.#end(null);
  }

  *#end(error: string | null): CommandGenerator {
    if (this.#ended || this.flow === null) return;
    this.#ended = true;
    this.flow.live = false;
    if (error !== null) {
      this.flow.error = new FlowError(error, this.context.clock.now());
      yield* this.hook("tcp_error", this.flow);
    } else if (this.flow.error !== null) {
      yield* this.hook("tcp_error", this.flow);
    } else {
      yield* this.hook("tcp_end", this.flow);
    }
  }
}

function addressOf(address: [string, number] | null): string {
  return address === null ? "<unknown>" : `${address[0]}:${address[1]}`;
}
