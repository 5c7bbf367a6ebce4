/**
 * Outbound DATA held back by HTTP/2 flow control, shared by `Http2Server` and `Http2Client`.
 * Data goes out at once as far as the stream and connection windows allow; the rest waits
 * per stream, with the end of the message (END_STREAM or trailers) queued behind it, until
 * `flush` after a WINDOW_UPDATE or a SETTINGS change. Streams take turns when the connection
 * window is the limit. An entry exists only while something waits, so idle streams cost
 * nothing here.
 */
import type { H2Connection } from "../../codecs/http2/connection.ts";
import type { HeaderList } from "../../codecs/http2/header_validation.ts";

interface Waiting {
  chunks: Uint8Array[];
  /** The end of the message was asked for: trailers, or null for a bare END_STREAM. */
  end: { trailers: HeaderList | null } | null;
}

export class H2SendQueue {
  readonly #waiting = new Map<number, Waiting>();

  constructor(readonly h2: H2Connection) {}

  /** Streams with data or an end still waiting. */
  get size(): number {
    return this.#waiting.size;
  }

  /** Octets waiting for window on a stream. */
  buffered(streamId: number): number {
    let n = 0;
    for (const c of this.#waiting.get(streamId)?.chunks ?? []) n += c.length;
    return n;
  }

  /** Sends `data` on the stream as far as the windows allow; the rest waits. */
  data(streamId: number, data: Uint8Array): void {
    if (data.length === 0 || !this.#sendable(streamId)) return;
    const waiting = this.#waiting.get(streamId);
    if (waiting !== undefined) {
      waiting.chunks.push(data);
      return;
    }
    const rest = this.#send(streamId, data);
    if (rest.length > 0) this.#waiting.set(streamId, { chunks: [rest], end: null });
  }

  /** Ends our side of the stream after any waiting data; true if the end went out now. */
  end(streamId: number, trailers: HeaderList | null): boolean {
    if (!this.#sendable(streamId)) return false;
    const waiting = this.#waiting.get(streamId);
    if (waiting !== undefined) {
      waiting.end = { trailers };
      return false;
    }
    this.#sendEnd(streamId, trailers);
    return true;
  }

  /** Sends what the windows now allow; returns the streams whose end went out. */
  flush(): number[] {
    const ended: number[] = [];
    for (const [id, waiting] of [...this.#waiting]) {
      if (!this.#sendable(id)) {
        this.#waiting.delete(id);
        continue;
      }
      while (waiting.chunks.length > 0) {
        const rest = this.#send(id, waiting.chunks[0]);
        if (rest.length > 0) {
          waiting.chunks[0] = rest;
          break;
        }
        waiting.chunks.shift();
      }
      // Round robin: a stream still waiting goes to the back of the line.
      this.#waiting.delete(id);
      if (waiting.chunks.length > 0) {
        this.#waiting.set(id, waiting);
      } else if (waiting.end !== null) {
        this.#sendEnd(id, waiting.end.trailers);
        ended.push(id);
      }
    }
    return ended;
  }

  /** Forgets a stream's waiting data (it was reset or the connection closed). */
  drop(streamId: number): void {
    this.#waiting.delete(streamId);
  }

  clear(): void {
    this.#waiting.clear();
  }

  #sendable(streamId: number): boolean {
    if (this.h2.isClosed) return false;
    const state = this.h2.streamState(streamId);
    return state === "open" || state === "half_closed_remote";
  }

  /** Sends the part of `data` that fits; returns the rest. */
  #send(streamId: number, data: Uint8Array): Uint8Array {
    const window = this.h2.localFlowControlWindow(streamId);
    if (window <= 0) return data;
    if (window >= data.length) {
      this.h2.sendData(streamId, data);
      return data.subarray(data.length);
    }
    this.h2.sendData(streamId, data.subarray(0, window));
    return data.subarray(window);
  }

  #sendEnd(streamId: number, trailers: HeaderList | null): void {
    if (trailers !== null && trailers.length > 0) {
      this.h2.sendHeaders(streamId, trailers, { endStream: true });
    } else {
      this.h2.endStream(streamId);
    }
  }
}
