/**
 * Classifies an IP address as loopback, private (RFC 1918, link-local, unique-local, CGNAT)
 * or global, as Python's `ipaddress` does for mitmproxy's block addon.
 */

export type AddressClass = "loopback" | "private" | "global";

export function classifyAddress(address: string): AddressClass {
  const v4 = parseIpv4(address.startsWith("::ffff:") ? address.slice(7) : address);
  if (v4 !== null) return classifyIpv4(v4);
  return classifyIpv6(address.toLowerCase());
}

function parseIpv4(text: string): number[] | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : NaN));
  return octets.every((o) => o >= 0 && o <= 255) ? octets : null;
}

function classifyIpv4([a, b]: number[]): AddressClass {
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
