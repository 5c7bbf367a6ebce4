/**
 * HPACK Huffman coding (RFC 7541 §5.2). Decoding runs a byte-at-a-time state machine: the
 * states are the 256 inner nodes of the code tree, and a 64K-entry table built on first use
 * gives, for each (state, input byte), the next state and the 0-2 symbols completed on the way.
 */

import { EOS, HUFFMAN_CODE_LENGTHS, HUFFMAN_CODES } from "./huffman_table.ts";

// Table entry layout: next state (bits 0-7), first symbol (8-15), second symbol (16-23),
// symbol count (24-25), EOS decoded (bit 26).
const SYM_SHIFT_1 = 8;
const SYM_SHIFT_2 = 16;
const COUNT_SHIFT = 24;
const FAIL = 1 << 26;

interface DecodeTables {
  transitions: Uint32Array;
  /** 1 where a string may end in this state: at a symbol boundary, or in valid padding. */
  accepting: Uint8Array;
}

function buildTables(): DecodeTables {
  // Inner nodes: child[2 * node + bit] is an inner node id, or ~symbol for a leaf.
  const child: number[] = [0, 0];
  const depth: number[] = [0];
  const allOnes: boolean[] = [true];
  for (let sym = 0; sym <= EOS; sym++) {
    const len = HUFFMAN_CODE_LENGTHS[sym];
    const code = HUFFMAN_CODES[sym];
    let node = 0;
    for (let b = len - 1; b > 0; b--) {
      const bit = Math.floor(code / 2 ** b) & 1;
      let next = child[2 * node + bit];
      if (next === 0) {
        next = depth.length;
        depth.push(depth[node] + 1);
        allOnes.push(allOnes[node] && bit === 1);
        child.push(0, 0);
        child[2 * node + bit] = next;
      }
      node = next;
    }
    child[2 * node + (code & 1)] = ~sym;
  }
  const states = depth.length; // 256 for a complete code with 257 symbols
  const transitions = new Uint32Array(states * 256);
  const accepting = new Uint8Array(states);
  for (let s = 0; s < states; s++) accepting[s] = s === 0 || (allOnes[s] && depth[s] <= 7) ? 1 : 0;
  for (let s = 0; s < states; s++) {
    for (let byte = 0; byte < 256; byte++) {
      let node = s;
      let count = 0;
      let syms = 0;
      let fail = 0;
      for (let b = 7; b >= 0; b--) {
        const next = child[2 * node + ((byte >> b) & 1)];
        if (next >= 0) {
          node = next;
          continue;
        }
        const sym = ~next;
        if (sym === EOS) {
          fail = FAIL;
          break;
        }
        syms |= sym << (count === 0 ? SYM_SHIFT_1 : SYM_SHIFT_2);
        count++;
        node = 0;
      }
      transitions[s * 256 + byte] = node | syms | (count << COUNT_SHIFT) | fail;
    }
  }
  return { transitions, accepting };
}

/** Built on the first decode: ~10 ms that a proxy without HTTP/2 traffic never pays at start. */
let tables: DecodeTables | null = null;

/**
 * Decodes `src[start, end)` into `out` (which must hold `(end - start) * 8 / 5` octets) and
 * returns the decoded length, or an error for EOS in the data or bad padding (RFC 7541 §5.2).
 */
export function huffmanDecode(
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
): number | { error: string } {
  const { transitions, accepting } = tables ??= buildTables();
  let state = 0;
  let n = 0;
  for (let i = start; i < end; i++) {
    const t = transitions[(state << 8) | src[i]];
    if (t & FAIL) return { error: "Huffman-coded string contains EOS" };
    const count = t >>> COUNT_SHIFT & 3;
    if (count > 0) {
      out[n++] = t >>> SYM_SHIFT_1;
      if (count > 1) out[n++] = t >>> SYM_SHIFT_2;
    }
    state = t & 0xff;
  }
  if (!accepting[state]) {
    return { error: "Huffman-coded string has invalid padding (longer than 7 bits or not EOS)" };
  }
  return n;
}

/** Octets needed to Huffman-code the latin1 string `s`. */
export function huffmanEncodedLength(s: string): number {
  let bits = 0;
  for (let i = 0; i < s.length; i++) bits += HUFFMAN_CODE_LENGTHS[s.charCodeAt(i) & 0xff];
  return (bits + 7) >>> 3;
}

/** Huffman-codes the latin1 string `s` into `out` at `at`; returns the offset after it. */
export function huffmanEncode(s: string, out: Uint8Array, at: number): number {
  let acc = 0; // pending bits, right-aligned; fewer than 8 between symbols
  let pending = 0;
  for (let i = 0; i < s.length; i++) {
    const sym = s.charCodeAt(i) & 0xff;
    let len = HUFFMAN_CODE_LENGTHS[sym];
    const code = HUFFMAN_CODES[sym];
    if (len > 24) {
      // Keep acc within 31 bits: push the high part first.
      const high = len - 16;
      acc = (acc << high) | (code >>> 16);
      pending += high;
      while (pending >= 8) {
        pending -= 8;
        out[at++] = acc >>> pending;
      }
      acc &= (1 << pending) - 1;
      len = 16;
      acc = (acc << 16) | (code & 0xffff);
    } else {
      acc = (acc << len) | code;
    }
    pending += len;
    while (pending >= 8) {
      pending -= 8;
      out[at++] = acc >>> pending;
    }
    acc &= (1 << pending) - 1;
  }
  if (pending > 0) out[at++] = (acc << (8 - pending)) | (0xff >>> pending); // EOS-prefix padding
  return at;
}
