/**
 * Parses one ClientHello handshake message (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2):
 *
 *   handshake header   type(1) = 1, length(3)
 *   legacy_version     2
 *   random             32
 *   legacy_session_id  <0..32>       (1-byte length)
 *   cipher_suites      <2..2^16-2>   (2-byte length, even)
 *   compression        <1..2^8-1>    (1-byte length)
 *   extensions         <0..2^16-1>   (2-byte length; absent in SSLv3-era hellos)
 *
 * Every length is checked against the bytes that enclose it before anything is read, so the
 * reads that follow never run past the buffer. Errors are values naming the bad field.
 */

import { latin1Decode } from "../bytes.ts";
import {
  type ClientHello,
  EXT_ALPN,
  EXT_SERVER_NAME,
  EXT_SUPPORTED_VERSIONS,
  HANDSHAKE_CLIENT_HELLO,
  HANDSHAKE_HEADER_SIZE,
  SNI_HOST_NAME,
} from "./types.ts";

export type ClientHelloBodyResult = { hello: ClientHello } | { error: string };

const RANDOM_SIZE = 32;
const MAX_SESSION_ID = 32;

function u16(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

/** Parses a complete handshake message (header included); `raw` is kept as `hello.raw`. */
export function parseClientHelloMessage(raw: Uint8Array): ClientHelloBodyResult {
  if (raw.length < HANDSHAKE_HEADER_SIZE) return { error: "Handshake message header truncated" };
  if (raw[0] !== HANDSHAKE_CLIENT_HELLO) {
    return { error: `Expected a ClientHello (handshake type 1), got handshake type ${raw[0]}` };
  }
  const end = HANDSHAKE_HEADER_SIZE + ((raw[1] << 16) | (raw[2] << 8) | raw[3]);
  if (end !== raw.length) {
    return { error: `ClientHello length ${end - 4} does not match ${raw.length - 4} bytes given` };
  }
  let at = HANDSHAKE_HEADER_SIZE;
  const fixed = 2 + RANDOM_SIZE + 1;
  if (end - at < fixed) return { error: "ClientHello too short for version and random" };
  const legacyVersion = u16(raw, at);
  const random = raw.subarray(at + 2, at + 2 + RANDOM_SIZE);
  at += 2 + RANDOM_SIZE;

  const sessionIdLength = raw[at++];
  if (sessionIdLength > MAX_SESSION_ID) {
    return { error: `ClientHello session id too long (${sessionIdLength} > 32 bytes)` };
  }
  if (end - at < sessionIdLength + 2) return { error: "ClientHello session id truncated" };
  const sessionId = raw.subarray(at, at + sessionIdLength);
  at += sessionIdLength;

  const suitesLength = u16(raw, at);
  at += 2;
  if (suitesLength < 2 || suitesLength % 2 !== 0) {
    return { error: `ClientHello cipher_suites length ${suitesLength} is not even and >= 2` };
  }
  if (end - at < suitesLength + 1) return { error: "ClientHello cipher_suites truncated" };
  const cipherSuites: number[] = [];
  for (let i = at; i < at + suitesLength; i += 2) cipherSuites.push(u16(raw, i));
  at += suitesLength;

  const compressionLength = raw[at++];
  if (compressionLength < 1) return { error: "ClientHello offers no compression method" };
  if (end - at < compressionLength) return { error: "ClientHello compression_methods truncated" };
  at += compressionLength;

  const hello: ClientHello = {
    legacyVersion,
    random,
    sessionId,
    cipherSuites,
    sni: null,
    alpnProtocols: [],
    supportedVersions: [],
    extensions: [],
    raw,
  };
  if (at === end) return { hello };

  if (end - at < 2) return { error: "ClientHello extensions length truncated" };
  const extensionsEnd = at + 2 + u16(raw, at);
  at += 2;
  if (extensionsEnd !== end) {
    return {
      error: `ClientHello extensions length ${extensionsEnd - at} does not match the ${
        end - at
      } bytes left`,
    };
  }
  const seen = new Set<number>();
  while (at < end) {
    if (end - at < 4) return { error: "ClientHello extension header truncated" };
    const type = u16(raw, at);
    const length = u16(raw, at + 2);
    at += 4;
    if (end - at < length) return { error: `ClientHello extension ${type} truncated` };
    if (seen.has(type)) return { error: `ClientHello repeats extension ${type}` };
    seen.add(type);
    const data = raw.subarray(at, at + length);
    at += length;
    hello.extensions.push([type, data]);
    const problem = readKnownExtension(hello, type, data);
    if (problem !== null) return { error: problem };
  }
  return { hello };
}

/** Fills the convenience fields from the extensions we understand; returns an error or null. */
function readKnownExtension(hello: ClientHello, type: number, data: Uint8Array): string | null {
  if (type === EXT_SERVER_NAME) return readServerName(hello, data);
  if (type === EXT_ALPN) return readAlpn(hello, data);
  if (type === EXT_SUPPORTED_VERSIONS) return readSupportedVersions(hello, data);
  return null;
}

function readServerName(hello: ClientHello, data: Uint8Array): string | null {
  // An empty server_name extension is what servers echo back; tolerate it from clients too.
  if (data.length === 0) return null;
  if (data.length < 2 || u16(data, 0) !== data.length - 2) {
    return "server_name extension list length does not match its data";
  }
  let at = 2;
  while (at < data.length) {
    if (data.length - at < 3) return "server_name entry truncated";
    const nameType = data[at];
    const length = u16(data, at + 1);
    at += 3;
    if (data.length - at < length) return "server_name entry truncated";
    const name = data.subarray(at, at + length);
    at += length;
    if (nameType !== SNI_HOST_NAME || hello.sni !== null) continue;
    if (length === 0) return "server_name host_name is empty";
    for (const c of name) {
      if (c <= 0x20 || c >= 0x7f) return `server_name host_name has a non-ASCII byte 0x${hex(c)}`;
    }
    hello.sni = latin1Decode(name);
  }
  return null;
}

function readAlpn(hello: ClientHello, data: Uint8Array): string | null {
  if (data.length < 2 || u16(data, 0) !== data.length - 2) {
    return "ALPN extension list length does not match its data";
  }
  let at = 2;
  while (at < data.length) {
    const length = data[at++];
    if (length === 0) return "ALPN protocol name is empty";
    if (data.length - at < length) return "ALPN protocol name truncated";
    hello.alpnProtocols.push(latin1Decode(data.subarray(at, at + length)));
    at += length;
  }
  return null;
}

function readSupportedVersions(hello: ClientHello, data: Uint8Array): string | null {
  if (data.length < 1 || data[0] !== data.length - 1 || data[0] % 2 !== 0) {
    return "supported_versions extension length does not match its data";
  }
  for (let at = 1; at < data.length; at += 2) hello.supportedVersions.push(u16(data, at));
  return null;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}
