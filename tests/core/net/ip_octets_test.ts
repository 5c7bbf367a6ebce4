import assert from "node:assert/strict";
import { ipAddressOctets } from "../../../core/net/ip_octets.ts";

Deno.test("ipAddressOctets: IPv4, IPv6 with ::, IPv4 tails; junk rejected", () => {
  const hex = (s: string) =>
    Array.from(ipAddressOctets(s), (b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(hex("10.0.0.1"), "0a000001");
  assert.equal(hex("255.255.255.255"), "ffffffff");
  assert.equal(hex("::"), "0".repeat(32));
  assert.equal(hex("::1"), "0".repeat(30) + "01");
  assert.equal(hex("2001:db8::1"), "20010db8" + "0".repeat(22) + "01");
  assert.equal(hex("fe80::"), "fe80" + "0".repeat(28));
  assert.equal(hex("1:2:3:4:5:6:7:8"), "00010002000300040005000600070008");
  assert.equal(hex("::ffff:1.2.3.4"), "0".repeat(20) + "ffff01020304");
  assert.equal(hex("1:2:3:4:5:6:1.2.3.4"), "000100020003000400050006" + "01020304");
  for (
    const bad of [
      "",
      "1.2.3",
      "1.2.3.256",
      "1.2.3.4.5",
      "a.b.c.d",
      ":::",
      "1::2::3",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4::5:6:7:8",
      "12345::",
      "1.2.3.4::",
      "g::1",
    ]
  ) {
    assert.throws(() => ipAddressOctets(bad), RangeError, bad);
  }
});
