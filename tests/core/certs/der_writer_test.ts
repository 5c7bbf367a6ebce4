import assert from "node:assert/strict";
import fc from "fast-check";
import * as der from "../../../core/certs/der_writer.ts";
import { opensslOk } from "./cert_test_util.ts";

const hex = (b: Uint8Array) => Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("lengths: short form below 128, then 1, 2, 3 length octets", () => {
  assert.equal(hex(der.encodeLength(0)), "00");
  assert.equal(hex(der.encodeLength(127)), "7f");
  assert.equal(hex(der.encodeLength(128)), "8180");
  assert.equal(hex(der.encodeLength(255)), "81ff");
  assert.equal(hex(der.encodeLength(256)), "820100");
  assert.equal(hex(der.encodeLength(65535)), "82ffff");
  assert.equal(hex(der.encodeLength(65536)), "83010000");
  assert.throws(() => der.encodeLength(-1), RangeError);
});

Deno.test("tlv: header then contents, for any content length (property)", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 70_000 }), fc.integer({ min: 0, max: 255 }), (n, tag) => {
      const contents = new Uint8Array(n).fill(0xab);
      const out = der.tlv(tag, contents.subarray(0, n >> 1), contents.subarray(n >> 1));
      const length = der.encodeLength(n);
      assert.equal(out.length, 1 + length.length + n);
      assert.equal(out[0], tag);
      assert.deepEqual(out.subarray(1, 1 + length.length), length);
      // decode the length back
      let decoded = out[1];
      if (decoded & 0x80) {
        decoded = 0;
        for (let i = 0; i < (out[1] & 0x7f); i++) decoded = decoded * 256 + out[2 + i];
      }
      assert.equal(decoded, n);
      assert.ok(out.subarray(1 + length.length).every((b) => b === 0xab));
    }),
    { numRuns: 200 },
  );
});

Deno.test("long-form lengths nest correctly and openssl reads them", async () => {
  const inner = der.octetString(new Uint8Array(200)); // 0x81 form
  const middle = der.sequence(inner, der.octetString(new Uint8Array(300))); // 0x82 inside
  const outer = der.sequence(middle, der.utf8String("x".repeat(100)));
  assert.equal(hex(inner.subarray(0, 3)), "0481c8");
  assert.equal(hex(middle.subarray(0, 4)), "308201fb"); // 203 + 304 = 507 content octets
  const parsed = await opensslOk(["asn1parse", "-inform", "DER", "-i"], outer);
  assert.match(parsed, /d=0 {2}hl=4 l= 613 cons: SEQUENCE/);
  assert.match(parsed, /d=1 {2}hl=4 l= 507 cons: {2}SEQUENCE/);
  assert.match(parsed, /d=2 {2}hl=3 l= 200 prim: {3}OCTET STRING/);
  assert.match(parsed, /d=2 {2}hl=4 l= 300 prim: {3}OCTET STRING/);
  assert.match(parsed, /d=1 {2}hl=2 l= 100 prim: {2}UTF8STRING/);
});

Deno.test("INTEGER: minimal, positive, from hex or number", () => {
  assert.equal(hex(der.smallInteger(0)), "020100");
  assert.equal(hex(der.smallInteger(2)), "020102");
  assert.equal(hex(der.smallInteger(127)), "02017f");
  assert.equal(hex(der.smallInteger(128)), "02020080");
  assert.equal(hex(der.smallInteger(256)), "02020100");
  assert.equal(hex(der.integerFromHex("00000001")), "020101");
  assert.equal(hex(der.integerFromHex("ff00")), "020300ff00");
  assert.equal(hex(der.integerFromHex("7f00")), "02027f00");
  assert.equal(hex(der.integerFromHex("")), "020100");
  assert.throws(() => der.integerFromHex("abc"), RangeError);
  assert.throws(() => der.smallInteger(-1), RangeError);
});

Deno.test("OBJECT IDENTIFIER: base-128 arcs, first two folded", () => {
  assert.equal(hex(der.oid("1.2.840.113549.1.1.11")), "06092a864886f70d01010b");
  assert.equal(hex(der.oid("2.5.29.17")), "0603551d11");
  assert.equal(hex(der.oid("1.3.6.1.5.5.7.3.1")), "06082b06010505070301");
  assert.equal(hex(der.oid("2.999.3")), "0603883703");
  for (const bad of ["", "1", "3.1", "1.40", "1.2.x", "1..2", "1.2."]) {
    assert.throws(() => der.oid(bad), RangeError, bad);
  }
});

Deno.test("strings and small types", () => {
  assert.equal(hex(der.boolean(true)), "0101ff");
  assert.equal(hex(der.boolean(false)), "010100");
  assert.equal(hex(der.NULL_VALUE), "0500");
  assert.equal(hex(der.bitString(Uint8Array.of(1, 2))), "0303000102");
  assert.equal(hex(der.utf8String("bü")), "0c0362c3bc");
  assert.equal(hex(der.ia5String("a.b")), "1603612e62");
  assert.equal(hex(der.ia5Bytes("ab")), "6162");
  assert.throws(() => der.ia5String("bücher"), /IA5String takes ASCII only; "bücher"/);
  assert.equal(hex(der.contextPrimitive(2, der.ia5Bytes("a"))), "820161");
  assert.equal(hex(der.contextConstructed(0, der.smallInteger(2))), "a003020102");
  assert.equal(hex(der.set(der.NULL_VALUE)), "31020500");
  assert.deepEqual(der.hexToBytes("0aFF"), Uint8Array.of(10, 255));
  assert.throws(() => der.hexToBytes("0g"), RangeError);
});

Deno.test("time: UTCTime for 1950–2049, GeneralizedTime otherwise (RFC 5280 §4.1.2.5)", () => {
  const t = (iso: string) => der.time(new Date(iso));
  const last = t("2049-12-31T23:59:59.999Z");
  assert.equal(last[0], der.TAG.UTC_TIME);
  assert.equal(text(last.subarray(2)), "491231235959Z");
  const first = t("2050-01-01T00:00:00Z");
  assert.equal(first[0], der.TAG.GENERALIZED_TIME);
  assert.equal(text(first.subarray(2)), "20500101000000Z");
  assert.equal(first[1], 15);
  const y1950 = t("1950-01-01T00:00:00Z");
  assert.equal(y1950[0], der.TAG.UTC_TIME);
  assert.equal(text(y1950.subarray(2)), "500101000000Z");
  const y1949 = t("1949-12-31T23:59:59Z");
  assert.equal(y1949[0], der.TAG.GENERALIZED_TIME);
  assert.equal(text(y1949.subarray(2)), "19491231235959Z");
  assert.equal(text(t("2026-03-04T05:06:07Z").subarray(2)), "260304050607Z");
  assert.equal(text(t("9999-12-31T23:59:59Z").subarray(2)), "99991231235959Z");
  assert.throws(() => der.time(new Date(NaN)), RangeError);
  assert.throws(() => der.time(new Date("+010000-01-01T00:00:00Z")), RangeError);
});
