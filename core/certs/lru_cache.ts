/** A bounded map that evicts the least recently used entry (a `Map` keeps insertion order, so
 * re-inserting on every hit makes the first key the oldest). */
export class LruCache<K, V> {
  readonly capacity: number;
  readonly #map = new Map<K, V>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`LRU capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value for `key`, which becomes the most recently used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value === undefined) return undefined;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** Stores `value`; returns the evicted `[key, value]`, if any. */
  set(key: K, value: V): [K, V] | undefined {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size <= this.capacity) return undefined;
    const [oldest, evicted] = this.#map.entries().next().value as [K, V];
    this.#map.delete(oldest);
    return [oldest, evicted];
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  keys(): K[] {
    return [...this.#map.keys()];
  }
}
