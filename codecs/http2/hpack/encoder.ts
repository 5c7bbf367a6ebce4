/**
 * HPACK header block encoder (RFC 7541 §6). Per field it picks, in order: an exact match in the
 * static or dynamic table (one octet, usually); a never-indexed literal for secrets; a literal
 * without indexing for values that rarely repeat or would flush the table; otherwise a literal
 * with incremental indexing. Strings are Huffman-coded when that is shorter.
 */

import { DynamicTable, entrySize } from "./dynamic_table.ts";
import { huffmanEncode, huffmanEncodedLength } from "./huffman.ts";
import { encodeInteger } from "./integer.ts";
import { STATIC_NAME_INDEX, STATIC_PAIR_INDEX, STATIC_TABLE_LENGTH } from "./static_table.ts";

export type HuffmanMode = "auto" | "always" | "never";

export interface HpackEncoderOptions {
  /** Upper bound on the table we keep, whatever the peer allows (default 4096). */
  maxTableSize?: number;
  huffman?: HuffmanMode;
  /** Whether to add a (non-sensitive) field to the table; the default skips fields that
   * rarely repeat and entries over 3/4 of the table. */
  shouldIndex?: (name: string, value: string, tableSize: number) => boolean;
}

/** The default indexing choice (see `NOT_INDEXED`). */
export function defaultShouldIndex(name: string, value: string, tableSize: number): boolean {
  return !NOT_INDEXED.has(name) && entrySize(name, value) <= tableSize * 3 / 4;
}

/** Fields never added to the table: they rarely repeat on a connection (as nghttp2 does). */
const NOT_INDEXED: ReadonlySet<string> = new Set([
  ":path",
  "age",
  "content-length",
  "etag",
  "if-modified-since",
  "if-none-match",
  "location",
  "set-cookie",
]);

/** Fields whose values are secrets worth keeping out of any table (RFC 7541 §7.1.3). */
const SENSITIVE: ReadonlySet<string> = new Set(["authorization", "proxy-authorization"]);

function isSensitive(name: string, value: string): boolean {
  // Short cookies are guessable by a compression oracle (CRIME); long ones are worth indexing.
  return SENSITIVE.has(name) || (name === "cookie" && value.length < 20);
}

export class HpackEncoder {
  readonly #table: DynamicTable;
  readonly #cap: number;
  readonly #huffman: HuffmanMode;
  readonly #shouldIndex: (name: string, value: string, tableSize: number) => boolean;
  /** Smallest and latest table size chosen since the last block, if any changed. */
  #pendingMin = -1;
  #pendingSize = -1;
  #buf = new Uint8Array(4096);
  #len = 0;

  constructor(options: HpackEncoderOptions = {}) {
    this.#cap = options.maxTableSize ?? 4096;
    this.#huffman = options.huffman ?? "auto";
    this.#shouldIndex = options.shouldIndex ?? defaultShouldIndex;
    // Until the peer's SETTINGS arrive, the RFC default of 4096 is in force.
    this.#table = new DynamicTable(Math.min(4096, this.#cap), true);
    if (this.#cap < 4096) this.#pendingMin = this.#pendingSize = this.#cap;
  }

  get table(): DynamicTable {
    return this.#table;
  }

  /** Applies the peer's SETTINGS_HEADER_TABLE_SIZE; the next block announces the change. */
  setPeerMaxTableSize(size: number): void {
    // Always announce: the peer's decoder may have resized its table to the new setting.
    const next = Math.min(size, this.#cap);
    this.#pendingMin = this.#pendingMin === -1 ? next : Math.min(this.#pendingMin, next);
    this.#pendingSize = next;
    this.#table.setMaxSize(next);
  }

  /**
   * Encodes a header list. Names must be lowercase latin1 (the connection checks). Fields named
   * in `neverIndex`, and those sent to us as never-indexed, use never-indexed literals.
   */
  encode(
    headers: readonly (readonly [string, string])[],
    neverIndex?: ReadonlySet<string>,
  ): Uint8Array {
    this.#len = 0;
    if (this.#pendingSize !== -1) {
      // RFC 7541 §4.2: signal the smallest size reached, then the final one.
      if (this.#pendingMin < this.#pendingSize) this.#integer(this.#pendingMin, 5, 0x20);
      this.#integer(this.#pendingSize, 5, 0x20);
      this.#pendingMin = this.#pendingSize = -1;
    }
    for (const [name, value] of headers) this.#field(name, value, neverIndex);
    return this.#buf.slice(0, this.#len);
  }

  #field(name: string, value: string, neverIndex: ReadonlySet<string> | undefined): void {
    const table = this.#table;
    const sensitive = neverIndex?.has(name) || isSensitive(name, value);
    if (!sensitive) {
      const s = STATIC_PAIR_INDEX.get(name)?.get(value);
      if (s !== undefined) return this.#integer(s, 7, 0x80);
      const d = table.findPair(name, value);
      if (d !== 0) return this.#integer(d + STATIC_TABLE_LENGTH, 7, 0x80);
    }
    let nameIndex = STATIC_NAME_INDEX.get(name) ?? 0;
    if (nameIndex === 0) {
      const d = table.findName(name);
      if (d !== 0) nameIndex = d + STATIC_TABLE_LENGTH;
    }
    if (sensitive) {
      this.#integer(nameIndex, 4, 0x10);
    } else if (this.#shouldIndex(name, value, table.maxSize)) {
      this.#integer(nameIndex, 6, 0x40);
      table.add(name, value);
    } else {
      this.#integer(nameIndex, 4, 0x00);
    }
    if (nameIndex === 0) this.#string(name);
    this.#string(value);
  }

  #integer(value: number, prefixBits: number, pattern: number): void {
    this.#reserve(6);
    this.#len = encodeInteger(this.#buf, this.#len, value, prefixBits, pattern);
  }

  #string(s: string): void {
    const mode = this.#huffman;
    const hlen = mode === "never" ? 0 : huffmanEncodedLength(s);
    if (mode === "always" || (mode === "auto" && hlen < s.length)) {
      this.#reserve(6 + hlen);
      this.#len = encodeInteger(this.#buf, this.#len, hlen, 7, 0x80);
      this.#len = huffmanEncode(s, this.#buf, this.#len);
      return;
    }
    this.#reserve(6 + s.length);
    this.#len = encodeInteger(this.#buf, this.#len, s.length, 7, 0);
    const buf = this.#buf;
    let at = this.#len;
    for (let i = 0; i < s.length; i++) buf[at++] = s.charCodeAt(i);
    this.#len = at;
  }

  #reserve(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }
}
