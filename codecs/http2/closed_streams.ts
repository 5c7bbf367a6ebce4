/** A bounded memory of recently closed streams, so a long-lived connection stays small. */

/** How a stream ended, which decides what late frames on it mean (RFC 9113 §5.1). */
export const ClosedHow = {
  /** Both sides sent END_STREAM: further DATA/HEADERS are STREAM_CLOSED errors. */
  ENDED: 0,
  /** We sent RST_STREAM (or refused/ignored the stream): frames in flight are ignored. */
  RESET_SENT: 1,
  /** The peer sent RST_STREAM: it must not send more, so more is STREAM_CLOSED. */
  RESET_RECEIVED: 2,
} as const;

export type ClosedHow = typeof ClosedHow[keyof typeof ClosedHow];

/** Remembers the last `capacity` closed stream ids; older ones are forgotten, oldest first. */
export class ClosedStreams {
  readonly #capacity: number;
  readonly #map = new Map<number, ClosedHow>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  add(streamId: number, how: ClosedHow): void {
    this.#map.delete(streamId);
    this.#map.set(streamId, how);
    if (this.#map.size > this.#capacity) {
      const oldest = this.#map.keys().next();
      if (!oldest.done) this.#map.delete(oldest.value);
    }
  }

  get(streamId: number): ClosedHow | undefined {
    return this.#map.get(streamId);
  }
}
