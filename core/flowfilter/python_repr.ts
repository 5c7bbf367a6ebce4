/** Python's `str()`/`repr()` of flow metadata values, so `~meta` sees the same text as in
 * mitmproxy: `{"c": {"key": "value"}}` is the line `c: {'key': 'value'}`. */

const PRINTABLE_EXCEPT_SPACE = /[\p{C}\p{Z}]/u;

function hexEscape(cp: number): string {
  if (cp <= 0xff) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\U${cp.toString(16).padStart(8, "0")}`;
}

function quoteFor(hasSingle: boolean, hasDouble: boolean): string {
  return hasSingle && !hasDouble ? '"' : "'";
}

/** `repr(s)` for a Python str. */
export function reprStr(s: string): string {
  const q = quoteFor(s.includes("'"), s.includes('"'));
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === "\\" || ch === q) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch !== " " && PRINTABLE_EXCEPT_SPACE.test(ch)) out += hexEscape(cp);
    else out += ch;
  }
  return out + q;
}

/** `repr(b)` for Python bytes. */
export function reprBytes(b: Uint8Array): string {
  const q = quoteFor(b.includes(0x27), b.includes(0x22));
  let out = `b${q}`;
  for (const byte of b) {
    const ch = String.fromCharCode(byte);
    if (ch === "\\" || ch === q) out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (byte < 0x20 || byte >= 0x7f) out += hexEscape(byte);
    else out += ch;
  }
  return out + q;
}

function reprNumber(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  return String(n);
}

/** `repr(value)` for the JS form of a Python value (None, bool, int/float, str, bytes, list,
 * dict). */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return reprNumber(value);
  if (typeof value === "bigint") return String(value);
  if (typeof value === "string") return reprStr(value);
  if (value instanceof Uint8Array) return reprBytes(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(", ")}]`;
  if (typeof value === "object") {
    const items = Object.entries(value).map(([k, v]) => `${reprStr(k)}: ${pythonRepr(v)}`);
    return `{${items.join(", ")}}`;
  }
  return String(value);
}

/** `str(value)`: strings as they are, everything else as its repr. */
export function pythonStr(value: unknown): string {
  return typeof value === "string" ? value : pythonRepr(value);
}
