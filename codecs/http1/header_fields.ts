/** Parsing of a header (or trailer) section: `name: value` lines up to a blank line. */

import { CR, findBadValueChar, HT, quote, SP, TCHAR } from "./chars.ts";
import type { HeaderFields, Http1Limits, ParseError } from "./types.ts";

/**
 * Parses the header lines of latin1 `text` starting at `pos` up to the blank line that ends the
 * section (or the end of text). Lines end in CRLF or bare LF. Names must be tokens directly
 * followed by ":"; values are trimmed of OWS and may not contain CTLs; obs-fold is rejected.
 * `what` names the section in error messages ("header" / "trailer"); `checkValues` may be false
 * when the caller already knows the text has no forbidden bytes (see `decodeHead`).
 */
export function parseHeaderFields(
  text: string,
  pos: number,
  limits: Http1Limits,
  what: string,
  checkValues = true,
): HeaderFields | ParseError {
  const headers: HeaderFields = [];
  const len = text.length;
  while (pos < len) {
    const nl = text.indexOf("\n", pos);
    const next = nl < 0 ? len : nl + 1;
    let end = nl < 0 ? len : nl;
    if (end > pos && text.charCodeAt(end - 1) === CR) end--;
    if (end === pos) {
      if (next < len) {
        return bad(`Unexpected data after the ${what} section: ${quote(text.slice(next))}`);
      }
      break;
    }
    const first = text.charCodeAt(pos);
    if (first === SP || first === HT) {
      return bad(`Obsolete line folding in ${what} section: ${quote(text.slice(pos, end))}`);
    }
    let i = pos;
    while (i < end && TCHAR[text.charCodeAt(i)] === 1) i++;
    const c = i < end ? text.charCodeAt(i) : -1;
    if (c !== 0x3a || i === pos) {
      return bad(
        `${headerLineProblem(i === pos, c)} in ${what} line: ${quote(text.slice(pos, end))}`,
      );
    }
    const name = text.slice(pos, i);
    let vs = i + 1;
    let ve = end;
    while (vs < ve && isOws(text.charCodeAt(vs))) vs++;
    while (ve > vs && isOws(text.charCodeAt(ve - 1))) ve--;
    if (checkValues && findBadValueChar(text, vs, ve) >= 0) {
      return bad(`Invalid character in ${what} value: ${quote(text.slice(pos, end))}`);
    }
    headers.push([name, text.slice(vs, ve)]);
    if (headers.length > limits.maxHeaderCount) {
      return { error: `Too many ${what} fields (more than ${limits.maxHeaderCount})`, status: 431 };
    }
    pos = next;
  }
  return headers;
}

function headerLineProblem(emptyName: boolean, c: number): string {
  if (c === -1) return "Missing colon";
  if (emptyName && c === 0x3a) return "Empty field name";
  if (c === SP || c === HT) return "Whitespace before colon";
  if (c === CR) return "Bare CR";
  return "Invalid character in field name";
}

function isOws(c: number): boolean {
  return c === SP || c === HT;
}

function bad(error: string): ParseError {
  return { error, status: 400 };
}
