/** Serialization of HTTP/1 heads and chunked framing. Heads are built as one latin1 string and
 * encoded once; header fields are written exactly as given (order, case, duplicates). Heads
 * are views into `SEND_ARENA`: write them and let them go (copy one to keep it). */

import { SEND_ARENA } from "../byte_arena.ts";
import { latin1Encode } from "../bytes.ts";
import { EMPTY_BYTES, type HeaderFields } from "./types.ts";

/** `method SP target SP version CRLF`, header lines, CRLF. */
export function assembleRequestHead(
  method: string,
  target: string,
  httpVersion: string,
  headers: HeaderFields,
): Uint8Array {
  return latin1Encode(
    method + " " + target + " " + httpVersion + "\r\n" + headerLines(headers),
    SEND_ARENA,
  );
}

/** `version SP status SP reason CRLF`, header lines, CRLF. */
export function assembleResponseHead(
  httpVersion: string,
  statusCode: number,
  reason: string,
  headers: HeaderFields,
): Uint8Array {
  return latin1Encode(
    httpVersion + " " + statusCode + " " + reason + "\r\n" + headerLines(headers),
    SEND_ARENA,
  );
}

/** Header lines followed by the blank line that ends the section. */
function headerLines(headers: HeaderFields): string {
  let s = "";
  for (let i = 0; i < headers.length; i++) s += headers[i][0] + ": " + headers[i][1] + "\r\n";
  return s + "\r\n";
}

/** One chunk: hex size CRLF data CRLF. Empty data gives an empty array, since a zero-size chunk
 * would end the body. */
export function encodeChunk(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n === 0) return EMPTY_BYTES;
  const size = n.toString(16);
  const out = new Uint8Array(size.length + n + 4);
  for (let i = 0; i < size.length; i++) out[i] = size.charCodeAt(i);
  let p = size.length;
  out[p++] = 0x0d;
  out[p++] = 0x0a;
  out.set(data, p);
  p += n;
  out[p++] = 0x0d;
  out[p] = 0x0a;
  return out;
}

const LAST_CHUNK = latin1Encode("0\r\n\r\n");

/** The last chunk ("0" CRLF), optional trailer fields, CRLF. */
export function encodeLastChunk(trailers?: HeaderFields): Uint8Array {
  if (!trailers || trailers.length === 0) return LAST_CHUNK.slice();
  return latin1Encode("0\r\n" + headerLines(trailers));
}
