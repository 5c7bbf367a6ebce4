/**
 * A sans-io WebSocket connection (RFC 6455, RFC 7692 permessage-deflate) in the style of
 * python-hyper's wsproto, for one side of an already upgraded connection: feed received bytes
 * to `receiveData` and get events; `send*` methods return the bytes to write. No I/O, clock or
 * randomness: clients take their masking keys from the injected `maskKey`.
 *
 * Peers' mistakes never throw: they come back as a ProtocolError event with the close code to
 * answer with, and nothing after them is read. Our own misuse (sending after our Close, a
 * control payload over 125 bytes, an unsendable close code) throws. The states and what each
 * allows are the table in `connection_state.ts`.
 *
 * A proxy runs two of these per WebSocket: a "server" facing the client and a "client" facing
 * the server, both given the extensions the server's handshake response agreed to.
 *
 * @example
 * ```ts
 * import { WebSocketConnection } from "./connection.ts";
 * const client = new WebSocketConnection({
 *   role: "client",
 *   maskKey: () => crypto.getRandomValues(new Uint8Array(4)),
 * });
 * const server = new WebSocketConnection({ role: "server" });
 * const [event] = server.receiveData(client.send("Hello"));
 * // event: { type: "Message", opcode: "text", data: <"Hello">, compressed: false, frames: 1 }
 * ```
 */

import { concatBytes } from "../bytes.ts";
import { CloseCode, encodeClosePayload, parseClosePayload } from "./close_code.ts";
import {
  type ConnectionInput,
  type ConnectionState,
  nextConnectionState,
} from "./connection_state.ts";
import type { WebSocketEvent } from "./events.ts";
import {
  encodeFrame,
  encodeTextFrame,
  FIN_BIT,
  type FrameError,
  isFrameError,
  MAX_CONTROL_PAYLOAD,
  utf8Length,
} from "./frame.ts";
import { FrameReader } from "./frame_reader.ts";
import { MessageAssembler } from "./message_assembler.ts";
import { canDeflate, MessageDeflater, MessageInflater } from "./message_deflate.ts";
import { Opcode } from "./opcode.ts";
import { type PerMessageDeflateParams, senderSettings } from "./permessage_deflate.ts";

export type Role = "client" | "server";

/** Extensions agreed in the handshake (see `negotiatedExtensions` in `handshake.ts`). */
export interface WebSocketExtensions {
  permessageDeflate?: PerMessageDeflateParams | null;
}

export interface WebSocketConnectionOptions {
  role: Role;
  extensions?: WebSocketExtensions;
  /** Largest message received, after decompression (default 64 MiB); more is a 1009 error. */
  maxMessageSize?: number;
  /** Largest data frame payload received (default: `maxMessageSize`, plus DEFLATE's worst-case
   * expansion with permessage-deflate). */
  maxFrameSize?: number;
  /** A fresh 4-byte masking key per frame; required for clients (RFC 6455 §5.3 wants them
   * unpredictable, e.g. `() => crypto.getRandomValues(new Uint8Array(4))`). */
  maskKey?: () => Uint8Array;
  /** Split outgoing data messages into frames of at most this many payload bytes (0: never). */
  fragmentOutgoing?: number;
  /** zlib level 0-9 for the messages we compress (default: zlib's, 6). */
  compressionLevel?: number;
}

/** A message to send: a string is a text message, bytes are a binary message. */
export type OutgoingMessage =
  | string
  | Uint8Array
  | {
    opcode: "text" | "binary";
    /** Text data given as bytes is sent as is: it must be UTF-8. */
    data: string | Uint8Array;
    /** False sends this message uncompressed even with permessage-deflate (default true). */
    compress?: boolean;
  };

export const DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024;

const EMPTY = new Uint8Array(0);
const UTF8 = new TextEncoder();

export class WebSocketConnection {
  readonly role: Role;
  readonly #reader: FrameReader;
  readonly #assembler: MessageAssembler;
  readonly #deflate: PerMessageDeflateParams | null;
  #deflater: MessageDeflater | null = null;
  #inflater: MessageInflater | null = null;
  readonly #maskKey: (() => Uint8Array) | null;
  readonly #fragment: number;
  #state: ConnectionState = "open";
  /** Set after a ProtocolError: nothing more is read. */
  #dead = false;

  constructor(options: WebSocketConnectionOptions) {
    const maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    const deflate = options.extensions?.permessageDeflate ?? null;
    // A compressed frame may be a little larger than the message it carries (stored blocks).
    const maxFrameSize = options.maxFrameSize ??
      (deflate ? maxMessageSize + Math.ceil(maxMessageSize / 1024) + 64 : maxMessageSize);
    const fragment = options.fragmentOutgoing ?? 0;
    if (options.role !== "client" && options.role !== "server") {
      throw new Error(`role must be "client" or "server", got ${JSON.stringify(options.role)}`);
    }
    checkSize("maxMessageSize", maxMessageSize);
    checkSize("maxFrameSize", maxFrameSize);
    checkSize("fragmentOutgoing (0: off)", fragment);
    if (options.role === "client" && !options.maskKey) {
      throw new Error(
        "client connections mask every frame: pass maskKey, e.g. " +
          "() => crypto.getRandomValues(new Uint8Array(4))",
      );
    }
    this.role = options.role;
    this.#maskKey = options.role === "client" ? options.maskKey ?? null : null;
    this.#fragment = fragment;
    this.#deflate = deflate ? { ...deflate } : null;
    const peer: Role = options.role === "client" ? "server" : "client";
    if (deflate) {
      this.#inflater = new MessageInflater(senderSettings(deflate, peer));
      const ours = senderSettings(deflate, options.role);
      if (canDeflate(ours)) this.#deflater = new MessageDeflater(ours, options.compressionLevel);
    }
    this.#reader = new FrameReader({
      expectMasked: options.role === "server",
      maxFrameSize,
      allowRsv1: deflate !== null,
    });
    this.#assembler = new MessageAssembler({ maxMessageSize, inflater: this.#inflater });
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** The permessage-deflate parameters in force, or null without the extension. */
  get permessageDeflate(): Readonly<PerMessageDeflateParams> | null {
    return this.#deflate;
  }

  /** Parses received bytes (any split) into events. After a ProtocolError, returns nothing. */
  receiveData(data: Uint8Array): WebSocketEvent[] {
    const events: WebSocketEvent[] = [];
    if (this.#dead) return events;
    for (const item of this.#reader.feed(data)) {
      if (isFrameError(item)) {
        this.#fail(item, events);
        break;
      }
      const input = RECEIVE_INPUT[item.opcode];
      const next = nextConnectionState(this.#state, input);
      if (typeof next !== "string") {
        this.#fail({ error: next.error, code: CloseCode.PROTOCOL_ERROR }, events);
        break;
      }
      if (input === "recvMessage") {
        const result = this.#assembler.frame(item);
        if (result !== null && "error" in result) {
          this.#fail(result, events);
          break;
        }
        if (result !== null) events.push(result);
      } else if (input === "recvClose") {
        const close = parseClosePayload(item.payload);
        if ("error" in close) {
          this.#fail(close, events);
          break;
        }
        events.push({ type: "Close", code: close.code, reason: close.reason });
      } else {
        events.push({ type: input === "recvPing" ? "Ping" : "Pong", data: item.payload });
      }
      this.#enter(next);
    }
    return events;
  }

  /** The frames of one data message. */
  send(message: OutgoingMessage): Uint8Array {
    const next = this.#transition("sendMessage");
    let text: boolean;
    let data: string | Uint8Array;
    let compress = true;
    if (typeof message === "string" || message instanceof Uint8Array) {
      text = typeof message === "string";
      data = message;
    } else {
      text = message.opcode === "text";
      data = message.data;
      compress = message.compress ?? true;
    }
    const deflater = compress ? this.#deflater : null;
    const opcode = text ? Opcode.TEXT : Opcode.BINARY;
    if (typeof data === "string" && deflater === null) {
      const length = utf8Length(data);
      if (this.#fragment === 0 || length <= this.#fragment) {
        const bytes = encodeTextFrame(FIN_BIT | opcode, data, length, this.#nextMaskKey());
        this.#enter(next);
        return bytes;
      }
    }
    if (typeof data === "string") data = UTF8.encode(data);
    const payload = deflater ? deflater.compress(data) : data;
    const size = this.#fragment > 0 ? this.#fragment : payload.length;
    const frames: Uint8Array[] = [];
    let at = 0;
    do {
      const end = Math.min(at + size, payload.length);
      frames.push(encodeFrame({
        fin: end === payload.length,
        rsv1: deflater !== null && at === 0,
        rsv2: false,
        rsv3: false,
        opcode: at === 0 ? opcode : Opcode.CONTINUATION,
        payload: payload.subarray(at, end),
      }, this.#nextMaskKey()));
      at = end;
    } while (at < payload.length);
    this.#enter(next);
    return concatBytes(frames);
  }

  sendPing(data: Uint8Array = EMPTY): Uint8Array {
    return this.#control("sendPing", Opcode.PING, data);
  }

  sendPong(data: Uint8Array = EMPTY): Uint8Array {
    return this.#control("sendPong", Opcode.PONG, data);
  }

  /**
   * A Close frame: without a code an empty one (the peer sees 1005). To answer a peer's
   * Close, echo its code (or send none when it sent 1005).
   */
  sendClose(code?: number, reason = ""): Uint8Array {
    return this.#control("sendClose", Opcode.CLOSE, encodeClosePayload(code, reason));
  }

  /**
   * Frees the zlib streams (done by itself on reaching closed or failed). Afterwards nothing
   * more is read and messages go out uncompressed.
   */
  dispose(): void {
    this.#dead = true;
    this.#freeZlib();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #control(input: ConnectionInput, opcode: number, payload: Uint8Array): Uint8Array {
    if (payload.length > MAX_CONTROL_PAYLOAD) {
      throw new Error(
        `control frame payload of ${payload.length} bytes exceeds ${MAX_CONTROL_PAYLOAD}`,
      );
    }
    const next = this.#transition(input);
    const bytes = encodeFrame(
      { fin: true, rsv1: false, rsv2: false, rsv3: false, opcode, payload },
      this.#nextMaskKey(),
    );
    this.#enter(next);
    return bytes;
  }

  #transition(input: ConnectionInput): ConnectionState {
    const next = nextConnectionState(this.#state, input);
    if (typeof next !== "string") throw new Error(next.error);
    return next;
  }

  #enter(state: ConnectionState): void {
    this.#state = state;
    // Neither side compresses again once we are closed or failed.
    if (state === "closed" || state === "failed") this.#freeZlib();
  }

  #freeZlib(): void {
    this.#deflater?.dispose();
    this.#inflater?.dispose();
    this.#deflater = null;
    this.#inflater = null;
  }

  #fail(error: FrameError, events: WebSocketEvent[]): void {
    this.#dead = true;
    events.push({ type: "ProtocolError", code: error.code, message: error.error });
    const next = nextConnectionState(this.#state, "recvError");
    this.#enter(typeof next === "string" ? next : this.#state);
  }

  #nextMaskKey(): Uint8Array | null {
    return this.#maskKey ? this.#maskKey() : null;
  }
}

function checkSize(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** The state-table input for each received opcode (only known opcodes reach here). */
const RECEIVE_INPUT: Record<number, ConnectionInput> = {
  [Opcode.CONTINUATION]: "recvMessage",
  [Opcode.TEXT]: "recvMessage",
  [Opcode.BINARY]: "recvMessage",
  [Opcode.CLOSE]: "recvClose",
  [Opcode.PING]: "recvPing",
  [Opcode.PONG]: "recvPong",
};
