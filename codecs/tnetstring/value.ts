/**
 * Values of mitmproxy's tnetstring dialect, and the codec's error.
 *
 * Tags: `,` bytes (`Uint8Array`) · `;` UTF-8 str (`string`) · `#` int and `^` float (both
 * `number`) · `!` bool · `~` null · `]` list · `}` dict (plain object; keys are `;` strings,
 * old files also use `,` byte keys, read as UTF-8).
 */

export type TnetValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | TnetValue[]
  | { [key: string]: TnetValue };

/** A malformed or truncated tnetstring. `offset` is the absolute byte offset of the problem. */
export class TnetstringError extends Error {
  override name = "TnetstringError";

  constructor(
    /** What was wrong, without the offset. */
    readonly problem: string,
    readonly offset: number,
    /** The input ended inside a value (more data could have completed it). */
    readonly truncated = false,
  ) {
    super(`invalid tnetstring at byte ${offset}: ${problem}`);
  }
}

/** Sets `obj[key]` without letting a `__proto__` key change the object's prototype. */
export function setKey(obj: { [key: string]: TnetValue }, key: string, value: TnetValue): void {
  if (key === "__proto__") {
    Object.defineProperty(obj, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}
