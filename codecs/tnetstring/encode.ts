/**
 * tnetstring writer, byte-compatible with mitmproxy's `tnetstring.dumps`: dict items come out
 * in REVERSE insertion order (mitmproxy builds the output back to front), list items in
 * order, dict keys as `;` strings, strings as UTF-8 `;`, byte arrays as `,`.
 *
 * JavaScript has one number type, Python two. A number is written as a float (`^`, Python
 * `repr`) when it is a `Float`, when it is not integral (or NaN/±Infinity), or when the
 * `isFloat` rule says so for its path; otherwise as an int (`#`).
 *
 * @example
 * ```ts
 * import { encode, Float } from "./encode.ts";
 * const out = new TextDecoder().decode(encode({ a: 1, b: new Float(2) }));
 * if (out !== "18:1:b;3:2.0^1:a;1:1#}") throw new Error(out);
 * ```
 */
import { pythonFloatRepr } from "./float_repr.ts";

/** A number that is written as a float even when it is integral. */
export class Float {
  constructor(readonly value: number) {}
}

export type EncodableValue =
  | null
  | boolean
  | number
  | Float
  | string
  | Uint8Array
  | readonly EncodableValue[]
  | { readonly [key: string]: EncodableValue };

/** Where a number sits: dict keys and list indexes from the root. */
export type ValuePath = readonly (string | number)[];

export interface EncodeOptions {
  /** Decides int vs float for integral numbers (default: int). */
  isFloat?: (path: ValuePath, value: number) => boolean;
}

const UTF8 = new TextEncoder();

/** Output pieces pushed last-first; strings are ASCII. */
class ReverseBuilder {
  parts: (string | Uint8Array)[] = [];
  size = 0;

  push(part: string | Uint8Array): void {
    this.parts.push(part);
    this.size += part.length;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let pos = this.size;
    for (const part of this.parts) {
      pos -= part.length;
      if (typeof part === "string") {
        for (let i = 0; i < part.length; i++) out[pos + i] = part.charCodeAt(i);
      } else {
        out.set(part, pos);
      }
    }
    return out;
  }
}

function intRepr(n: number): string {
  return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
}

/** Encodes one value as a tnetstring. Throws TypeError for values it cannot represent. */
export function encode(value: EncodableValue, options: EncodeOptions = {}): Uint8Array {
  const b = new ReverseBuilder();
  const path: (string | number)[] = [];
  const isFloat = options.isFloat;

  const scalar = (text: string, tag: string): void => {
    b.push(`${text.length}:${text}${tag}`);
  };

  const dump = (v: EncodableValue): void => {
    if (v === null) return b.push("0:~");
    if (v === true) return b.push("4:true!");
    if (v === false) return b.push("5:false!");
    if (typeof v === "number") {
      if (!Number.isInteger(v) || (isFloat !== undefined && isFloat(path, v))) {
        return scalar(pythonFloatRepr(v), "^");
      }
      return scalar(intRepr(v), "#");
    }
    if (v instanceof Float) return scalar(pythonFloatRepr(v.value), "^");
    if (typeof v === "string") return blob(UTF8.encode(v), ";");
    if (v instanceof Uint8Array) return blob(v, ",");
    if (Array.isArray(v)) {
      const list = v as readonly EncodableValue[];
      b.push("]");
      const start = b.size;
      for (let i = list.length - 1; i >= 0; i--) {
        path.push(i);
        dump(list[i]);
        path.pop();
      }
      return b.push(`${b.size - start}:`);
    }
    if (typeof v === "object") {
      const dict = v as { readonly [key: string]: EncodableValue };
      b.push("}");
      const start = b.size;
      for (const key of Object.keys(dict)) {
        path.push(key);
        dump(dict[key]);
        path.pop();
        blob(UTF8.encode(key), ";");
      }
      return b.push(`${b.size - start}:`);
    }
    throw new TypeError(`cannot encode ${typeof v} as a tnetstring`);
  };

  const blob = (data: Uint8Array, tag: string): void => {
    b.push(tag);
    b.push(data);
    b.push(`${data.length}:`);
  };

  dump(value);
  return b.finish();
}
