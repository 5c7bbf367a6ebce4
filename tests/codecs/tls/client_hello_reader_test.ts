import assert from "node:assert/strict";
import fc from "fast-check";
import { concatBytes } from "../../../codecs/bytes.ts";
import { ClientHelloReader, parseClientHello } from "../../../codecs/tls/client_hello.ts";
import type { ClientHelloResult } from "../../../codecs/tls/types.ts";
import { NODE_TLS_HELLO, OPENSSL_TLS13_HELLO } from "./client_hello_fixtures.ts";
import {
  alpnExtension,
  extension,
  helloMessage,
  inRecords,
  sniExtension,
  splitAt,
  u16,
} from "./tls_test_util.ts";

function feedAll(chunks: Uint8Array[]): ClientHelloResult {
  const reader = new ClientHelloReader();
  let last: ClientHelloResult = { kind: "incomplete" };
  for (const c of chunks) last = reader.feed(c);
  return last;
}

function errorOf(result: ClientHelloResult): string {
  if (result.kind !== "error") throw new Error(`expected an error, got ${JSON.stringify(result)}`);
  assert.ok(result.message.length > 0);
  return result.message;
}

const OPENSSL_MESSAGE = OPENSSL_TLS13_HELLO.subarray(5);

Deno.test("a hello split over several handshake records is reassembled", () => {
  const records = inRecords(OPENSSL_MESSAGE, [1, 3, 50, 7]);
  const r = parseClientHello(records);
  assert.equal(r.kind, "hello");
  if (r.kind !== "hello") return;
  assert.equal(r.length, records.length);
  assert.equal(r.hello.sni, "example.test");
  assert.deepEqual(r.hello.raw, OPENSSL_MESSAGE);
});

Deno.test("length stops at the record that completed the hello; later bytes are not read", () => {
  const next = Uint8Array.of(0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x17, 0x03);
  const r = parseClientHello(concatBytes([OPENSSL_TLS13_HELLO, next]));
  assert.equal(r.kind === "hello" && r.length, OPENSSL_TLS13_HELLO.length);
});

Deno.test("extra handshake bytes in the hello's last record are ignored", () => {
  const withExtra = concatBytes([OPENSSL_MESSAGE, Uint8Array.of(0x0b, 0, 0, 0)]);
  const r = parseClientHello(inRecords(withExtra));
  assert.equal(r.kind, "hello");
  if (r.kind === "hello") assert.deepEqual(r.hello.raw, OPENSSL_MESSAGE);
});

Deno.test("not TLS: plain HTTP, SSLv2 hello, bad version, decided on the first bytes", () => {
  const http = parseClientHello(new TextEncoder().encode("GET / HTTP/1.1\r\n"));
  assert.equal(http.kind, "not_tls");
  assert.match(http.kind === "not_tls" ? http.reason : "", /0x47/);
  assert.equal(parseClientHello(Uint8Array.of(0x80)).kind, "not_tls");
  assert.equal(parseClientHello(Uint8Array.of(0x16, 0x02)).kind, "not_tls");
  assert.equal(parseClientHello(Uint8Array.of(0x16, 0x03, 0x09)).kind, "not_tls");
  assert.deepEqual(parseClientHello(Uint8Array.of(0x16, 0x03)), { kind: "incomplete" });
  // Decided across reads too, and sticky afterwards.
  const reader = new ClientHelloReader();
  assert.equal(reader.feed(Uint8Array.of(0x16)).kind, "incomplete");
  assert.equal(reader.feed(Uint8Array.of(0x03, 0x07)).kind, "not_tls");
  assert.equal(reader.feed(OPENSSL_TLS13_HELLO).kind, "not_tls");
});

Deno.test("record errors: later non-handshake record, empty record, oversized record", () => {
  const half = inRecords(OPENSSL_MESSAGE.subarray(0, 100));
  const alert = Uint8Array.of(0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28);
  assert.match(errorOf(parseClientHello(concatBytes([half, alert]))), /record 2.*type 21/);
  assert.match(errorOf(parseClientHello(Uint8Array.of(0x16, 3, 1, 0, 0))), /empty/);
  assert.match(errorOf(parseClientHello(Uint8Array.of(0x16, 3, 1, 0x40, 0x01))), /2\^14/);
  const badVersion = Uint8Array.of(0x16, 0x04, 0x01, 0x00, 0x01, 0x01);
  assert.match(errorOf(parseClientHello(concatBytes([half, badVersion]))), /version 0x0401/);
});

Deno.test("handshake errors: not a ClientHello, declared size over 64 KiB refused early", () => {
  const serverHello = inRecords(Uint8Array.of(0x02, 0, 0, 4, 3, 3, 0, 0));
  assert.match(errorOf(parseClientHello(serverHello)), /handshake type 2/);
  // Only the 4-byte handshake header has arrived: the size alone decides.
  const huge = Uint8Array.of(0x16, 3, 1, 0, 4, 0x01, 0x01, 0x00, 0x01);
  assert.match(errorOf(parseClientHello(huge)), /65537 bytes exceeds/);
});

Deno.test("a 60 KiB hello (padding extension) over four records is accepted", () => {
  const message = helloMessage({
    extensions: [sniExtension("big.example"), extension(21, new Uint8Array(60_000))],
  });
  const r = parseClientHello(inRecords(message));
  assert.equal(r.kind, "hello");
  if (r.kind === "hello") assert.equal(r.hello.sni, "big.example");
});

Deno.test("a hello of exactly 64 KiB is accepted, 64 KiB + 1 byte refused", () => {
  const fits = helloMessage({ extensions: [extension(21, new Uint8Array(65_487))] });
  assert.equal(fits.length - 4, 65536);
  assert.equal(parseClientHello(inRecords(fits)).kind, "hello");
  const message = helloMessage({ extensions: [extension(21, new Uint8Array(65_488))] });
  assert.equal(message.length - 4, 65537);
  assert.match(errorOf(parseClientHello(inRecords(message))), /exceeds/);
});

Deno.test("body errors name the field", () => {
  const cases: [Uint8Array, RegExp][] = [
    [helloMessage({ cipherSuites: [] }), /cipher_suites length 0/],
    [helloMessage({ compression: [] }), /no compression/],
    [helloMessage({ sessionId: new Array(33).fill(1) }), /session id too long/],
    [helloMessage({ extensions: [sniExtension("a.b"), sniExtension("c.d")] }), /repeats/],
    [helloMessage({ extensions: [sniExtension("bü.example")] }), /non-ASCII byte 0xfc/],
    [helloMessage({ extensions: [sniExtension("")] }), /host_name is empty/],
    [helloMessage({ extensions: [alpnExtension(["h2", ""])] }), /ALPN protocol name is empty/],
    [helloMessage({ extensions: [extension(16, [0, 5, 2, 0x68, 0x32])] }), /ALPN.*length/],
    [helloMessage({ extensions: [extension(43, [3, 3, 4, 3])] }), /supported_versions/],
    [helloMessage({ extensions: [extension(0, [0, 9, 0, 0, 3, 0x61])] }), /server_name/],
  ];
  for (const [message, pattern] of cases) {
    assert.match(errorOf(parseClientHello(inRecords(message))), pattern);
  }
});

Deno.test("hand-built hellos: no extensions block, GREASE, unknown SNI name types", () => {
  const bare = parseClientHello(
    inRecords(helloMessage({ extensions: null, legacyVersion: 0x0300 })),
  );
  assert.equal(bare.kind === "hello" && bare.hello.legacyVersion, 0x0300);
  assert.equal(bare.kind === "hello" && bare.hello.extensions.length, 0);

  const otherType = [1, ...u16(3), 0x78, 0x79, 0x7a];
  const host = [0, ...u16(5), ...new TextEncoder().encode("h.com")];
  const sni = extension(0, [...u16(otherType.length + host.length), ...otherType, ...host]);
  const grease = extension(0x0a0a, []);
  const r = parseClientHello(
    inRecords(helloMessage({ cipherSuites: [0x2a2a, 0x1301], extensions: [grease, sni] })),
  );
  assert.equal(r.kind, "hello");
  if (r.kind !== "hello") return;
  assert.equal(r.hello.sni, "h.com");
  assert.deepEqual(r.hello.cipherSuites, [0x2a2a, 0x1301]);
  assert.deepEqual(r.hello.extensions[0], [0x0a0a, new Uint8Array(0)]);
});

Deno.test("truncated or overlong bodies are errors, not hangs", () => {
  const message = helloMessage();
  // Handshake length says one byte more than the body has, and the record ends there: the
  // reader waits for the missing byte, so it is incomplete, never an exception.
  const lying = message.slice();
  lying[3] += 1;
  assert.equal(parseClientHello(inRecords(lying)).kind, "incomplete");
  // One byte of junk inside the body where the extensions should end.
  const junk = concatBytes([message, Uint8Array.of(0)]);
  junk[3] += 1;
  assert.match(errorOf(parseClientHello(inRecords(junk))), /extensions length/);
});

// Properties.

const fixtureArb = fc.constantFrom(OPENSSL_TLS13_HELLO, NODE_TLS_HELLO);

Deno.test("property: any chunking of any input gives the one-shot result", () => {
  const inputArb = fc.oneof(
    fixtureArb,
    fc.uint8Array({ maxLength: 400 }),
    fc.tuple(fixtureArb, fc.array(fc.nat(), { maxLength: 8 }), fc.uint8Array({ minLength: 1 }))
      .map(([b, idx, values]) => {
        const out = b.slice();
        idx.forEach((i, k) => out[i % out.length] = values[k % values.length]);
        return out;
      }),
  );
  fc.assert(
    fc.property(inputArb, fc.array(fc.nat(), { maxLength: 12 }), (bytes, cuts) => {
      const once = parseClientHello(bytes);
      const chunked = feedAll(splitAt(bytes, cuts.map((c) => c % (bytes.length + 1))));
      assert.deepEqual(chunked, once);
    }),
    { numRuns: 300 },
  );
});

Deno.test("property: re-framed into random record sizes, the hello is the same", () => {
  const expected = parseClientHello(OPENSSL_TLS13_HELLO);
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
      (s) => {
        const r = parseClientHello(inRecords(OPENSSL_MESSAGE, s));
        assert.equal(r.kind, "hello");
        if (r.kind === "hello" && expected.kind === "hello") {
          assert.deepEqual(r.hello, expected.hello);
        }
      },
    ),
    { numRuns: 200 },
  );
});

Deno.test("property: mutated hellos never throw and give a well-formed result", () => {
  const mutation = fc.oneof(
    fc.record({ kind: fc.constant("set"), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant("cut"), at: fc.nat(), value: fc.constant(0) }),
    fc.record({
      kind: fc.constant("insert"),
      at: fc.nat(),
      value: fc.integer({ min: 0, max: 255 }),
    }),
  );
  fc.assert(
    fc.property(fixtureArb, fc.array(mutation, { minLength: 1, maxLength: 6 }), (bytes, muts) => {
      let b: Uint8Array = bytes.slice();
      for (const m of muts) {
        const at = m.at % (b.length + 1);
        if (m.kind === "set" && at < b.length) b[at] = m.value;
        if (m.kind === "cut") b = b.slice(0, at);
        if (m.kind === "insert") {
          b = concatBytes([b.subarray(0, at), Uint8Array.of(m.value), b.subarray(at)]);
        }
      }
      const r = parseClientHello(b);
      assert.ok(["incomplete", "not_tls", "error", "hello"].includes(r.kind));
      if (r.kind === "error") assert.ok(r.message.length > 0);
      if (r.kind === "hello") assert.ok(r.length <= b.length);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("a 60 KiB hello fed one byte at a time in 1-byte records is read in linear time", () => {
  const message = helloMessage({ extensions: [extension(21, new Uint8Array(60_000))] });
  const bytes = inRecords(message, [1]);
  const reader = new ClientHelloReader();
  let last: ClientHelloResult = { kind: "incomplete" };
  const start = performance.now();
  for (let i = 0; i < bytes.length; i++) last = reader.feed(bytes.subarray(i, i + 1));
  assert.equal(last.kind === "hello" && last.length, bytes.length);
  // 360k feeds; quadratic rescanning would take minutes, linear takes well under a second.
  assert.ok(performance.now() - start < 5_000);
});
