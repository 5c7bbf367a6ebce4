/** Options of `H2Connection` and their defaults. */

import type { FloodLimits } from "./flood_guard.ts";
import type { HuffmanMode } from "./hpack/encoder.ts";
import { MAX_WINDOW_SIZE, type Settings } from "./settings.ts";

export type Role = "client" | "server";

export interface H2ConnectionOptions {
  role: Role;
  /**
   * SETTINGS we announce, over the defaults below. Like mitmproxy we open the receive windows
   * wide (2^31-1 per stream and, via WINDOW_UPDATE, for the connection) and take frames of up
   * to 128 KiB, so peers are never throttled by us; lower them for backpressure.
   */
  settings?: Partial<Settings>;
  /** Connection-level receive window set with WINDOW_UPDATE at start (default 2^31-1). */
  connectionWindow?: number;
  /** Check received header lists (RFC 9113 §8.2-8.3); default true. */
  validateInboundHeaders?: boolean;
  /** Check header lists we send and throw on mistakes; default true. */
  validateOutboundHeaders?: boolean;
  /** Largest compressed header block (HEADERS + CONTINUATION) accepted, in octets. */
  maxHeaderBlockSize?: number;
  /** Most CONTINUATION frames in one header block (the 2024 CONTINUATION flood). */
  maxContinuationFrames?: number;
  /** How many closed stream ids to remember for telling late frames from bogus ones. */
  closedStreamsRemembered?: number;
  flood?: Partial<FloodLimits>;
  /** Huffman coding of header strings we send (default "auto": when shorter). */
  huffman?: HuffmanMode;
  /** Upper bound on our HPACK encoder's dynamic table (default 4096). */
  maxEncoderTableSize?: number;
}

export const DEFAULT_LOCAL_SETTINGS: Readonly<Partial<Settings>> = Object.freeze({
  maxConcurrentStreams: 100,
  initialWindowSize: MAX_WINDOW_SIZE,
  maxFrameSize: 1 << 17,
  maxHeaderListSize: 256 * 1024,
});

export interface ResolvedOptions {
  role: Role;
  settings: Partial<Settings>;
  connectionWindow: number;
  validateInbound: boolean;
  validateOutbound: boolean;
  maxHeaderBlockSize: number;
  maxContinuationFrames: number;
  closedStreamsRemembered: number;
  flood: Partial<FloodLimits>;
  huffman: HuffmanMode;
  maxEncoderTableSize: number;
}

export function resolveOptions(options: H2ConnectionOptions): ResolvedOptions {
  const settings: Partial<Settings> = { ...DEFAULT_LOCAL_SETTINGS, ...options.settings };
  // Clients refuse server push unless asked; servers must not send ENABLE_PUSH at all.
  if (options.role === "client") settings.enablePush ??= false;
  else delete settings.enablePush;
  const listSize = settings.maxHeaderListSize ?? Infinity;
  const connectionWindow = options.connectionWindow ?? MAX_WINDOW_SIZE;
  if (!(connectionWindow >= 65535 && connectionWindow <= MAX_WINDOW_SIZE)) {
    throw new RangeError(`connectionWindow must be 65535..2^31-1, got ${connectionWindow}`);
  }
  return {
    role: options.role,
    settings,
    connectionWindow,
    validateInbound: options.validateInboundHeaders ?? true,
    validateOutbound: options.validateOutboundHeaders ?? true,
    maxHeaderBlockSize: options.maxHeaderBlockSize ??
      (Number.isFinite(listSize) ? Math.max(16384, listSize) : 256 * 1024),
    maxContinuationFrames: options.maxContinuationFrames ?? 32,
    closedStreamsRemembered: options.closedStreamsRemembered ?? 256,
    flood: options.flood ?? {},
    huffman: options.huffman ?? "auto",
    maxEncoderTableSize: options.maxEncoderTableSize ?? 4096,
  };
}
