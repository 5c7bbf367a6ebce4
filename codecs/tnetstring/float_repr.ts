/**
 * Python's `repr(float)`: the shortest digits that round-trip (the same digits JavaScript's
 * `Number#toString` picks), fixed notation while the decimal point sits in -4 < decpt <= 16,
 * else `d.ddde±XX` with at least two exponent digits; fixed notation always has a `.`.
 *
 * @example
 * ```ts
 * import { pythonFloatRepr } from "./float_repr.ts";
 * if (pythonFloatRepr(946681200) !== "946681200.0") throw new Error();
 * if (pythonFloatRepr(0.00001) !== "1e-05") throw new Error();
 * ```
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const [mantissa, expText] = Math.abs(x).toExponential().split("e");
  const digits = mantissa.replace(".", "");
  const exp = Number(expText);
  // dtoa's decpt: the value is 0.<digits> * 10**decpt.
  const decpt = exp + 1;
  if (decpt <= -4 || decpt > 16) {
    const m = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`;
    const e = String(Math.abs(exp)).padStart(2, "0");
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${e}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)$/;
const SPECIAL_RE = /^([+-]?)(inf|infinity|nan)$/i;

/** Python's `float(text)` for the forms a tnetstring float can take; null if invalid. */
export function parsePythonFloat(text: string): number | null {
  if (FLOAT_RE.test(text)) return Number(text);
  const m = SPECIAL_RE.exec(text);
  if (m === null) return null;
  if (m[2].toLowerCase() === "nan") return NaN;
  return m[1] === "-" ? -Infinity : Infinity;
}
