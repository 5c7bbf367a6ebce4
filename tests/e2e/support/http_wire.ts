/**
 * A small, independent HTTP/1 reader for the e2e tests (deliberately not the proxy's own
 * codecs): heads, Content-Length / chunked / close-delimited bodies and trailers.
 */
import { type BufferedConn, concat, UnexpectedEof } from "./buffered_conn.ts";

export type Fields = [string, string][];

export interface WireRequest {
  method: string;
  target: string;
  version: string;
  headers: Fields;
  body: Uint8Array;
  trailers: Fields;
  /** The body was sent with chunked framing. */
  chunked: boolean;
}

export interface WireResponse {
  version: string;
  status: number;
  reason: string;
  headers: Fields;
  body: Uint8Array;
  trailers: Fields;
  /** 1xx responses that came before this one. */
  interim: { status: number; reason: string; headers: Fields }[];
  /** The body ended early (stream closed before the framing said it was complete). */
  truncated: boolean;
}

export function header(fields: Fields, name: string): string | undefined {
  const lower = name.toLowerCase();
  return fields.find(([n]) => n.toLowerCase() === lower)?.[1];
}

export function bodyText(message: { body: Uint8Array }): string {
  return new TextDecoder().decode(message.body);
}

async function readFields(c: BufferedConn): Promise<Fields> {
  const fields: Fields = [];
  while (true) {
    const line = await c.readLine();
    if (line === null) throw new UnexpectedEof("stream ended inside a header block");
    if (line === "") return fields;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
    fields.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
}

async function readChunked(c: BufferedConn): Promise<{ body: Uint8Array; trailers: Fields }> {
  const parts: Uint8Array[] = [];
  while (true) {
    const line = await c.readLine();
    if (line === null) throw new UnexpectedEof("stream ended before a chunk size line");
    const size = parseInt(line.split(";")[0].trim(), 16);
    if (!Number.isFinite(size) || !/^[0-9a-fA-F]+$/.test(line.split(";")[0].trim())) {
      throw new Error(`bad chunk size line: ${JSON.stringify(line)}`);
    }
    if (size === 0) return { body: concat(parts), trailers: await readFields(c) };
    parts.push(await c.readExact(size));
    const end = await c.readLine();
    if (end !== "") throw new Error(`chunk not followed by CRLF: ${JSON.stringify(end)}`);
  }
}

function contentLength(fields: Fields): number | null {
  const value = header(fields, "content-length");
  if (value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`bad Content-Length: ${value}`);
  return n;
}

function isChunked(fields: Fields): boolean {
  const te = header(fields, "transfer-encoding");
  return te !== undefined && /chunked\s*$/i.test(te);
}

/** Reads one request; null if the peer closed cleanly before sending anything. */
export async function readRequest(c: BufferedConn): Promise<WireRequest | null> {
  const line = await c.readLine();
  if (line === null) return null;
  const m = /^(\S+) (\S+) (HTTP\/\d\.\d)$/.exec(line);
  if (m === null) throw new Error(`malformed request line: ${JSON.stringify(line)}`);
  const headers = await readFields(c);
  const request: WireRequest = {
    method: m[1],
    target: m[2],
    version: m[3],
    headers,
    body: new Uint8Array(0),
    trailers: [],
    chunked: false,
  };
  if (isChunked(headers)) {
    const { body, trailers } = await readChunked(c);
    Object.assign(request, { body, trailers, chunked: true });
  } else {
    const length = contentLength(headers);
    if (length !== null) request.body = await c.readExact(length);
  }
  return request;
}

export interface ReadResponseOptions {
  /** The request method (HEAD responses have no body). */
  method?: string;
  /** Return a truncated body instead of throwing when the stream ends early. */
  allowTruncated?: boolean;
}

/** Reads one response (after any 1xx responses). */
export async function readResponse(
  c: BufferedConn,
  options: ReadResponseOptions = {},
): Promise<WireResponse> {
  const interim: WireResponse["interim"] = [];
  while (true) {
    const line = await c.readLine();
    if (line === null) throw new UnexpectedEof("connection closed before a response");
    const m = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(line);
    if (m === null) throw new Error(`malformed status line: ${JSON.stringify(line)}`);
    const status = Number(m[2]);
    const reason = m[3] ?? "";
    const headers = await readFields(c);
    if (status >= 100 && status < 200 && status !== 101) {
      interim.push({ status, reason, headers });
      continue;
    }
    const response: WireResponse = {
      version: m[1],
      status,
      reason,
      headers,
      body: new Uint8Array(0),
      trailers: [],
      interim,
      truncated: false,
    };
    if (
      options.method === "HEAD" || status === 204 || status === 304 || status === 101 ||
      (options.method === "CONNECT" && status >= 200 && status < 300)
    ) {
      return response;
    }
    try {
      if (isChunked(headers)) {
        const { body, trailers } = await readChunked(c);
        Object.assign(response, { body, trailers });
      } else {
        const length = contentLength(headers);
        response.body = length === null ? await c.readToEnd() : await c.readExact(length);
      }
    } catch (e) {
      if (!(e instanceof UnexpectedEof) || !options.allowTruncated) throw e;
      response.truncated = true;
    }
    return response;
  }
}

/** A request in absolute form for an explicit proxy. */
export function proxyRequest(
  method: string,
  url: string,
  headers: Fields = [],
  body: string | null = null,
): string {
  const host = new URL(url).host;
  const lines = [`${method} ${url} HTTP/1.1`, `Host: ${host}`];
  for (const [n, v] of headers) lines.push(`${n}: ${v}`);
  if (body !== null) lines.push(`Content-Length: ${new TextEncoder().encode(body).length}`);
  return `${lines.join("\r\n")}\r\n\r\n${body ?? ""}`;
}
