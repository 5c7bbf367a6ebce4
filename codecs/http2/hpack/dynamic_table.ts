/** The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO bounded by size in octets. */

/** RFC 7541 §4.1: an entry's size is its name and value lengths plus 32. */
export const ENTRY_OVERHEAD = 32;

export function entrySize(name: string, value: string): number {
  return name.length + value.length + ENTRY_OVERHEAD;
}

/**
 * Entries are appended to arrays and evicted from the front by advancing `#start`; the arrays
 * are compacted once half of them is dead, so add and evict stay O(1) amortized.
 *
 * With `searchable`, the table also maps names and name/value pairs to the sequence number of
 * their newest entry, which is what an encoder needs (an idea from Go's x/net hpack).
 */
export class DynamicTable {
  #names: string[] = [];
  #values: string[] = [];
  #start = 0;
  /** Sequence number of `#names[0]`; entry k has sequence `#seqBase + k`. */
  #seqBase = 0;
  #size = 0;
  #maxSize: number;
  readonly #byName: Map<string, number> | null;
  readonly #byPair: Map<string, Map<string, number>> | null;

  constructor(maxSize: number, searchable = false) {
    this.#maxSize = maxSize;
    this.#byName = searchable ? new Map() : null;
    this.#byPair = searchable ? new Map() : null;
  }

  /** Current size in octets as RFC 7541 counts it. */
  get size(): number {
    return this.#size;
  }

  get maxSize(): number {
    return this.#maxSize;
  }

  get length(): number {
    return this.#names.length - this.#start;
  }

  /** Entry name by dynamic index (1 is the newest); undefined when out of range. */
  name(index: number): string | undefined {
    const k = this.#names.length - index;
    return index >= 1 && k >= this.#start ? this.#names[k] : undefined;
  }

  /** Entry value by dynamic index; call `name` first to check the index. */
  value(index: number): string {
    return this.#values[this.#names.length - index];
  }

  /** Changes the maximum size, evicting as needed. */
  setMaxSize(maxSize: number): void {
    this.#maxSize = maxSize;
    this.#evictTo(maxSize);
  }

  /** Adds an entry; one larger than the maximum size empties the table (RFC 7541 §4.4). */
  add(name: string, value: string): void {
    const size = entrySize(name, value);
    if (size > this.#maxSize) {
      this.#evictTo(0);
      return;
    }
    this.#evictTo(this.#maxSize - size);
    const seq = this.#seqBase + this.#names.length;
    this.#names.push(name);
    this.#values.push(value);
    this.#size += size;
    if (this.#byName && this.#byPair) {
      this.#byName.set(name, seq);
      let values = this.#byPair.get(name);
      if (!values) this.#byPair.set(name, values = new Map());
      values.set(value, seq);
    }
  }

  /** Dynamic index of the newest entry named `name`, or 0 (searchable tables only). */
  findName(name: string): number {
    const seq = this.#byName?.get(name);
    return seq === undefined ? 0 : this.#indexOf(seq);
  }

  /** Dynamic index of the newest entry with this name and value, or 0. */
  findPair(name: string, value: string): number {
    const seq = this.#byPair?.get(name)?.get(value);
    return seq === undefined ? 0 : this.#indexOf(seq);
  }

  #indexOf(seq: number): number {
    return this.#seqBase + this.#names.length - seq;
  }

  #evictTo(limit: number): void {
    while (this.#size > limit) {
      const k = this.#start++;
      const name = this.#names[k];
      const value = this.#values[k];
      this.#size -= entrySize(name, value);
      this.#names[k] = this.#values[k] = ""; // let big evicted strings be collected
      if (this.#byName && this.#byPair) {
        const seq = this.#seqBase + k;
        if (this.#byName.get(name) === seq) this.#byName.delete(name);
        const values = this.#byPair.get(name);
        if (values?.get(value) === seq) {
          values.delete(value);
          if (values.size === 0) this.#byPair.delete(name);
        }
      }
    }
    if (this.#start > 32 && this.#start * 2 > this.#names.length) {
      this.#names = this.#names.slice(this.#start);
      this.#values = this.#values.slice(this.#start);
      this.#seqBase += this.#start;
      this.#start = 0;
    }
  }
}
