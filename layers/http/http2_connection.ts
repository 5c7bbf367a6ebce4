/**
 * What `Http2Server` and `Http2Client` share: the sans-io `H2Connection`, received bytes fed
 * to it one frame at a time (see `FrameSplitter`), outbound DATA held back by flow control
 * (`H2SendQueue`), and the codec's output sent as `SendData`. Output is flushed before
 * anything is handed to a stream or logged, and at the end of each step: frames that answer
 * a received frame (SETTINGS ACK, RST_STREAM, GOAWAY) go out before what follows it, a step
 * usually yields a single SendData, and the commands do not depend on input chunking.
 */
import { H2Connection } from "../../codecs/http2/connection.ts";
import type { Role } from "../../codecs/http2/connection_options.ts";
import type { H2Event } from "../../codecs/http2/events.ts";
import { CONNECTION_PREFACE } from "../../codecs/http2/frames.ts";
import type { LogLevel } from "../../core/log.ts";
import { type Command, type Connection, Log, SendData } from "../commands.ts";
import type { Context } from "../context.ts";
import type { Event } from "../events.ts";
import { ReceiveHttp } from "./http_commands.ts";
import type { HttpEvent } from "./http_events.ts";
import { FrameSplitter } from "./http2_frame_splitter.ts";
import { H2SendQueue } from "./http2_send_queue.ts";

export type Steps = Generator<Command, void, unknown>;

export abstract class Http2Connection<C extends Connection> {
  protected readonly h2: H2Connection;
  protected readonly queue: H2SendQueue;
  readonly #splitter: FrameSplitter;
  #started = false;
  /** Set once the connection is closed (by either side): later events are ignored. */
  protected done = false;

  constructor(readonly context: Context, readonly conn: C, role: Role) {
    this.h2 = new H2Connection({
      role,
      validateInboundHeaders: context.options.validate_inbound_headers,
    });
    this.queue = new H2SendQueue(this.h2);
    this.#splitter = new FrameSplitter(role === "server" ? CONNECTION_PREFACE.length : 0);
  }

  get closed(): boolean {
    return this.done;
  }

  /** No tunnel takes over an HTTP/2 connection, so nothing is ever buffered for one. */
  takeBuffered(): Uint8Array[] {
    return [];
  }

  /** Sends our preface and SETTINGS; the first event does it too if this was not called. */
  *start(): Steps {
    if (this.done) return;
    yield* this.ensureStarted();
    yield* this.flush();
  }

  abstract handleEvent(event: Event | HttpEvent): Steps;

  /** Handles one event the codec reported. */
  protected abstract onH2Event(event: H2Event): Steps;

  /** A command to yield once, right after the preface was queued (e.g. a timer). */
  protected onStart(): Command | null {
    return null;
  }

  protected *ensureStarted(): Steps {
    if (this.#started) return;
    this.#started = true;
    this.h2.initiateConnection();
    const command = this.onStart();
    if (command !== null) yield command;
  }

  /** Feeds received bytes to the codec frame by frame and handles what it reports. */
  protected *receive(data: Uint8Array): Steps {
    for (const frame of this.#splitter.split(data)) {
      for (const e of this.h2.receiveData(frame)) {
        if (this.done) return;
        yield* this.onH2Event(e);
      }
    }
  }

  protected *flush(): Steps {
    const bytes = this.h2.dataToSend();
    if (bytes.length > 0) yield new SendData(this.conn, bytes);
  }

  protected *log(message: string, level: LogLevel): Steps {
    yield* this.flush();
    yield new Log(message, level);
  }

  /** Hands an event to its stream (through the HTTP layer). */
  protected *toStream(event: HttpEvent): Steps {
    yield* this.flush();
    yield new ReceiveHttp(event);
  }
}
