/**
 * Subject alternative names as mitmproxy builds them (`tlsconfig._ip_or_dns_name`): IP literals
 * become IPAddress entries, everything else an IDNA-encoded (punycode, lowercase) DNSName.
 */

import { isIP } from "node:net";
import { domainToASCII } from "node:url";

export interface SanName {
  type: "dns" | "ip";
  /** Canonical text: lowercase A-label for DNS, normalised address for IP. */
  value: string;
}

const PLAIN_ASCII_NAME = /^[\x21-\x7e]+$/;

/** Classifies and normalises one host name or address; null if it can't be a SAN. */
export function toSanName(text: string): SanName | null {
  const bracketed = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  // A zone id ("fe80::1%eth0") is local to the proxy host; certificates carry the address only.
  const bare = bracketed.replace(/%.*$/, "");
  const version = isIP(bare);
  if (version === 4) return { type: "ip", value: bare };
  if (version === 6) return { type: "ip", value: canonicalIpv6(bare) };
  if (text === "") return null;
  const ascii = domainToASCII(text);
  if (PLAIN_ASCII_NAME.test(ascii)) return { type: "dns", value: ascii };
  // WHATWG rejects some names IDNA 2003 (mitmproxy's codec) allows; keep plain ASCII as-is.
  return PLAIN_ASCII_NAME.test(text) ? { type: "dns", value: text.toLowerCase() } : null;
}

function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}

/**
 * The names under which a certificate for `name` may be stored (`CertStore.asterisk_forms`):
 * `www.example.com` → `www.example.com`, `*.example.com`, `*.com`. IPs only match exactly.
 */
export function asteriskForms(name: SanName): string[] {
  if (name.type === "ip") return [name.value];
  const parts = name.value.split(".");
  const forms = [name.value];
  for (let i = 1; i < parts.length; i++) forms.push("*." + parts.slice(i).join("."));
  return forms;
}

/** De-duplicates by (type, value), keeping the first occurrence. */
export function dedupeSans(names: readonly SanName[]): SanName[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    const key = `${n.type}:${n.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
