/**
 * NextLayer: a placeholder that buffers what the peers send until the `next_layer` hook
 * (normally the built-in `addons/next_layer.ts`) decides which layer handles the connection
 * (HTTP, raw TCP, later TLS/DNS), then replays the buffered events into it.
 */
import { concatBytes } from "../codecs/bytes.ts";
import { CloseConnection, StartHook } from "./commands.ts";
import { ConnectionClosed, DataReceived, type Event, Start } from "./events.ts";
import { type CommandGenerator, Layer, log } from "./layer.ts";
import type { Context } from "./context.ts";

/** What the `next_layer` hook sees: set `layer` to decide; leave it null to wait for data. */
export class NextLayerData {
  layer: Layer | null = null;
  constructor(
    readonly context: Context,
    readonly clientData: Uint8Array,
    readonly serverData: Uint8Array,
    /** True when no more data will come (a peer closed): a decision must be made now. */
    readonly final: boolean,
  ) {}
  dataClient(): Uint8Array {
    return this.clientData;
  }
  dataServer(): Uint8Array {
    return this.serverData;
  }
}

export class NextLayer extends Layer {
  #events: Event[] = [];
  #child: Layer | null = null;
  #clientData: Uint8Array[] = [];
  #serverData: Uint8Array[] = [];

  override describe(): string {
    return this.#child ? `NextLayer(${this.#child.describe()})` : "NextLayer";
  }

  get child(): Layer | null {
    return this.#child;
  }

  override get delegate(): Layer | null {
    return this.idle ? this.#child : null;
  }

  protected *handle(event: Event): CommandGenerator {
    if (this.#child !== null) {
      yield* this.#child.handleEvent(event);
      return;
    }
    this.#events.push(event);
    let final = false;
    if (event instanceof DataReceived) {
      (event.connection === this.context.client ? this.#clientData : this.#serverData).push(
        event.data,
      );
    } else if (event instanceof ConnectionClosed) {
      final = true;
    } else if (!(event instanceof Start)) {
      return;
    }
    const data = new NextLayerData(
      this.context,
      concatBytes(this.#clientData),
      concatBytes(this.#serverData),
      final,
    );
    yield new StartHook("next_layer", data);
    if (data.layer === null) {
      if (final) {
        yield log("connection closed before the protocol could be determined", "debug");
        yield new CloseConnection(this.context.client);
      }
      return;
    }
    const child = data.layer;
    this.#child = child;
    child.context.layers.push(child);
    const events = this.#events;
    this.#events = [];
    this.#clientData = [];
    this.#serverData = [];
    // The child always sees a Start first, then everything that arrived while we waited.
    if (!(events[0] instanceof Start)) yield* child.handleEvent(new Start());
    for (const e of events) yield* child.handleEvent(e);
  }
}
