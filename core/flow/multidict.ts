/** Ordered multidicts (mitmproxy `coretypes/multidict.py`): `MultiDict` owns its fields,
 * `MultiDictView` reads and writes them through a getter/setter pair (e.g. `request.query`
 * edits `request.path`). */

abstract class MultiDictBase<V> implements Iterable<[string, V]> {
  protected abstract read(): [string, V][];
  protected abstract write(fields: [string, V][]): void;

  /** Key normalisation; case-sensitive unless a subclass says otherwise. */
  protected kconv(key: string): string {
    return key;
  }

  /** A copy of every `[key, value]` pair in order. */
  get fields(): [string, V][] {
    return this.read().map(([k, v]) => [k, v]);
  }

  /** First value for `key` (Python `md[key]`), or undefined. */
  get(key: string): V | undefined {
    const k = this.kconv(key);
    for (const [fk, v] of this.read()) if (this.kconv(fk) === k) return v;
    return undefined;
  }

  getAll(key: string): V[] {
    const k = this.kconv(key);
    return this.read().filter(([fk]) => this.kconv(fk) === k).map(([, v]) => v);
  }

  has(key: string): boolean {
    const k = this.kconv(key);
    return this.read().some(([fk]) => this.kconv(fk) === k);
  }

  /** Replaces all values of `key` with one, at the first one's position, or appends. */
  set(key: string, value: V): void {
    this.setAll(key, [value]);
  }

  setAll(key: string, values: Iterable<V>): void {
    const vals = [...values];
    const k = this.kconv(key);
    const out: [string, V][] = [];
    let vi = 0;
    for (const [fk, fv] of this.read()) {
      if (this.kconv(fk) === k) {
        if (vi < vals.length) out.push([fk, vals[vi++]]);
      } else {
        out.push([fk, fv]);
      }
    }
    while (vi < vals.length) out.push([key, vals[vi++]]);
    this.write(out);
  }

  /** Appends a pair (URLSearchParams `append`, Python `add`). */
  add(key: string, value: V): void {
    this.write([...this.read(), [key, value]]);
  }

  append(key: string, value: V): void {
    this.add(key, value);
  }

  insert(index: number, key: string, value: V): void {
    const f = this.read().slice();
    f.splice(index, 0, [key, value]);
    this.write(f);
  }

  delete(key: string): void {
    const k = this.kconv(key);
    this.write(this.read().filter(([fk]) => this.kconv(fk) !== k));
  }

  /** Distinct keys in first-seen order. */
  keys(): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const [k] of this.read()) {
      const c = this.kconv(k);
      if (!seen.has(c)) {
        seen.add(c);
        out.push(k);
      }
    }
    return out;
  }

  /** First value per distinct key. */
  values(): V[] {
    return this.keys().map((k) => this.get(k) as V);
  }

  /** `[key, first value]` per distinct key; `multi` gives every pair. */
  items(multi = false): [string, V][] {
    if (multi) return this.fields;
    return this.keys().map((k) => [k, this.get(k) as V]);
  }

  /** Every pair, like URLSearchParams `entries()`. */
  entries(): [string, V][] {
    return this.fields;
  }

  /** Number of pairs (URLSearchParams `size`). */
  get size(): number {
    return this.read().length;
  }

  [Symbol.iterator](): Iterator<[string, V]> {
    return this.fields[Symbol.iterator]();
  }

  /** Plain object of first values (handy for JSON and tests). */
  toObject(): Record<string, V> {
    const out: Record<string, V> = {};
    for (const [k, v] of this.items()) out[k] = v;
    return out;
  }
}

export class MultiDict<V> extends MultiDictBase<V> {
  #fields: [string, V][];
  readonly #ci: boolean;

  constructor(fields: Iterable<readonly [string, V]> = [], caseInsensitive = false) {
    super();
    this.#fields = [...fields].map(([k, v]) => [k, v]);
    this.#ci = caseInsensitive;
  }

  protected override kconv(key: string): string {
    return this.#ci ? key.toLowerCase() : key;
  }

  protected read(): [string, V][] {
    return this.#fields;
  }

  protected write(fields: [string, V][]): void {
    this.#fields = fields;
  }
}

export class MultiDictView<V> extends MultiDictBase<V> {
  readonly #getter: () => [string, V][];
  readonly #setter: (fields: [string, V][]) => void;

  constructor(getter: () => [string, V][], setter: (fields: [string, V][]) => void) {
    super();
    this.#getter = getter;
    this.#setter = setter;
  }

  protected read(): [string, V][] {
    return this.#getter();
  }

  protected write(fields: [string, V][]): void {
    this.#setter(fields);
  }
}
