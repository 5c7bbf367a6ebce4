import { strictEqual } from "node:assert/strict";
import { classifyAddress } from "../../../core/net/address_class.ts";

Deno.test("classifyAddress: loopback, private and global, v4 and v6", () => {
  const cases: [string, string][] = [
    ["127.0.0.1", "loopback"],
    ["127.9.9.9", "loopback"],
    ["::1", "loopback"],
    ["::ffff:127.0.0.1", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["172.31.255.255", "private"],
    ["192.168.1.1", "private"],
    ["169.254.1.1", "private"],
    ["100.64.0.1", "private"],
    ["fe80::1", "private"],
    ["fd12:3456::1", "private"],
    ["::ffff:192.168.0.5", "private"],
    ["8.8.8.8", "global"],
    ["172.32.0.1", "global"],
    ["2001:db8::1", "global"],
  ];
  for (const [address, expected] of cases) strictEqual(classifyAddress(address), expected, address);
});
