/** Cookie and Set-Cookie header parsing/formatting (mitmproxy `net/http/cookies.py`). */

import { MultiDict } from "./multidict.ts";

/** Set-Cookie attributes; case-insensitive keys, `null` for flags like `HttpOnly`. */
export class CookieAttrs extends MultiDict<string | null> {
  constructor(fields: Iterable<readonly [string, string | null]> = []) {
    super(fields, true);
  }
}

/** `[name, value, attrs]` of one Set-Cookie cookie. */
export type SetCookie = [name: string, value: string | null, attrs: CookieAttrs];

function readUntil(s: string, start: number, term: string): [string, number] {
  let i = start;
  while (i < s.length && !term.includes(s[i])) i++;
  return [s.slice(start, i), i];
}

function readQuoted(s: string, start: number): [string, number] {
  let out = "";
  let escaping = false;
  let i = start + 1;
  for (; i < s.length; i++) {
    const c = s[i];
    if (escaping) {
      out += c;
      escaping = false;
    } else if (c === '"') break;
    else if (c === "\\") escaping = true;
    else out += c;
  }
  return [out, i + 1];
}

function readValue(s: string, start: number, term: string): [string, number] {
  if (start >= s.length) return ["", start];
  return s[start] === '"' ? readQuoted(s, start) : readUntil(s, start, term);
}

/** Pairs of one Cookie header (`a=1; b="2"`). */
export function parseCookieHeader(line: string): [string, string][] {
  const pairs: [string, string][] = [];
  let off = 0;
  for (;;) {
    let lhs: string;
    [lhs, off] = readUntil(line, off, ";=");
    lhs = lhs.trimStart();
    let rhs = "";
    if (off < line.length && line[off] === "=") [rhs, off] = readValue(line, off + 1, ";");
    if (lhs || rhs) pairs.push([lhs, rhs]);
    off++;
    if (off >= line.length) break;
  }
  return pairs;
}

export function parseCookieHeaders(lines: Iterable<string>): [string, string][] {
  const out: [string, string][] = [];
  for (const l of lines) out.push(...parseCookieHeader(l));
  return out;
}

/** Cookies of one Set-Cookie header; a comma may separate several cookies. */
export function parseSetCookieHeader(line: string): SetCookie[] {
  const cookies: [string, string | null][][] = [];
  let pairs: [string, string | null][] = [];
  let off = 0;
  for (;;) {
    let lhs: string;
    [lhs, off] = readUntil(line, off, ";=,");
    lhs = lhs.trimStart();
    if (off < line.length && line[off] === "=") {
      let rhs: string;
      [rhs, off] = readValue(line, off + 1, ";,");
      // Expires values contain a comma ("Wed, 21 Oct ..."): read on past it.
      if (lhs.toLowerCase() === "expires" && rhs.length <= 3) {
        let trail: string;
        [trail, off] = readValue(line, off + 1, ";,");
        rhs = `${rhs},${trail}`;
      }
      pairs.push([lhs, rhs]);
    } else if (lhs) {
      pairs.push([lhs, null]);
    }
    if (off < line.length && line[off] === ",") {
      cookies.push(pairs);
      pairs = [];
    }
    off++;
    if (off >= line.length) break;
  }
  if (pairs.length || !cookies.length) cookies.push(pairs);
  const out: SetCookie[] = [];
  for (const p of cookies) {
    if (p.length) out.push([p[0][0], p[0][1], new CookieAttrs(p.slice(1))]);
  }
  return out;
}

export function parseSetCookieHeaders(lines: Iterable<string>): SetCookie[] {
  const out: SetCookie[] = [];
  for (const l of lines) out.push(...parseSetCookieHeader(l));
  return out;
}

function hasSpecial(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x21 || c > 0x7e || c === 0x22 || c === 0x2c || c === 0x3b || c === 0x5c) {
      return true;
    }
  }
  return false;
}

function formatPairs(pairs: Iterable<readonly [string, string | null]>): string {
  const vals: string[] = [];
  for (const [k, v] of pairs) {
    if (v === null) vals.push(k);
    else if (hasSpecial(v)) vals.push(`${k}="${v.replace(/(["\\])/g, "\\$1")}"`);
    else vals.push(`${k}=${v}`);
  }
  return vals.join("; ");
}

export function formatCookieHeader(pairs: Iterable<readonly [string, string]>): string {
  return formatPairs(pairs);
}

export function formatSetCookieHeader(cookies: Iterable<SetCookie>): string {
  const out: string[] = [];
  for (const [name, value, attrs] of cookies) {
    out.push(formatPairs([[name, value], ...attrs.fields]));
  }
  return out.join(", ");
}
