/**
 * HPACK header block decoder (RFC 7541 §3, §6). Every error is a COMPRESSION_ERROR for the
 * connection, because the decoder's table can no longer be trusted.
 *
 * Memory stays bounded by the input: literal strings are at most the block's size, indexed
 * fields reuse the table's strings, and once the decoded list passes `maxHeaderListSize` fields
 * stop being collected (the block is still decoded so the table stays in sync) and the result
 * says `tooLarge`, which the connection turns into a stream error.
 */

import { DynamicTable, ENTRY_OVERHEAD } from "./dynamic_table.ts";
import { huffmanDecode } from "./huffman.ts";
import { type Cursor, decodeInteger, TOO_LARGE, TRUNCATED } from "./integer.ts";
import { latin1Slice } from "./latin1.ts";
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from "./static_table.ts";

export type HeaderField = [name: string, value: string];

export interface DecodedBlock {
  headers: HeaderField[];
  /** Names of fields sent as never-indexed literals (RFC 7541 §7.1.3), usually empty. */
  neverIndexed: string[];
  /** The list exceeded `maxHeaderListSize`; `headers` holds only a prefix. */
  tooLarge: boolean;
}

export interface HpackDecoderOptions {
  /** Our SETTINGS_HEADER_TABLE_SIZE: the largest table the peer may use. */
  maxTableSize?: number;
  /** Size limit of a decoded list, counted as in RFC 9113 §6.5.2 (name + value + 32). */
  maxHeaderListSize?: number;
}

const NONE: string[] = [];
Object.freeze(NONE);

export class HpackDecoder {
  readonly #table: DynamicTable;
  /** The table size the peer may choose (our setting). */
  #maxAllowed: number;
  #updateRequired = false;
  maxHeaderListSize: number;
  #scratch = new Uint8Array(256);
  readonly #cursor: Cursor = { pos: 0 };

  constructor(options: HpackDecoderOptions = {}) {
    this.#maxAllowed = options.maxTableSize ?? 4096;
    this.#table = new DynamicTable(this.#maxAllowed);
    this.maxHeaderListSize = options.maxHeaderListSize ?? Infinity;
  }

  get table(): DynamicTable {
    return this.#table;
  }

  /**
   * Applies a new SETTINGS_HEADER_TABLE_SIZE once the peer acknowledged it. Shrinking below the
   * current size evicts now and requires a size update at the start of the next block. Growing
   * takes effect at once: an encoder that keeps a smaller table without saying so still works,
   * because our table then holds a superset of its entries.
   */
  setMaxAllowedTableSize(size: number): void {
    if (size === this.#maxAllowed) return;
    this.#maxAllowed = size;
    if (size < this.#table.maxSize) this.#updateRequired = true;
    this.#table.setMaxSize(size);
  }

  decode(block: Uint8Array): DecodedBlock | { error: string } {
    const table = this.#table;
    const cursor = this.#cursor;
    cursor.pos = 0;
    const headers: HeaderField[] = [];
    let neverIndexed = NONE;
    let listSize = 0;
    let tooLarge = false;
    let fieldsSeen = false;
    const n = block.length;
    while (cursor.pos < n) {
      const b = block[cursor.pos];
      let name: string;
      let value: string;
      if (b & 0x80) {
        const index = decodeInteger(block, cursor, 7);
        if (index < 0) return intError(index, "indexed field");
        if (index === 0) return { error: "indexed field with index 0" };
        if (index <= STATIC_TABLE_LENGTH) {
          [name, value] = STATIC_TABLE[index];
        } else {
          const found = table.name(index - STATIC_TABLE_LENGTH);
          if (found === undefined) return badIndex(index, table.length);
          name = found;
          value = table.value(index - STATIC_TABLE_LENGTH);
        }
      } else if ((b & 0xe0) === 0x20) {
        // Dynamic table size update: only before the first field (RFC 7541 §4.2).
        if (fieldsSeen) return { error: "dynamic table size update after a header field" };
        const size = decodeInteger(block, cursor, 5);
        if (size < 0) return intError(size, "table size update");
        if (size > this.#maxAllowed) {
          return {
            error: `dynamic table size update to ${size} exceeds the limit ${this.#maxAllowed}`,
          };
        }
        table.setMaxSize(size);
        this.#updateRequired = false;
        continue;
      } else {
        const indexing = (b & 0xc0) === 0x40;
        const prefix = indexing ? 6 : 4;
        const nameIndex = decodeInteger(block, cursor, prefix);
        if (nameIndex < 0) return intError(nameIndex, "literal field name index");
        if (nameIndex === 0) {
          const s = this.#string(block);
          if (typeof s !== "string") return s;
          name = s;
        } else if (nameIndex <= STATIC_TABLE_LENGTH) {
          name = STATIC_TABLE[nameIndex][0];
        } else {
          const found = table.name(nameIndex - STATIC_TABLE_LENGTH);
          if (found === undefined) return badIndex(nameIndex, table.length);
          name = found;
        }
        const s = this.#string(block);
        if (typeof s !== "string") return s;
        value = s;
        if (indexing) table.add(name, value);
        else if (b & 0x10) {
          if (neverIndexed === NONE) neverIndexed = [];
          if (!neverIndexed.includes(name)) neverIndexed.push(name);
        }
      }
      if (!fieldsSeen) {
        if (this.#updateRequired) {
          return { error: "missing dynamic table size update after SETTINGS_HEADER_TABLE_SIZE" };
        }
        fieldsSeen = true;
      }
      if (tooLarge) continue;
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > this.maxHeaderListSize) tooLarge = true;
      else headers.push([name, value]);
    }
    return { headers, neverIndexed, tooLarge };
  }

  #string(block: Uint8Array): string | { error: string } {
    const cursor = this.#cursor;
    if (cursor.pos >= block.length) return { error: "header block ends before a string" };
    const huffman = (block[cursor.pos] & 0x80) !== 0;
    const length = decodeInteger(block, cursor, 7);
    if (length < 0) return intError(length, "string length");
    const start = cursor.pos;
    const end = start + length;
    if (end > block.length) {
      return { error: `string of ${length} octets runs past the end of the header block` };
    }
    cursor.pos = end;
    if (!huffman) return latin1Slice(block, start, end);
    const need = Math.ceil(length * 8 / 5);
    if (this.#scratch.length < need) this.#scratch = new Uint8Array(Math.max(need, 2 * length));
    const decoded = huffmanDecode(block, start, end, this.#scratch);
    if (typeof decoded !== "number") return decoded;
    return latin1Slice(this.#scratch, 0, decoded);
  }
}

function intError(code: number, what: string): { error: string } {
  return code === TRUNCATED
    ? { error: `header block ends inside the ${what}` }
    : { error: `${what} exceeds ${TOO_LARGE === code ? "2^32-1" : "the limit"}` };
}

function badIndex(index: number, dynamicLength: number): { error: string } {
  return {
    error: `index ${index} is outside the tables (61 static + ${dynamicLength} dynamic entries)`,
  };
}
