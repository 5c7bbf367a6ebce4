/**
 * Checks on the HTTP/1.1 upgrade handshake (RFC 6455 §4) and the extensions it agreed to, for
 * servers, clients and a proxy that sees both halves. Headers are `[name, value]` pairs as
 * the HTTP codecs produce them; names compare case-insensitively, and repeated headers
 * count as one comma-separated list.
 */

import { createHash } from "node:crypto";
import { parseExtensionHeader } from "./extension_header.ts";
import {
  type DeflateDirection,
  parsePerMessageDeflateOffer,
  parsePerMessageDeflateResponse,
  PERMESSAGE_DEFLATE,
  type PerMessageDeflateOffer,
  type PerMessageDeflateParams,
  senderSettings,
} from "./permessage_deflate.ts";

/** Appended to the client's key before hashing (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export type HeaderPairs = readonly (readonly [name: string, value: string])[];

/** The Sec-WebSocket-Accept value for a Sec-WebSocket-Key: base64(SHA-1(key + GUID)). */
export function acceptKey(secWebSocketKey: string): string {
  return createHash("sha1").update(secWebSocketKey + WEBSOCKET_GUID, "latin1").digest("base64");
}

function values(headers: HeaderPairs, name: string): string[] {
  const out: string[] = [];
  for (const [k, v] of headers) if (k.toLowerCase() === name) out.push(v);
  return out;
}

/** Comma-separated elements of all `name` headers, trimmed and lowercased. */
function tokens(headers: HeaderPairs, name: string): string[] {
  return values(headers, name).flatMap((v) => v.split(",")).map((t) => t.trim().toLowerCase())
    .filter((t) => t !== "");
}

function single(headers: HeaderPairs, name: string): string | null {
  const found = values(headers, name);
  return found.length === 1 ? found[0].trim() : null;
}

/**
 * True for a request asking to upgrade to WebSocket: `Connection: upgrade`,
 * `Upgrade: websocket` and one Sec-WebSocket-Key. The version is not checked, so a proxy
 * passes other versions on for the server to refuse.
 */
export function isWebSocketUpgrade(requestHeaders: HeaderPairs): boolean {
  return tokens(requestHeaders, "connection").includes("upgrade") &&
    tokens(requestHeaders, "upgrade").includes("websocket") &&
    !!single(requestHeaders, "sec-websocket-key");
}

/**
 * Why a response does not complete the handshake of `requestHeaders` (RFC 6455 §4.1, the
 * client's checks), or null when it does: status 101, `Upgrade: websocket`,
 * `Connection: upgrade`, the right Sec-WebSocket-Accept, and only extensions and a
 * subprotocol that the request offered.
 */
export function webSocketAcceptError(
  requestHeaders: HeaderPairs,
  responseHeaders: HeaderPairs,
  statusCode: number,
): string | null {
  if (statusCode !== 101) return `status ${statusCode} is not 101 Switching Protocols`;
  if (!tokens(responseHeaders, "upgrade").includes("websocket")) {
    return "response lacks Upgrade: websocket";
  }
  if (!tokens(responseHeaders, "connection").includes("upgrade")) {
    return "response lacks Connection: upgrade";
  }
  const key = single(requestHeaders, "sec-websocket-key");
  if (!key) return "request has no single Sec-WebSocket-Key";
  const accept = single(responseHeaders, "sec-websocket-accept");
  const expected = acceptKey(key);
  if (accept !== expected) {
    return `Sec-WebSocket-Accept is ${JSON.stringify(accept)}, expected ${
      JSON.stringify(expected)
    }`;
  }
  const offered = parseExtensionHeader(values(requestHeaders, "sec-websocket-extensions"));
  const agreed = parseExtensionHeader(values(responseHeaders, "sec-websocket-extensions"));
  if ("error" in agreed) return agreed.error;
  for (const item of agreed) {
    if ("error" in offered || !offered.some((o) => o.name === item.name)) {
      return `response agrees to extension ${item.name}, which the request did not offer`;
    }
  }
  const protocol = values(responseHeaders, "sec-websocket-protocol");
  if (protocol.length > 0) {
    const chosen = protocol.join(",").trim();
    if (!tokens(requestHeaders, "sec-websocket-protocol").includes(chosen.toLowerCase())) {
      return `response picks subprotocol ${
        JSON.stringify(chosen)
      }, which the request did not offer`;
    }
  }
  return null;
}

export function isWebSocketAccept(
  requestHeaders: HeaderPairs,
  responseHeaders: HeaderPairs,
  statusCode: number,
): boolean {
  return webSocketAcceptError(requestHeaders, responseHeaders, statusCode) === null;
}

/** Extension settings as a proxy decoding both directions needs them. */
export interface NegotiatedExtensions {
  /** The agreed parameters: pass `{ permessageDeflate }` as both connections' `extensions`. */
  permessageDeflate: PerMessageDeflateParams | null;
  /** How the client compresses: what frames from the client are inflated with. */
  clientToServer: DeflateDirection | null;
  /** How the server compresses: what frames from the server are inflated with. */
  serverToClient: DeflateDirection | null;
}

/**
 * Reads the extensions a handshake response agreed to. Errors name extensions this codec
 * cannot decode (their frames would be unreadable) and malformed or, given the request,
 * unoffered parameters.
 */
export function negotiatedExtensions(
  responseHeaders: HeaderPairs,
  requestHeaders?: HeaderPairs,
): NegotiatedExtensions | { error: string } {
  const agreed = parseExtensionHeader(values(responseHeaders, "sec-websocket-extensions"));
  if ("error" in agreed) return agreed;
  let offers: PerMessageDeflateOffer[] | null = null;
  if (requestHeaders) {
    const offered = parseExtensionHeader(values(requestHeaders, "sec-websocket-extensions"));
    if ("error" in offered) return offered;
    offers = [];
    for (const item of offered) {
      if (item.name !== PERMESSAGE_DEFLATE) continue;
      const offer = parsePerMessageDeflateOffer(item);
      if (!("error" in offer)) offers.push(offer);
    }
  }
  let params: PerMessageDeflateParams | null = null;
  for (const item of agreed) {
    if (item.name !== PERMESSAGE_DEFLATE) {
      return { error: `extension ${item.name} is not supported: its frames cannot be decoded` };
    }
    if (params) return { error: `${PERMESSAGE_DEFLATE} agreed to twice` };
    if (offers !== null && offers.length === 0) {
      return { error: `response agrees to ${PERMESSAGE_DEFLATE}, which the request did not offer` };
    }
    // Any one offer the answer fits is enough: the server answers one of them.
    let parsed: PerMessageDeflateParams | { error: string } = { error: "" };
    for (const offer of offers ?? [undefined]) {
      parsed = parsePerMessageDeflateResponse(item, offer);
      if (!("error" in parsed)) break;
    }
    if ("error" in parsed) return parsed;
    params = parsed;
  }
  return {
    permessageDeflate: params,
    clientToServer: params && senderSettings(params, "client"),
    serverToClient: params && senderSettings(params, "server"),
  };
}
