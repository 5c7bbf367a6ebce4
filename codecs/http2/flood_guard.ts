/**
 * Counts frames that cost us work but carry no request or response data (the 2019 HTTP/2
 * DoS family: ping, settings, reset and empty-frame floods; the 2023 "rapid reset").
 *
 * The codec has no clock, so a window is a number of received frames: counts start over
 * every `windowFrames` frames, and whenever the owner calls `resetWindow()` (a layer with a
 * clock can do that every few seconds to make the window a time window).
 */

export interface FloodLimits {
  /** Frames per window; 0 means the window ends only on `resetWindow()`. */
  windowFrames: number;
  /** SETTINGS frames (not ACKs) per window. */
  settings: number;
  /** PING frames (not ACKs) per window. */
  pings: number;
  /** RST_STREAM frames per window. */
  resets: number;
  /** DATA frames with no payload and no END_STREAM per window. */
  emptyData: number;
}

export const DEFAULT_FLOOD_LIMITS: Readonly<FloodLimits> = Object.freeze({
  windowFrames: 10_000,
  settings: 100,
  pings: 500,
  resets: 1000,
  emptyData: 500,
});

export type FloodKind = "settings" | "pings" | "resets" | "emptyData";

const LABEL: Record<FloodKind, string> = {
  settings: "SETTINGS frames",
  pings: "PING frames",
  resets: "RST_STREAM frames",
  emptyData: "empty DATA frames",
};

export class FloodGuard {
  readonly #limits: FloodLimits;
  #frames = 0;
  #counts: Record<FloodKind, number> = { settings: 0, pings: 0, resets: 0, emptyData: 0 };

  constructor(limits: Partial<FloodLimits> = {}) {
    this.#limits = { ...DEFAULT_FLOOD_LIMITS, ...limits };
  }

  /** Notes one received frame, starting a new window when this one is full. */
  frame(): void {
    if (this.#limits.windowFrames > 0 && ++this.#frames > this.#limits.windowFrames) {
      this.resetWindow();
      this.#frames = 1;
    }
  }

  /** Counts one frame of `kind`; returns a reason when the limit is passed. */
  count(kind: FloodKind): string | null {
    const n = ++this.#counts[kind];
    if (n <= this.#limits[kind]) return null;
    return `flood: more than ${this.#limits[kind]} ${LABEL[kind]} in a window`;
  }

  resetWindow(): void {
    this.#frames = 0;
    this.#counts = { settings: 0, pings: 0, resets: 0, emptyData: 0 };
  }
}
