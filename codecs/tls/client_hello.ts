/**
 * Reads the TLS ClientHello at the start of a connection, so the proxy can pick a certificate
 * (SNI) and protocol (ALPN) before handing the same bytes to the TLS engine.
 *
 * ```ts
 * let seen = new Uint8Array(0);
 * // on every read: seen = concat(seen, chunk); then
 * const r = parseClientHello(seen);
 * if (r.kind === "hello") console.log(r.hello.sni, r.hello.alpnProtocols);
 * ```
 * Callers that read in small pieces should keep a `ClientHelloReader` instead, which never
 * rescans what it has seen.
 */

import { ClientHelloReader, looksLikeTls } from "./client_hello_reader.ts";
import type { ClientHello, ClientHelloResult } from "./types.ts";

export { ClientHelloReader, looksLikeTls };
export type { ClientHello, ClientHelloResult };

/** Parses a ClientHello from all bytes received so far; never throws. */
export function parseClientHello(data: Uint8Array): ClientHelloResult {
  return new ClientHelloReader().feed(data);
}
