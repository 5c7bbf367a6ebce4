/**
 * Python `requests` export (not in mitmproxy; users asked for it):
 *
 * ```python
 * import requests
 *
 * response = requests.request(
 *     "POST",
 *     "http://example.com/path",
 *     headers={
 *         "content-type": "application/json",
 *     },
 *     data="{\"a\": 1}",
 * )
 * ```
 *
 * Bytes stay exact: http.client encodes `str` headers and bodies as latin-1, so
 * - an ASCII body is a `str`, other UTF-8 text is `"...".encode()`, anything else a bytes
 *   literal `b"\x00..."`;
 * - an ASCII header value is a `str`, a UTF-8 one `"...".encode()` (requests sends bytes
 *   values as they are), anything else a `str` whose `\xNN` escapes are the latin-1 bytes.
 * Headers are folded and cleaned as for fetch (`libraryHeaders`); a dict has one value per
 * name. The URL has its non-ASCII bytes percent-encoded so requests does not re-encode them.
 */

import type { Flow } from "../flow/flow.ts";
import { cleanupRequest, libraryHeaders, popHeaders } from "./flow_parts.ts";
import { asciiUrl, isPasteSafe, latin1AsUtf8, utf8OrNull } from "./text.ts";

const NAMED: Readonly<Record<string, string>> = {
  "\\": "\\\\",
  '"': '\\"',
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, "0");
}

/** A Python `str` literal. Non-printable characters get `\xNN`/`\uNNNN` escapes; with
 * `asciiOnly`, so does every non-ASCII character. */
export function pyString(s: string, asciiOnly = false): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch in NAMED) out += NAMED[ch];
    else if (cp >= 0x20 && cp < 0x7f) out += ch;
    else if (cp <= 0x9f || (asciiOnly && cp <= 0xff)) out += "\\x" + hex2(cp);
    else if (asciiOnly || !isPasteSafe(ch) || (cp >= 0xd800 && cp <= 0xdfff)) {
      out += cp > 0xffff ? "\\U" + cp.toString(16).padStart(8, "0") : "\\u" + hex4(cp);
    } else out += ch;
  }
  return out + '"';
}

/** A Python `bytes` literal. */
export function pyBytes(bytes: Uint8Array): string {
  let out = 'b"';
  for (const b of bytes) {
    const ch = String.fromCharCode(b);
    if (ch in NAMED) out += NAMED[ch];
    else if (b >= 0x20 && b < 0x7f) out += ch;
    else out += "\\x" + hex2(b);
  }
  return out + '"';
}

// deno-lint-ignore no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

function pyHeaderValue(latin1: string): string {
  if (ASCII.test(latin1)) return pyString(latin1);
  const text = latin1AsUtf8(latin1);
  if (text !== null && isPasteSafe(text)) return `${pyString(text)}.encode()`;
  return pyString(latin1, true);
}

function pyBody(body: Uint8Array): string {
  const text = utf8OrNull(body);
  if (text === null) return pyBytes(body);
  return ASCII.test(text) ? pyString(text) : `${pyString(text)}.encode()`;
}

export function pythonRequestsSnippet(flow: Flow): string {
  const request = cleanupRequest(flow, "python-requests");
  popHeaders(request); // before pretty_url, as for curl
  const lines = [
    "import requests",
    "",
    "response = requests.request(",
    `    ${pyString(request.method, true)},`,
    `    ${pyString(asciiUrl(request.pretty_url), true)},`,
  ];
  const headers = libraryHeaders(request);
  if (headers.length > 0) {
    lines.push("    headers={");
    for (const [name, value] of headers) {
      lines.push(`        ${pyString(name, true)}: ${pyHeaderValue(value)},`);
    }
    lines.push("    },");
  }
  const body = request.raw_content;
  if (body !== null && body.length > 0) lines.push(`    data=${pyBody(body)},`);
  lines.push(")");
  return lines.join("\n");
}
