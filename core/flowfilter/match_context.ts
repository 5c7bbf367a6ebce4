/** The texts operators search, built lazily once per `match()` call: header blocks and decoded
 * bodies are shared by every operator of one filter (`~h a | ~h b` builds one block). Bytes
 * are searched as latin1 text (one char per byte), so arbitrary bytes match. */

import { latin1Decode, latin1Encode, utf8Encode } from "../../codecs/bytes.ts";
import { utf8DecodeSurrogateEscape } from "../flow/charset.ts";
import type { FilterableHeaders, FilterableMessage } from "./filterable.ts";
import { pythonStr } from "./python_repr.ts";

/** `bytes(headers)`: `Name: value\r\n` per field, original case and order. */
export function headerBlock(headers: FilterableHeaders): string {
  let out = "";
  for (const [name, value] of headers.fields) out += `${name}: ${value}\r\n`;
  return out;
}

/** The decoded body as latin1 text (raw if decoding fails), or null when there is none. */
export function bodyText(message: FilterableMessage): string | null {
  let content: Uint8Array | null;
  try {
    content = message.getContent(false);
  } catch {
    content = message.raw_content;
  }
  return content === null ? null : latin1Decode(content);
}

// deno-lint-ignore no-control-regex
const ASCII = /^[\x00-\x7f]*$/;
// deno-lint-ignore no-control-regex
const LATIN1 = /^[\x00-\xff]*$/;

/** A latin1 "bytes as text" string as Python sees the same bytes decoded as str (UTF-8 with
 * surrogateescape): URLs and hosts, whose str form `~u`/`~d` search. */
export function latin1ToText(s: string): string {
  if (ASCII.test(s) || !LATIN1.test(s)) return s;
  return utf8DecodeSurrogateEscape(latin1Encode(s));
}

/** A str as the bytes Python's `str.encode()` gives, in latin1 text form. */
export function textToLatin1(s: string): string {
  return ASCII.test(s) ? s : latin1Decode(utf8Encode(s));
}

/** `"\n".join(f"{k}: {v}" for k, v in metadata.items())`. */
export function metadataText(metadata: Readonly<Record<string, unknown>>): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(metadata)) lines.push(`${k}: ${pythonStr(v)}`);
  return lines.join("\n");
}

const UNSET = Symbol("unset");
type Lazy<T> = T | typeof UNSET;

/** Per-match cache of the texts of one HTTP flow's request and response. */
export class MatchContext {
  #requestHeaders: Lazy<string> = UNSET;
  #responseHeaders: Lazy<string> = UNSET;
  #requestBody: Lazy<string | null> = UNSET;
  #responseBody: Lazy<string | null> = UNSET;

  requestHeaders(message: FilterableMessage): string {
    if (this.#requestHeaders === UNSET) this.#requestHeaders = headerBlock(message.headers);
    return this.#requestHeaders;
  }

  responseHeaders(message: FilterableMessage): string {
    if (this.#responseHeaders === UNSET) this.#responseHeaders = headerBlock(message.headers);
    return this.#responseHeaders;
  }

  requestBody(message: FilterableMessage): string | null {
    if (this.#requestBody === UNSET) this.#requestBody = bodyText(message);
    return this.#requestBody;
  }

  responseBody(message: FilterableMessage): string | null {
    if (this.#responseBody === UNSET) this.#responseBody = bodyText(message);
    return this.#responseBody;
  }
}
