/**
 * Our SETTINGS as the peer sees them: the acknowledged values plus those sent and not yet
 * acknowledged (RFC 9113 §6.5.3). Received frames are checked against the most permissive
 * of these (`effective`), since the peer may or may not have applied a pending change yet;
 * except the two limits that protect our resources (concurrent streams, header list size),
 * which hold from the moment they are sent, as in nghttp2, so a peer cannot flood us before
 * acknowledging them. Going over them costs the peer only a refused stream.
 */

import { DEFAULT_SETTINGS, type SettingEntry, type Settings, settingsDiff } from "./settings.ts";

export class LocalSettings {
  #acked: Settings = { ...DEFAULT_SETTINGS };
  /** Settings after each sent, unacknowledged SETTINGS frame, oldest first. */
  #pending: { settings: Settings; entries: SettingEntry[] }[] = [];
  #effective: Settings = { ...DEFAULT_SETTINGS };

  get acked(): Readonly<Settings> {
    return this.#acked;
  }

  get effective(): Readonly<Settings> {
    return this.#effective;
  }

  get pendingCount(): number {
    return this.#pending.length;
  }

  /** Records a SETTINGS frame to send with `wanted`; returns its entries. */
  send(wanted: Partial<Settings>): SettingEntry[] {
    const latest = this.#pending.at(-1)?.settings ?? this.#acked;
    const entries = settingsDiff(latest, wanted);
    const settings = { ...latest };
    for (const [key, value] of Object.entries(wanted) as [keyof Settings, never][]) {
      if (value !== undefined) settings[key] = value;
    }
    this.#pending.push({ settings, entries });
    this.#recompute();
    return entries;
  }

  /** The peer acknowledged the oldest pending SETTINGS; null when none was pending. */
  ack(): SettingEntry[] | null {
    const next = this.#pending.shift();
    if (!next) return null;
    this.#acked = next.settings;
    this.#recompute();
    return next.entries;
  }

  #recompute(): void {
    const e: Settings = { ...this.#acked };
    const latest = this.#pending.at(-1)?.settings ?? this.#acked;
    for (const { settings: p } of this.#pending) {
      e.headerTableSize = Math.max(e.headerTableSize, p.headerTableSize);
      e.enablePush ||= p.enablePush;
      e.initialWindowSize = Math.max(e.initialWindowSize, p.initialWindowSize);
      e.maxFrameSize = Math.max(e.maxFrameSize, p.maxFrameSize);
      e.enableConnectProtocol ||= p.enableConnectProtocol;
    }
    e.maxConcurrentStreams = latest.maxConcurrentStreams;
    e.maxHeaderListSize = latest.maxHeaderListSize;
    this.#effective = e;
  }
}
