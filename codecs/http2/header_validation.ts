/**
 * HTTP/2 field checks (RFC 9113 §8.2, §8.3): lowercase names of valid characters, values
 * without NUL/CR/LF or surrounding whitespace, no connection-specific fields, `te` only
 * "trailers", pseudo-header fields first, once each, and the right set for requests,
 * responses and trailers. A failure makes the message malformed: a stream PROTOCOL_ERROR.
 */

export type HeaderList = [name: string, value: string][];

/** Fields that belong to one HTTP/1 connection and are forbidden in HTTP/2 (§8.2.2). */
export const CONNECTION_SPECIFIC: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
]);

const REQUEST_PSEUDO: ReadonlySet<string> = new Set([
  ":method",
  ":scheme",
  ":authority",
  ":path",
  ":protocol",
]);

/** Name octets allowed after the optional leading colon: no controls, space, uppercase,
 * DEL or non-ASCII (§8.2.1), and none of the HTTP delimiters a token excludes. */
const NAME_OK: Uint8Array = (() => {
  const ok = new Uint8Array(256);
  const tchar = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz";
  for (let i = 0; i < tchar.length; i++) ok[tchar.charCodeAt(i)] = 1;
  return ok;
})();

function nameError(name: string): string | null {
  if (name.length === 0) return "empty field name";
  const start = name.charCodeAt(0) === 0x3a ? 1 : 0;
  if (start === 1 && name.length === 1) return "field name ':' is empty";
  for (let i = start; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0xff || !NAME_OK[c]) {
      if (c >= 0x41 && c <= 0x5a) return `field name ${JSON.stringify(name)} has uppercase`;
      return `field name ${JSON.stringify(name)} has invalid character 0x${c.toString(16)}`;
    }
  }
  return null;
}

function valueError(name: string, value: string): string | null {
  const n = value.length;
  if (n === 0) return null;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 1);
  if (first === 0x20 || first === 0x09 || last === 0x20 || last === 0x09) {
    return `value of ${name} starts or ends with whitespace`;
  }
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === 0 || c === 0x0a || c === 0x0d) {
      return `value of ${name} contains ${c === 0 ? "NUL" : c === 0x0a ? "LF" : "CR"}`;
    }
  }
  return null;
}

/** Checks regular (non-pseudo) fields from `start`; returns content-length or -1. */
function regularFields(headers: HeaderList, start: number): number | { error: string } {
  let contentLength = -1;
  for (let i = start; i < headers.length; i++) {
    const [name, value] = headers[i];
    if (name.charCodeAt(0) === 0x3a) {
      return { error: `pseudo-header field ${name} after regular fields` };
    }
    const bad = nameError(name) ?? valueError(name, value);
    if (bad) return { error: bad };
    if (CONNECTION_SPECIFIC.has(name)) {
      return { error: `connection-specific field ${name} is not allowed in HTTP/2` };
    }
    if (name === "te" && value !== "trailers") {
      return { error: `te must be "trailers", got ${JSON.stringify(value)}` };
    }
    if (name === "content-length") {
      const n = parseContentLength(value);
      if (n < 0 || (contentLength >= 0 && n !== contentLength)) {
        return { error: `invalid content-length ${JSON.stringify(value)}` };
      }
      contentLength = n;
    }
  }
  return contentLength;
}

/** "42" or "42, 42" as 42; -1 when invalid or inconsistent. */
function parseContentLength(value: string): number {
  let result = -1;
  for (const part of value.split(",")) {
    const t = part.trim();
    if (!/^[0-9]{1,15}$/.test(t)) return -1;
    const n = Number(t);
    if (result >= 0 && n !== result) return -1;
    result = n;
  }
  return result;
}

/** Collects leading pseudo-header fields; checks names, values and duplicates. */
function pseudoFields(
  headers: HeaderList,
): { pseudo: Map<string, string>; end: number } | { error: string } {
  const pseudo = new Map<string, string>();
  let i = 0;
  for (; i < headers.length; i++) {
    const [name, value] = headers[i];
    if (name.charCodeAt(0) !== 0x3a) break;
    const bad = nameError(name) ?? valueError(name, value);
    if (bad) return { error: bad };
    if (pseudo.has(name)) return { error: `duplicate pseudo-header field ${name}` };
    pseudo.set(name, value);
  }
  return { pseudo, end: i };
}

export interface RequestInfo {
  method: string;
  /** -1 when absent. */
  contentLength: number;
}

/** Checks a request header list (§8.3.1); `:protocol` needs extended CONNECT (RFC 8441). */
export function validateRequest(
  headers: HeaderList,
  allowProtocol: boolean,
): RequestInfo | { error: string } {
  const p = pseudoFields(headers);
  if ("error" in p) return p;
  const { pseudo } = p;
  for (const name of pseudo.keys()) {
    if (!REQUEST_PSEUDO.has(name) || (name === ":protocol" && !allowProtocol)) {
      return { error: `pseudo-header field ${name} is not allowed in a request` };
    }
  }
  const method = pseudo.get(":method");
  if (!method) return { error: "request without :method" };
  const protocol = pseudo.has(":protocol");
  if (protocol && method !== "CONNECT") return { error: ":protocol requires CONNECT" };
  if (method === "CONNECT" && !protocol) {
    if (!pseudo.get(":authority")) return { error: "CONNECT request without :authority" };
    if (pseudo.has(":scheme") || pseudo.has(":path")) {
      return { error: "CONNECT request with :scheme or :path" };
    }
  } else {
    if (!pseudo.get(":scheme")) return { error: "request without :scheme" };
    if (!pseudo.get(":path")) return { error: "request without :path (or with an empty one)" };
  }
  const contentLength = regularFields(headers, p.end);
  if (typeof contentLength !== "number") return contentLength;
  return { method, contentLength };
}

export interface ResponseInfo {
  status: number;
  contentLength: number;
}

/** Checks a response header list (§8.3.2); 101 does not exist in HTTP/2 (§8.6). */
export function validateResponse(headers: HeaderList): ResponseInfo | { error: string } {
  const p = pseudoFields(headers);
  if ("error" in p) return p;
  for (const name of p.pseudo.keys()) {
    if (name !== ":status") {
      return { error: `pseudo-header field ${name} is not allowed in a response` };
    }
  }
  const status = p.pseudo.get(":status");
  if (status === undefined) return { error: "response without :status" };
  if (!/^[1-5][0-9][0-9]$/.test(status)) return { error: `invalid :status ${status}` };
  if (status === "101") return { error: "status 101 is not allowed in HTTP/2" };
  const contentLength = regularFields(headers, p.end);
  if (typeof contentLength !== "number") return contentLength;
  return { status: Number(status), contentLength };
}

/** Checks a trailer section: regular fields only (§8.1). */
export function validateTrailers(headers: HeaderList): { error: string } | null {
  const r = regularFields(headers, 0);
  return typeof r === "number" ? null : r;
}
