/**
 * permessage-deflate parameters and their negotiation (RFC 7692 §7.1).
 *
 * The client offers, the server picks one offer and answers with the "agreed parameters".
 * `server_*` parameters constrain what the server compresses, `client_*` what the client
 * compresses:
 * - `*_no_context_takeover`: that side resets its LZ77 window after every message.
 * - `*_max_window_bits` (8-15): that side's LZ77 window is at most 2^bits bytes.
 *   An offered `client_max_window_bits` without a value only says the client supports it.
 */

import {
  type ExtensionItem,
  formatExtensionHeader,
  parseExtensionHeader,
} from "./extension_header.ts";

export const PERMESSAGE_DEFLATE = "permessage-deflate";

/** Agreed parameters, the same for both ends (and for a proxy between them). */
export interface PerMessageDeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

/** How the sender in one direction compresses, and so how its receiver must decompress. */
export interface DeflateDirection {
  noContextTakeover: boolean;
  maxWindowBits: number;
}

/** A client's offer; `null` for parameters it left out. */
export interface PerMessageDeflateOffer {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | null;
  /** `true`: offered without a value, the server may pick one. */
  clientMaxWindowBits: number | true | null;
}

export const DEFAULT_PARAMS: Readonly<PerMessageDeflateParams> = Object.freeze({
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
});

/** The compressor settings of the client (for frames it sends) or of the server. */
export function senderSettings(
  params: PerMessageDeflateParams,
  sender: "client" | "server",
): DeflateDirection {
  return sender === "client"
    ? {
      noContextTakeover: params.clientNoContextTakeover,
      maxWindowBits: params.clientMaxWindowBits,
    }
    : {
      noContextTakeover: params.serverNoContextTakeover,
      maxWindowBits: params.serverMaxWindowBits,
    };
}

type Parsed<T> = T | { error: string };

const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

function windowBits(name: string, value: string | true): Parsed<number> {
  if (value === true || !WINDOW_BITS.test(value)) {
    return {
      error: `${PERMESSAGE_DEFLATE}: ${name} must be 8-15, got ${
        value === true ? "no value" : JSON.stringify(value)
      }`,
    };
  }
  return Number(value);
}

function noValue(name: string, value: string | true): { error: string } | null {
  return value === true
    ? null
    : { error: `${PERMESSAGE_DEFLATE}: ${name} takes no value, got ${JSON.stringify(value)}` };
}

/** Reads the parameters of one offer; unknown or repeated parameters make it invalid. */
export function parsePerMessageDeflateOffer(item: ExtensionItem): Parsed<PerMessageDeflateOffer> {
  const offer: PerMessageDeflateOffer = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: null,
    clientMaxWindowBits: null,
  };
  const seen = new Set<string>();
  for (const [name, value] of item.params) {
    if (seen.has(name)) return { error: `${PERMESSAGE_DEFLATE}: ${name} given twice` };
    seen.add(name);
    if (name === "server_no_context_takeover" || name === "client_no_context_takeover") {
      const bad = noValue(name, value);
      if (bad) return bad;
      if (name === "server_no_context_takeover") offer.serverNoContextTakeover = true;
      else offer.clientNoContextTakeover = true;
    } else if (name === "server_max_window_bits") {
      const bits = windowBits(name, value);
      if (typeof bits !== "number") return bits;
      offer.serverMaxWindowBits = bits;
    } else if (name === "client_max_window_bits") {
      if (value === true) {
        offer.clientMaxWindowBits = true;
      } else {
        const bits = windowBits(name, value);
        if (typeof bits !== "number") return bits;
        offer.clientMaxWindowBits = bits;
      }
    } else {
      return { error: `${PERMESSAGE_DEFLATE}: unknown parameter ${name}` };
    }
  }
  return offer;
}

/**
 * Reads a server's answer into the agreed parameters. With the client's `offer`, also checks
 * that the answer stays within it (RFC 7692 §7.1.1.2, §7.1.2.2).
 */
export function parsePerMessageDeflateResponse(
  item: ExtensionItem,
  offer?: PerMessageDeflateOffer,
): Parsed<PerMessageDeflateParams> {
  const parsed = parsePerMessageDeflateOffer(item);
  if ("error" in parsed) return parsed;
  if (parsed.clientMaxWindowBits === true) {
    return { error: `${PERMESSAGE_DEFLATE}: client_max_window_bits needs a value in a response` };
  }
  if (offer) {
    if (parsed.clientMaxWindowBits !== null && offer.clientMaxWindowBits === null) {
      return {
        error:
          `${PERMESSAGE_DEFLATE}: response limits client_max_window_bits, which the offer did not allow`,
      };
    }
    if (
      offer.serverMaxWindowBits !== null &&
      (parsed.serverMaxWindowBits === null ||
        parsed.serverMaxWindowBits > offer.serverMaxWindowBits)
    ) {
      return {
        error:
          `${PERMESSAGE_DEFLATE}: response server_max_window_bits exceeds the offered ${offer.serverMaxWindowBits}`,
      };
    }
    if (offer.serverNoContextTakeover && !parsed.serverNoContextTakeover) {
      return {
        error: `${PERMESSAGE_DEFLATE}: response drops the offered server_no_context_takeover`,
      };
    }
  }
  return {
    serverNoContextTakeover: parsed.serverNoContextTakeover,
    clientNoContextTakeover: parsed.clientNoContextTakeover,
    serverMaxWindowBits: parsed.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: parsed.clientMaxWindowBits ?? 15,
  };
}

/** A client offer as a header value, e.g. `permessage-deflate; client_max_window_bits`. */
export function formatPerMessageDeflateOffer(offer: Partial<PerMessageDeflateOffer> = {}): string {
  const item: ExtensionItem = { name: PERMESSAGE_DEFLATE, params: [] };
  if (offer.serverNoContextTakeover) item.params.push(["server_no_context_takeover", true]);
  if (offer.clientNoContextTakeover) item.params.push(["client_no_context_takeover", true]);
  if (offer.serverMaxWindowBits != null) {
    item.params.push(["server_max_window_bits", String(offer.serverMaxWindowBits)]);
  }
  const client = offer.clientMaxWindowBits === undefined ? true : offer.clientMaxWindowBits;
  if (client !== null) {
    item.params.push(["client_max_window_bits", client === true ? true : String(client)]);
  }
  return formatExtensionHeader([item]);
}

/** What a server is willing to do; unset fields accept whatever the client offers. */
export interface PerMessageDeflateServerOptions {
  serverNoContextTakeover?: boolean;
  clientNoContextTakeover?: boolean;
  serverMaxWindowBits?: number;
  /** Applied only when the client offered client_max_window_bits. */
  clientMaxWindowBits?: number;
}

/**
 * Server side: picks the first acceptable permessage-deflate offer from the request's
 * `Sec-WebSocket-Extensions` values. Null when none is acceptable (answer without the
 * extension); an error when the header cannot be parsed at all.
 */
export function negotiatePerMessageDeflate(
  requestExtensions: string | readonly string[],
  options: PerMessageDeflateServerOptions = {},
): { params: PerMessageDeflateParams; response: string } | null | { error: string } {
  const items = parseExtensionHeader(requestExtensions);
  if ("error" in items) return items;
  for (const item of items) {
    if (item.name !== PERMESSAGE_DEFLATE) continue;
    const offer = parsePerMessageDeflateOffer(item);
    if ("error" in offer) continue;
    const serverBits = Math.min(offer.serverMaxWindowBits ?? 15, options.serverMaxWindowBits ?? 15);
    const clientBits = offer.clientMaxWindowBits === null ? 15 : Math.min(
      offer.clientMaxWindowBits === true ? 15 : offer.clientMaxWindowBits,
      options.clientMaxWindowBits ?? 15,
    );
    const params: PerMessageDeflateParams = {
      serverNoContextTakeover: offer.serverNoContextTakeover || !!options.serverNoContextTakeover,
      clientNoContextTakeover: offer.clientNoContextTakeover || !!options.clientNoContextTakeover,
      serverMaxWindowBits: serverBits,
      clientMaxWindowBits: clientBits,
    };
    // A server_max_window_bits offer must be answered with a value (§7.1.2.1); a client limit
    // is stated only when it constrains the client.
    const answer: ExtensionItem = { name: PERMESSAGE_DEFLATE, params: [] };
    if (params.serverNoContextTakeover) answer.params.push(["server_no_context_takeover", true]);
    if (params.clientNoContextTakeover) answer.params.push(["client_no_context_takeover", true]);
    if (offer.serverMaxWindowBits !== null || serverBits < 15) {
      answer.params.push(["server_max_window_bits", String(serverBits)]);
    }
    if (offer.clientMaxWindowBits !== null && clientBits < 15) {
      answer.params.push(["client_max_window_bits", String(clientBits)]);
    }
    return { params, response: formatExtensionHeader([answer]) };
  }
  return null;
}
