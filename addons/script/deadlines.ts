/**
 * Deadlines for many in-flight calls on one timer.
 *
 * Every call gets the same timeout, so deadlines expire in the order the calls were added:
 * the set is a `Map` in insertion order and only its first entry can be due. One timer is
 * armed for that entry; when it fires, the due entries are reported and it is re-armed for
 * the next one. Adding and removing a call costs a map operation, not a timer.
 */
export class Deadlines<K> {
  readonly #timeoutMs: number;
  readonly #expired: (key: K) => void;
  readonly #due = new Map<K, number>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  /** `expired` is called once per key whose deadline passed; the key is removed first. */
  constructor(timeoutMs: number, expired: (key: K) => void) {
    this.#timeoutMs = timeoutMs;
    this.#expired = expired;
  }

  get size(): number {
    return this.#due.size;
  }

  add(key: K): void {
    this.#due.set(key, performance.now() + this.#timeoutMs);
    if (this.#timer === null) this.#arm(this.#timeoutMs);
  }

  delete(key: K): void {
    this.#due.delete(key);
    if (this.#due.size === 0) this.clear();
  }

  /** Forgets every deadline and stops the timer. */
  clear(): void {
    this.#due.clear();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, Math.ceil(ms)));
  }

  #fire(): void {
    this.#timer = null;
    const now = performance.now();
    for (const [key, at] of this.#due) {
      if (at > now) {
        this.#arm(at - now);
        return;
      }
      this.#due.delete(key);
      this.#expired(key);
      // `expired` may have cleared the set or armed the timer again.
      if (this.#timer !== null) return;
    }
  }
}
