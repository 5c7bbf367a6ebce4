/** Helpers for the WebSocket codec tests. */

import {
  WebSocketConnection,
  type WebSocketConnectionOptions,
} from "../../../codecs/websocket/connection.ts";
import type { WebSocketEvent } from "../../../codecs/websocket/events.ts";

import { concat, hex, splitAt } from "../../byte_helpers.ts";
export { concat, hex, splitAt };

export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
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
