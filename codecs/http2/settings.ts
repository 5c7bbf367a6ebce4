/** SETTINGS parameters (RFC 9113 §6.5.2, RFC 8441 §3): identifiers, defaults, value checks. */

import { ErrorCode } from "./error_codes.ts";

export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
  ENABLE_CONNECT_PROTOCOL: 0x8,
} as const;

/** The settings this codec understands; unknown identifiers are ignored as RFC 9113 requires. */
export interface Settings {
  headerTableSize: number;
  enablePush: boolean;
  /** `Infinity` until the peer sets a limit. */
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  /** `Infinity` until the peer sets a limit (the setting is advisory). */
  maxHeaderListSize: number;
  enableConnectProtocol: boolean;
}

/** The values in force before any SETTINGS frame is exchanged. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  headerTableSize: 4096,
  enablePush: true,
  maxConcurrentStreams: Infinity,
  initialWindowSize: 65535,
  maxFrameSize: 16384,
  maxHeaderListSize: Infinity,
  enableConnectProtocol: false,
});

export const MAX_WINDOW_SIZE = 0x7fffffff;
export const MIN_MAX_FRAME_SIZE = 16384;
export const MAX_MAX_FRAME_SIZE = 0xffffff;

/** One entry of a SETTINGS frame as sent on the wire. */
export type SettingEntry = readonly [id: number, value: number];

export type SettingError = { error: string; code: number };

/**
 * Applies SETTINGS entries to a copy of `current`. Out-of-range values are connection errors
 * (RFC 9113 §6.5.2); unknown identifiers are ignored.
 */
export function applySettings(
  current: Readonly<Settings>,
  entries: readonly SettingEntry[],
): { settings: Settings; changed: SettingEntry[] } | SettingError {
  const next: Settings = { ...current };
  const changed: SettingEntry[] = [];
  for (const [id, value] of entries) {
    switch (id) {
      case SettingId.HEADER_TABLE_SIZE:
        next.headerTableSize = value;
        break;
      case SettingId.ENABLE_PUSH:
        if (value > 1) {
          return { error: `SETTINGS_ENABLE_PUSH must be 0 or 1, got ${value}`, code: PROTO };
        }
        next.enablePush = value === 1;
        break;
      case SettingId.MAX_CONCURRENT_STREAMS:
        next.maxConcurrentStreams = value;
        break;
      case SettingId.INITIAL_WINDOW_SIZE:
        if (value > MAX_WINDOW_SIZE) {
          return {
            error: `SETTINGS_INITIAL_WINDOW_SIZE ${value} exceeds 2^31-1`,
            code: ErrorCode.FLOW_CONTROL_ERROR,
          };
        }
        next.initialWindowSize = value;
        break;
      case SettingId.MAX_FRAME_SIZE:
        if (value < MIN_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
          return {
            error: `SETTINGS_MAX_FRAME_SIZE ${value} is outside [16384, 16777215]`,
            code: PROTO,
          };
        }
        next.maxFrameSize = value;
        break;
      case SettingId.MAX_HEADER_LIST_SIZE:
        next.maxHeaderListSize = value;
        break;
      case SettingId.ENABLE_CONNECT_PROTOCOL:
        if (value > 1) {
          return {
            error: `SETTINGS_ENABLE_CONNECT_PROTOCOL must be 0 or 1, got ${value}`,
            code: PROTO,
          };
        }
        if (current.enableConnectProtocol && value === 0) {
          return { error: "SETTINGS_ENABLE_CONNECT_PROTOCOL cannot go from 1 to 0", code: PROTO };
        }
        next.enableConnectProtocol = value === 1;
        break;
      default:
        continue;
    }
    changed.push([id, value]);
  }
  return { settings: next, changed };
}

const PROTO = ErrorCode.PROTOCOL_ERROR;

/** The entries needed to announce `wanted`, omitting values equal to `base`. */
export function settingsDiff(
  base: Readonly<Settings>,
  wanted: Partial<Settings>,
): SettingEntry[] {
  const out: SettingEntry[] = [];
  const add = (id: number, a: number, b: number | undefined) => {
    if (b !== undefined && b !== a && Number.isFinite(b)) out.push([id, b]);
  };
  add(SettingId.HEADER_TABLE_SIZE, base.headerTableSize, wanted.headerTableSize);
  if (wanted.enablePush !== undefined && wanted.enablePush !== base.enablePush) {
    out.push([SettingId.ENABLE_PUSH, wanted.enablePush ? 1 : 0]);
  }
  add(SettingId.MAX_CONCURRENT_STREAMS, base.maxConcurrentStreams, wanted.maxConcurrentStreams);
  add(SettingId.INITIAL_WINDOW_SIZE, base.initialWindowSize, wanted.initialWindowSize);
  add(SettingId.MAX_FRAME_SIZE, base.maxFrameSize, wanted.maxFrameSize);
  add(SettingId.MAX_HEADER_LIST_SIZE, base.maxHeaderListSize, wanted.maxHeaderListSize);
  if (
    wanted.enableConnectProtocol !== undefined &&
    wanted.enableConnectProtocol !== base.enableConnectProtocol
  ) {
    out.push([SettingId.ENABLE_CONNECT_PROTOCOL, wanted.enableConnectProtocol ? 1 : 0]);
  }
  return out;
}
