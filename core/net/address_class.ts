/**
 * Classifies an IP address as loopback, private (RFC 1918, link-local, unique-local, CGNAT)
 * or global, as Python's `ipaddress` does for mitmproxy's block addon.
 */

import { ipv4Octets } from "./ip_octets.ts";

export type AddressClass = "loopback" | "private" | "global";

export function classifyAddress(address: string): AddressClass {
  const v4 = ipv4Octets(address.startsWith("::ffff:") ? address.slice(7) : address);
  if (v4 !== null) return classifyIpv4(v4);
  return classifyIpv6(address.toLowerCase());
}

function classifyIpv4([a, b]: Uint8Array): AddressClass {
  if (a === 127) return "loopback";
  if (
    a === 10 || a === 0 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a >= 240
  ) {
    return "private";
  }
  return "global";
}

function classifyIpv6(address: string): AddressClass {
  if (address === "::1") return "loopback";
  if (address === "::" || address.startsWith("fe80:") || /^f[cd][0-9a-f]{2}:/.test(address)) {
    return "private";
  }
  return "global";
}
