/**
 * Small byte arrays that are written once and dropped soon (heads on their way to a socket,
 * merged write batches), carved from shared chunks.
 *
 * Rules, written once:
 * - `alloc(n)` returns a view of `n` fresh bytes after the previous allocation in the current
 *   chunk. A chunk is never handed out twice, so a view stays valid for as long as anybody
 *   holds it; when a chunk is full a new one starts and the old one is freed by the GC once
 *   its last view is gone.
 * - Requests above `maxShared` get an array of their own: they would waste a chunk.
 * - Why: a new `Uint8Array` of a few hundred bytes costs ~0.8 µs in Deno 2.9.6 (its
 *   backing store is allocated and tracked off the V8 heap), a view ~30 ns; the proxy makes
 *   several such arrays per request (measured: `bench/byte_arena_bench.ts`).
 * - The price: a view that is held for long keeps its whole chunk alive. Only hand out views
 *   that are dropped once written (not flow content, which a flow list may keep for hours).
 */

export class ByteArena {
  readonly #chunkSize: number;
  readonly #maxShared: number;
  #chunk: Uint8Array;
  #used = 0;

  constructor(chunkSize: number, maxShared: number) {
    if (maxShared > chunkSize) throw new RangeError("maxShared must fit in a chunk");
    this.#chunkSize = chunkSize;
    this.#maxShared = maxShared;
    this.#chunk = new Uint8Array(chunkSize);
  }

  /** `n` zeroed bytes that nobody else is given. */
  alloc(n: number): Uint8Array {
    if (n > this.#maxShared) return new Uint8Array(n);
    if (this.#used + n > this.#chunkSize) {
      this.#chunk = new Uint8Array(this.#chunkSize);
      this.#used = 0;
    }
    const start = this.#used;
    this.#used = start + n;
    return this.#chunk.subarray(start, start + n);
  }
}

/**
 * The arena for bytes on their way to a socket. 16 KiB chunks hold ~100 typical heads; a
 * stalled connection pins at most one chunk per queued view, far below the write queue's own
 * high-water mark.
 */
export const SEND_ARENA: ByteArena = new ByteArena(16 * 1024, 2048);
