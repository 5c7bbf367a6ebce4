/** Helpers for the WebSocket codec tests. */

import {
  WebSocketConnection,
  type WebSocketConnectionOptions,
} from "../../../codecs/websocket/connection.ts";
import type { WebSocketEvent } from "../../../codecs/websocket/events.ts";

export function hex(text: string): Uint8Array {
  const clean = text.replace(/0x/g, "").replace(/[^0-9a-f]/gi, "");
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Splits `bytes` at the given cut points (clamped, deduplicated, sorted). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.min(Math.max(c, 0), bytes.length)))]
    .sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  out.push(bytes.slice(prev));
  return out;
}

export const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
export const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

/** The masking key of RFC 6455 §5.7's examples. */
export const RFC_MASK = hex("37 fa 21 3d");

/** Deterministic masking keys: 4 bytes from a counter, so tests are reproducible. */
export function countingMaskKey(): () => Uint8Array {
  let n = 0x12345678;
  return () => {
    n = (Math.imul(n, 1103515245) + 12345) >>> 0;
    return new Uint8Array([n >>> 24, n >>> 16, n >>> 8, n]);
  };
}

export function client(options: Partial<WebSocketConnectionOptions> = {}): WebSocketConnection {
  return new WebSocketConnection({ role: "client", maskKey: countingMaskKey(), ...options });
}

export function server(options: Partial<WebSocketConnectionOptions> = {}): WebSocketConnection {
  return new WebSocketConnection({ role: "server", ...options });
}

/** Feeds each chunk in turn and collects all events. */
export function feedAll(
  conn: WebSocketConnection,
  chunks: readonly Uint8Array[],
): WebSocketEvent[] {
  return chunks.flatMap((c) => conn.receiveData(c));
}

/** The single ProtocolError in `events` (asserting it is the last event). */
export function protocolError(events: WebSocketEvent[]): { code: number; message: string } {
  const last = events.at(-1);
  if (!last || last.type !== "ProtocolError") {
    throw new Error(`expected a ProtocolError last, got ${JSON.stringify(events)}`);
  }
  return { code: last.code, message: last.message };
}
