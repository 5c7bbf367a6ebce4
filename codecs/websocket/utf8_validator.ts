/**
 * Incremental UTF-8 validation (RFC 3629 §4) as a transition table, so text messages can be
 * checked fragment by fragment and fail as soon as an impossible byte arrives (RFC 6455 §8.1).
 *
 * Rules, one row per state; a byte not listed moves to REJECT, which is final:
 * - ACCEPT (between characters): 00-7F stay; C2-DF need one continuation (TAIL1); E0 needs
 *   A0-BF next (no overlongs); E1-EC, EE-EF need two (TAIL2); ED needs 80-9F next (no
 *   surrogates); F0 needs 90-BF next (no overlongs); F1-F3 need three (TAIL3); F4 needs 80-8F
 *   next (nothing above U+10FFFF).
 * - TAIL3 -> TAIL2 -> TAIL1 -> ACCEPT on 80-BF.
 * - E0: A0-BF -> TAIL1. ED: 80-9F -> TAIL1. F0: 90-BF -> TAIL2. F4: 80-8F -> TAIL2.
 */

const ACCEPT = 0;
const TAIL1 = 1;
const TAIL2 = 2;
const TAIL3 = 3;
const AFTER_E0 = 4;
const AFTER_ED = 5;
const AFTER_F0 = 6;
const AFTER_F4 = 7;
const REJECT = 8;
const STATES = 9;

/** [state, first byte, last byte, next state]; everything else goes to REJECT. */
const RULES: readonly (readonly [number, number, number, number])[] = [
  [ACCEPT, 0x00, 0x7f, ACCEPT],
  [ACCEPT, 0xc2, 0xdf, TAIL1],
  [ACCEPT, 0xe0, 0xe0, AFTER_E0],
  [ACCEPT, 0xe1, 0xec, TAIL2],
  [ACCEPT, 0xed, 0xed, AFTER_ED],
  [ACCEPT, 0xee, 0xef, TAIL2],
  [ACCEPT, 0xf0, 0xf0, AFTER_F0],
  [ACCEPT, 0xf1, 0xf3, TAIL3],
  [ACCEPT, 0xf4, 0xf4, AFTER_F4],
  [TAIL1, 0x80, 0xbf, ACCEPT],
  [TAIL2, 0x80, 0xbf, TAIL1],
  [TAIL3, 0x80, 0xbf, TAIL2],
  [AFTER_E0, 0xa0, 0xbf, TAIL1],
  [AFTER_ED, 0x80, 0x9f, TAIL1],
  [AFTER_F0, 0x90, 0xbf, TAIL2],
  [AFTER_F4, 0x80, 0x8f, TAIL2],
];

/** TRANSITIONS[state * 256 + byte] is the next state. */
const TRANSITIONS: Uint8Array = (() => {
  const table = new Uint8Array(STATES * 256).fill(REJECT);
  for (const [state, first, last, next] of RULES) {
    for (let b = first; b <= last; b++) table[state * 256 + b] = next;
  }
  return table;
})();

export class Utf8Validator {
  #state = ACCEPT;

  /** Consumes more bytes; false once the input can no longer be valid UTF-8. */
  feed(bytes: Uint8Array): boolean {
    let s = this.#state;
    const n = bytes.length;
    let i = 0;
    while (i < n) {
      if (s === ACCEPT) {
        // ASCII runs skip the table.
        while (i < n && bytes[i] < 0x80) i++;
        if (i === n) break;
      }
      s = TRANSITIONS[(s << 8) | bytes[i++]];
      if (s === REJECT) break;
    }
    this.#state = s;
    return s !== REJECT;
  }

  /** True when the bytes so far end on a character boundary. */
  get complete(): boolean {
    return this.#state === ACCEPT;
  }

  /** True once an invalid byte was seen. */
  get failed(): boolean {
    return this.#state === REJECT;
  }

  reset(): void {
    this.#state = ACCEPT;
  }
}

/** True if `bytes` are complete, valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array): boolean {
  const v = new Utf8Validator();
  return v.feed(bytes) && v.complete;
}
