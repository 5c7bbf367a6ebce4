/** Helpers for the HTTP/2 codec tests. */

import { H2Connection } from "../../../codecs/http2/connection.ts";
import type { H2ConnectionOptions } from "../../../codecs/http2/connection_options.ts";
import type { H2Event } from "../../../codecs/http2/events.ts";

import { concat, hex, splitAt } from "../../byte_helpers.ts";
export { concat, hex, splitAt };

export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
export const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A client and a server connection, initiated, with their SETTINGS exchanged. */
export function connectedPair(
  clientOptions: Partial<H2ConnectionOptions> = {},
  serverOptions: Partial<H2ConnectionOptions> = {},
): {
  client: H2Connection;
  server: H2Connection;
  clientEvents: H2Event[];
  serverEvents: H2Event[];
} {
  const client = new H2Connection({ ...clientOptions, role: "client" });
  const server = new H2Connection({ ...serverOptions, role: "server" });
  client.initiateConnection();
  server.initiateConnection();
  const { a: clientEvents, b: serverEvents } = pump(client, server);
  return { client, server, clientEvents, serverEvents };
}

/** Moves queued bytes both ways until neither side has anything to send. */
export function pump(a: H2Connection, b: H2Connection): { a: H2Event[]; b: H2Event[] } {
  const ea: H2Event[] = [];
  const eb: H2Event[] = [];
  for (let round = 0; round < 1000; round++) {
    const ab = a.dataToSend();
    const ba = b.dataToSend();
    if (ab.length === 0 && ba.length === 0) return { a: ea, b: eb };
    if (ab.length) eb.push(...b.receiveData(ab));
    if (ba.length) ea.push(...a.receiveData(ba));
  }
  throw new Error("pump did not settle");
}

export const REQUEST: [string, string][] = [
  [":method", "GET"],
  [":scheme", "https"],
  [":path", "/"],
  [":authority", "example.com"],
];

export const POST: [string, string][] = [
  [":method", "POST"],
  [":scheme", "https"],
  [":path", "/upload"],
  [":authority", "example.com"],
  ["content-type", "text/plain"],
];

export const OK: [string, string][] = [[":status", "200"], ["content-type", "text/plain"]];

export function types(events: readonly H2Event[]): string[] {
  return events.map((e) => e.type);
}
