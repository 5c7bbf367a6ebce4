/** Builders for synthetic ClientHellos and record framings used by the TLS codec tests. */

import { concatBytes, latin1Encode } from "../../../codecs/bytes.ts";

export function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

export function u24(n: number): number[] {
  return [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

export function extension(type: number, data: Uint8Array | number[]): Uint8Array {
  const body = data instanceof Uint8Array ? data : Uint8Array.from(data);
  return concatBytes([Uint8Array.from([...u16(type), ...u16(body.length)]), body]);
}

export function sniExtension(name: string): Uint8Array {
  const host = latin1Encode(name);
  const entry = [0, ...u16(host.length), ...host];
  return extension(0, [...u16(entry.length), ...entry]);
}

export function alpnExtension(protocols: string[]): Uint8Array {
  const list = protocols.flatMap((p) => [p.length, ...latin1Encode(p)]);
  return extension(16, [...u16(list.length), ...list]);
}

export interface HelloSpec {
  legacyVersion?: number;
  sessionId?: number[];
  cipherSuites?: number[];
  compression?: number[];
  /** Encoded extensions; `null` leaves out the extensions block entirely. */
  extensions?: Uint8Array[] | null;
}

/** A ClientHello handshake message (4-byte header + body). */
export function helloMessage(spec: HelloSpec = {}): Uint8Array {
  const suites = spec.cipherSuites ?? [0x1301, 0xc02f];
  const sessionId = spec.sessionId ?? [];
  const compression = spec.compression ?? [0];
  const parts: Uint8Array[] = [
    Uint8Array.from(u16(spec.legacyVersion ?? 0x0303)),
    new Uint8Array(32).fill(0xab),
    Uint8Array.from([sessionId.length, ...sessionId]),
    Uint8Array.from([...u16(suites.length * 2), ...suites.flatMap(u16)]),
    Uint8Array.from([compression.length, ...compression]),
  ];
  if (spec.extensions !== null) {
    const exts = concatBytes(spec.extensions ?? [sniExtension("example.com")]);
    parts.push(Uint8Array.from(u16(exts.length)), exts);
  }
  const body = concatBytes(parts);
  return concatBytes([Uint8Array.from([1, ...u24(body.length)]), body]);
}

/** Wraps handshake bytes in handshake records whose fragments have the given sizes (the last
 * size repeats until everything is framed). */
export function inRecords(handshake: Uint8Array, sizes: number[] = [1 << 14]): Uint8Array {
  const out: Uint8Array[] = [];
  let at = 0;
  let i = 0;
  while (at < handshake.length) {
    const size = Math.max(1, sizes[Math.min(i++, sizes.length - 1)]);
    const fragment = handshake.subarray(at, at + size);
    out.push(Uint8Array.from([0x16, 0x03, 0x01, ...u16(fragment.length)]), fragment);
    at += fragment.length;
  }
  return concatBytes(out);
}

/** Splits `bytes` at sorted, deduplicated cut points. */
export function splitAt(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
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

export function hexOf(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
