/** Shared types and wire constants of the sans-io TLS ClientHello codec (RFC 8446, RFC 5246). */

/** A parsed ClientHello. Byte fields are views into `raw`, which the parser owns. */
export interface ClientHello {
  /** `legacy_version`, e.g. 0x0303 (TLS 1.2, also sent by TLS 1.3 clients). */
  legacyVersion: number;
  /** The 32 random bytes. */
  random: Uint8Array;
  /** `legacy_session_id` (0..32 bytes). */
  sessionId: Uint8Array;
  /** Cipher suite code points in the client's order (GREASE values included). */
  cipherSuites: number[];
  /** The first `host_name` of the server_name extension (ASCII), or null. */
  sni: string | null;
  /** Protocols of the ALPN extension in the client's order (latin1), empty when absent. */
  alpnProtocols: string[];
  /** Versions of the supported_versions extension, empty when absent. */
  supportedVersions: number[];
  /** All extensions in wire order as `[type, data]`. */
  extensions: [type: number, data: Uint8Array][];
  /** The whole handshake message: 4-byte handshake header plus body, without record headers. */
  raw: Uint8Array;
}

/**
 * Outcome of reading a ClientHello from the start of a connection.
 * - `incomplete`: all bytes so far are a valid prefix; feed more.
 * - `not_tls`: the bytes do not start a TLS handshake record (plain HTTP, SSLv2, ...).
 * - `error`: the bytes start like TLS but the records or the hello are malformed.
 * - `hello`: `length` is how many input bytes the records carrying the hello took, i.e. where
 *   the record after the one that completed the hello starts.
 */
export type ClientHelloResult =
  | { kind: "incomplete" }
  | { kind: "not_tls"; reason: string }
  | { kind: "error"; message: string }
  | { kind: "hello"; hello: ClientHello; length: number };

/** Bigger ClientHellos are refused (real ones are < 2 KiB, post-quantum ones < 8 KiB). */
export const MAX_CLIENT_HELLO_SIZE = 64 * 1024;
/** RFC 8446 §5.1: a TLSPlaintext fragment is at most 2^14 bytes. */
export const MAX_RECORD_FRAGMENT = 1 << 14;

export const RECORD_HEADER_SIZE = 5;
export const HANDSHAKE_HEADER_SIZE = 4;

export const CONTENT_TYPE_HANDSHAKE = 0x16;
export const HANDSHAKE_CLIENT_HELLO = 0x01;

export const EXT_SERVER_NAME = 0;
export const EXT_ALPN = 16;
export const EXT_SUPPORTED_VERSIONS = 43;

/** server_name `name_type` for DNS host names (RFC 6066 §3). */
export const SNI_HOST_NAME = 0;
