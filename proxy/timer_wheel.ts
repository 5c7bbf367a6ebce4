/**
 * Coarse timers for layer wakeups (response timeouts and the like): deadlines are kept in
 * one-second buckets and a single unref'd interval fires what is due. Arming and cancelling
 * cost a map operation, where a `setTimeout` per request showed up in profiles.
 */

type Callback = () => void;

export class TimerWheel {
  readonly #buckets = new Map<number, Set<Callback>>();
  #interval: number | null = null;

  constructor(readonly now: () => number = () => Date.now() / 1000) {}

  /** Calls `callback` after about `delaySeconds` (rounded up to the next whole second). */
  schedule(delaySeconds: number, callback: Callback): () => void {
    const slot = Math.ceil(this.now() + delaySeconds);
    let bucket = this.#buckets.get(slot);
    if (bucket === undefined) {
      bucket = new Set();
      this.#buckets.set(slot, bucket);
    }
    bucket.add(callback);
    this.#start();
    return () => {
      bucket!.delete(callback);
      if (bucket!.size === 0) this.#buckets.delete(slot);
    };
  }

  get pending(): number {
    let count = 0;
    for (const bucket of this.#buckets.values()) count += bucket.size;
    return count;
  }

  /** Fires every callback whose second has come. */
  tick(): void {
    const now = this.now();
    for (const [slot, bucket] of this.#buckets) {
      if (slot > now) continue;
      this.#buckets.delete(slot);
      for (const callback of bucket) callback();
    }
    if (this.#buckets.size === 0) this.#stop();
  }

  #start(): void {
    if (this.#interval !== null) return;
    this.#interval = setInterval(() => this.tick(), 250) as unknown as number;
    Deno.unrefTimer(this.#interval);
  }

  #stop(): void {
    if (this.#interval === null) return;
    clearInterval(this.#interval);
    this.#interval = null;
  }
}

/** Shared by all connections of the process. */
export const WAKEUPS = new TimerWheel();
