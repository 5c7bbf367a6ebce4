import assert from "node:assert/strict";
import { asteriskForms, dedupeSans, toSanName } from "../../../core/certs/san.ts";

Deno.test("toSanName: IPs (v4, v6 canonical, bracketed, zone dropped) and IDNA DNS names", () => {
  assert.deepEqual(toSanName("127.0.0.1"), { type: "ip", value: "127.0.0.1" });
  assert.deepEqual(toSanName("2001:DB8:0::1"), { type: "ip", value: "2001:db8::1" });
  assert.deepEqual(toSanName("[::1]"), { type: "ip", value: "::1" });
  assert.deepEqual(toSanName("fe80::1%eth0"), { type: "ip", value: "fe80::1" });
  assert.deepEqual(toSanName("bücher.example"), { type: "dns", value: "xn--bcher-kva.example" });
  assert.deepEqual(toSanName("WWW.Example.COM"), { type: "dns", value: "www.example.com" });
  assert.deepEqual(toSanName("*.example.com"), { type: "dns", value: "*.example.com" });
  assert.deepEqual(toSanName("under_score.example"), { type: "dns", value: "under_score.example" });
  assert.deepEqual(toSanName("1.2.3"), { type: "dns", value: "1.2.3" }); // not an IP literal
  assert.equal(toSanName(""), null);
  assert.equal(toSanName("has space.example"), null);
});

Deno.test("asteriskForms: mitmproxy's wildcard lookup forms; IPs exact only", () => {
  assert.deepEqual(asteriskForms({ type: "dns", value: "www.example.com" }), [
    "www.example.com",
    "*.example.com",
    "*.com",
  ]);
  assert.deepEqual(asteriskForms({ type: "dns", value: "localhost" }), ["localhost"]);
  assert.deepEqual(asteriskForms({ type: "ip", value: "10.0.0.1" }), ["10.0.0.1"]);
});

Deno.test("dedupeSans keeps the first of each (type, value)", () => {
  assert.deepEqual(
    dedupeSans([
      { type: "dns", value: "a" },
      { type: "ip", value: "::1" },
      { type: "dns", value: "a" },
      { type: "ip", value: "::1" },
    ]),
    [{ type: "dns", value: "a" }, { type: "ip", value: "::1" }],
  );
});
