/** IP address text to network-order octets (what certificates and address checks compare). */

/** The 4 or 16 network-order octets of an IPv4 or IPv6 address; throws on anything else. */
export function ipAddressOctets(text: string): Uint8Array<ArrayBuffer> {
  const octets = text.includes(":") ? ipv6Octets(text) : ipv4Octets(text);
  if (octets === null) throw new RangeError(`"${text}" is not an IPv4 or IPv6 address`);
  return octets;
}

/** The four octets of a dotted-quad IPv4 address, or null. */
export function ipv4Octets(text: string): Uint8Array<ArrayBuffer> | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (const [i, part] of parts.entries()) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    out[i] = Number(part);
  }
  return out;
}

/** RFC 4291 §2.2 text: eight hex groups, one `::` for a run of zeros, a dotted IPv4 tail. */
function ipv6Octets(text: string): Uint8Array<ArrayBuffer> | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const head = ipv6Words(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? ipv6Words(halves[1], true) : [];
  if (head === null || tail === null) return null;
  const zeros = 8 - head.length - tail.length;
  if (halves.length === 2 ? zeros < 1 : zeros !== 0) return null;
  const words = [...head, ...new Array<number>(zeros).fill(0), ...tail];
  const out = new Uint8Array(16);
  for (const [i, word] of words.entries()) {
    out[2 * i] = word >> 8;
    out[2 * i + 1] = word & 0xff;
  }
  return out;
}

/** The 16-bit words of colon-separated hex groups; a dotted IPv4 last group counts as two. */
function ipv6Words(text: string, ipv4Last: boolean): number[] | null {
  if (text === "") return [];
  const groups = text.split(":");
  const words: number[] = [];
  for (const [i, group] of groups.entries()) {
    if (ipv4Last && i === groups.length - 1 && group.includes(".")) {
      const v4 = ipv4Octets(group);
      if (v4 === null) return null;
      words.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      words.push(parseInt(group, 16));
    } else {
      return null;
    }
  }
  return words;
}
