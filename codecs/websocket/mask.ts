/** Client-to-server masking (RFC 6455 §5.3): payload octet i is XORed with key octet i % 4. */

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Masks or unmasks `data` in place with the 4-byte `key`. */
export function applyMask(data: Uint8Array, key: Uint8Array): void {
  const n = data.length;
  let i = 0;
  if (n >= 32) {
    // Bytes up to the first 4-byte aligned address, then whole words: the key word is laid out
    // in memory like the data words it meets, so the XOR stays byte-wise on any endianness.
    const lead = (4 - (data.byteOffset & 3)) & 3;
    for (; i < lead; i++) data[i] ^= key[i & 3];
    const k0 = key[lead & 3], k1 = key[(lead + 1) & 3], k2 = key[(lead + 2) & 3];
    const k3 = key[(lead + 3) & 3];
    const k = LITTLE_ENDIAN
      ? (k0 | (k1 << 8) | (k2 << 16) | (k3 << 24)) >>> 0
      : ((k0 << 24) | (k1 << 16) | (k2 << 8) | k3) >>> 0;
    const words = (n - lead) >>> 2;
    const view = new Uint32Array(data.buffer, data.byteOffset + lead, words);
    for (let w = 0; w < words; w++) view[w] ^= k;
    i = lead + (words << 2);
  }
  for (; i < n; i++) data[i] ^= key[i & 3];
}
