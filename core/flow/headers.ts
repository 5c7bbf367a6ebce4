/** HTTP header multidict (mitmproxy `http.Headers`): ordered `[name, value]` latin1 fields
 * keeping case, order and duplicates, with case-insensitive lookup. */

import { latin1Decode, latin1Encode } from "../../codecs/bytes.ts";
import { asBytes, asList, type StateValue } from "./state.ts";

/** ASCII case-insensitive compare of `a` with an already lowercased `lower`. */
export function equalsLower(a: string, lower: string): boolean {
  const n = a.length;
  if (n !== lower.length) return false;
  for (let i = 0; i < n; i++) {
    let c = a.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

export class Headers implements Iterable<[string, string]> {
  /** The live field list. Layers read and write it directly; keep entries as pairs. */
  fields: [string, string][];

  constructor(fields?: Iterable<readonly [string, string]>) {
    this.fields = [];
    if (fields) { for (const [k, v] of fields) this.fields.push([k, v]); }
  }

  /** All values of `name` folded with ", " (mitmproxy `h[name]`), or undefined if absent. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    let out: string | undefined;
    for (const f of this.fields) {
      if (equalsLower(f[0], lower)) out = out === undefined ? f[1] : `${out}, ${f[1]}`;
    }
    return out;
  }

  /** Every value of `name` in order, unfolded (for Set-Cookie and Cookie). */
  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    const out: string[] = [];
    for (const f of this.fields) if (equalsLower(f[0], lower)) out.push(f[1]);
    return out;
  }

  has(name: string): boolean {
    const lower = name.toLowerCase();
    for (const f of this.fields) if (equalsLower(f[0], lower)) return true;
    return false;
  }

  /** Replaces all fields named `name` with one (at the first one's position, keeping its
   * spelling), or appends it. */
  set(name: string, value: string): void {
    this.setAll(name, [value]);
  }

  /** mitmproxy `set_all`: existing fields take the new values in order (keeping their
   * positions and spelling), surplus fields are dropped, extra values are appended. */
  setAll(name: string, values: Iterable<string>): void {
    const vals = [...values];
    const lower = name.toLowerCase();
    const fields = this.fields;
    let vi = 0;
    let w = 0;
    for (let r = 0; r < fields.length; r++) {
      const f = fields[r];
      if (equalsLower(f[0], lower)) {
        if (vi < vals.length) fields[w++] = [f[0], vals[vi++]];
      } else {
        fields[w++] = f;
      }
    }
    fields.length = w;
    while (vi < vals.length) fields.push([name, vals[vi++]]);
  }

  /** Appends a field, keeping any existing ones. */
  add(name: string, value: string): void {
    this.fields.push([name, value]);
  }

  /** Inserts a field at `index` of the field list. */
  insert(index: number, name: string, value: string): void {
    this.fields.splice(index, 0, [name, value]);
  }

  /** Removes every field named `name`; returns whether any was there. */
  delete(name: string): boolean {
    const lower = name.toLowerCase();
    const fields = this.fields;
    let w = 0;
    for (let r = 0; r < fields.length; r++) {
      if (!equalsLower(fields[r][0], lower)) fields[w++] = fields[r];
    }
    const removed = w !== fields.length;
    fields.length = w;
    return removed;
  }

  /** Distinct names in first-seen order, spelled as first seen (like Python's `keys()`). */
  keys(): string[] {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const [k] of this.fields) {
      const l = k.toLowerCase();
      if (!seen.has(l)) {
        seen.add(l);
        out.push(k);
      }
    }
    return out;
  }

  /** `[name, folded value]` per distinct name (Python `items()`); `multi` gives every field. */
  items(multi = false): [string, string][] {
    if (multi) return this.fields.map(([k, v]) => [k, v]);
    return this.keys().map((k) => [k, this.get(k) as string]);
  }

  /** Number of distinct names (Python `len(headers)`); `fields.length` counts every field. */
  get size(): number {
    return this.keys().length;
  }

  /** Iterates every field as `[name, value]`, duplicates included. */
  *[Symbol.iterator](): Iterator<[string, string]> {
    for (const f of this.fields) yield f;
  }

  /** HTTP/1 header block: `Name: value\r\n` per field. */
  toString(): string {
    let out = "";
    for (const [k, v] of this.fields) out += `${k}: ${v}\r\n`;
    return out;
  }

  copy(): Headers {
    return new Headers(this.fields);
  }

  /** mitmproxy state: a list of `[name bytes, value bytes]`. */
  toState(): Uint8Array[][] {
    return this.fields.map(([k, v]) => [latin1Encode(k), latin1Encode(v)]);
  }

  static fromState(state: StateValue, where = "headers"): Headers {
    const h = new Headers();
    for (const [i, f] of asList(state, where).entries()) {
      const pair = asList(f, `${where}[${i}]`);
      h.fields.push([
        latin1Decode(asBytes(pair[0], `${where}[${i}][0]`)),
        latin1Decode(asBytes(pair[1], `${where}[${i}][1]`)),
      ]);
    }
    return h;
  }
}
