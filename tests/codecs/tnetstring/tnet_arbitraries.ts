/** fast-check arbitraries for tnetstring values (shared by the codec tests). */
import fc from "fast-check";
import type { TnetValue } from "../../../codecs/tnetstring/value.ts";

/** Values that survive encode -> decode unchanged (no -0, which Python ints cannot hold). */
export const tnetValue: fc.Arbitrary<TnetValue> = fc.letrec<{ value: TnetValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.double().filter((x) => !Object.is(x, -0)),
    fc.string({ unit: "grapheme" }),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string(), tie("value"), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

/** Splits `bytes` at the given cut points (any numbers; used modulo the length). */
export function chunked(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    if (p > prev) out.push(bytes.subarray(prev, p));
    prev = Math.max(prev, p);
  }
  return out;
}

export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
export const text = (b: Uint8Array): string => new TextDecoder().decode(b);
