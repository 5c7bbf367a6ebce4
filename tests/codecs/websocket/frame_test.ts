import assert from "node:assert/strict";
import fc from "fast-check";
import {
  encodeFrame,
  encodeTextFrame,
  type Frame,
  type FrameError,
  utf8Length,
} from "../../../codecs/websocket/frame.ts";
import { FrameReader, type FrameReaderOptions } from "../../../codecs/websocket/frame_reader.ts";
import { applyMask } from "../../../codecs/websocket/mask.ts";
import { Opcode } from "../../../codecs/websocket/opcode.ts";
import { concat, hex, RFC_MASK, utf8 } from "./test_util.ts";

const CLIENT_READS: FrameReaderOptions = {
  expectMasked: false,
  maxFrameSize: 1 << 20,
  allowRsv1: false,
};
const SERVER_READS: FrameReaderOptions = { ...CLIENT_READS, expectMasked: true };

function frame(opcode: number, payload: Uint8Array, fin = true, rsv1 = false): Frame {
  return { fin, rsv1, rsv2: false, rsv3: false, opcode, payload };
}

function readAll(bytes: Uint8Array, options = CLIENT_READS): (Frame | FrameError)[] {
  return new FrameReader(options).feed(bytes);
}

function byteAtATime(bytes: Uint8Array, options = CLIENT_READS): (Frame | FrameError)[] {
  const reader = new FrameReader(options);
  const out: (Frame | FrameError)[] = [];
  for (let i = 0; i < bytes.length; i++) out.push(...reader.feed(bytes.subarray(i, i + 1)));
  return out;
}

// RFC 6455 §5.7, each example both ways: parsed from the RFC's bytes and serialised to them.
const RFC_EXAMPLES: [string, string, Frame[], Uint8Array | null][] = [
  [
    "a single-frame unmasked text message",
    "81 05 48 65 6c 6c 6f",
    [frame(Opcode.TEXT, utf8("Hello"))],
    null,
  ],
  [
    "a single-frame masked text message",
    "81 85 37 fa 21 3d 7f 9f 4d 51 58",
    [frame(Opcode.TEXT, utf8("Hello"))],
    RFC_MASK,
  ],
  [
    "a fragmented unmasked text message",
    "01 03 48 65 6c  80 02 6c 6f",
    [frame(Opcode.TEXT, utf8("Hel"), false), frame(Opcode.CONTINUATION, utf8("lo"))],
    null,
  ],
  ["an unmasked Ping", "89 05 48 65 6c 6c 6f", [frame(Opcode.PING, utf8("Hello"))], null],
  [
    "a masked Pong answering it",
    "8a 85 37 fa 21 3d 7f 9f 4d 51 58",
    [frame(Opcode.PONG, utf8("Hello"))],
    RFC_MASK,
  ],
];

for (const [name, bytes, frames, mask] of RFC_EXAMPLES) {
  Deno.test(`RFC 6455 §5.7: ${name}`, () => {
    const options = mask ? SERVER_READS : CLIENT_READS;
    assert.deepEqual(readAll(hex(bytes), options), frames);
    assert.deepEqual(byteAtATime(hex(bytes), options), frames);
    assert.deepEqual(concat(frames.map((f) => encodeFrame(f, mask))), hex(bytes));
  });
}

Deno.test("RFC 6455 §5.7: 256 bytes and 64 KiB binary messages use 16- and 64-bit lengths", () => {
  const small = new Uint8Array(256).map((_, i) => i);
  const smallWire = encodeFrame(frame(Opcode.BINARY, small), null);
  assert.deepEqual(smallWire.subarray(0, 4), hex("82 7e 01 00"));
  assert.deepEqual(readAll(smallWire), [frame(Opcode.BINARY, small)]);
  const big = new Uint8Array(65536).map((_, i) => i * 7);
  const bigWire = encodeFrame(frame(Opcode.BINARY, big), null);
  assert.deepEqual(bigWire.subarray(0, 10), hex("82 7f 00 00 00 00 00 01 00 00"));
  assert.deepEqual(readAll(bigWire), [frame(Opcode.BINARY, big)]);
  assert.deepEqual(byteAtATime(bigWire), [frame(Opcode.BINARY, big)]);
});

Deno.test("length boundaries 125/126/65535/65536 serialise minimally and read back", () => {
  for (
    const [length, header] of [[125, "82 7d"], [126, "82 7e 00 7e"], [65535, "82 7e ff ff"], [
      65536,
      "82 7f 00 00 00 00 00 01 00 00",
    ]] as const
  ) {
    const payload = new Uint8Array(length).fill(0x61);
    const wire = encodeFrame(frame(Opcode.BINARY, payload), null);
    assert.deepEqual(wire.subarray(0, hex(header).length), hex(header), `length ${length}`);
    assert.deepEqual(readAll(wire), [frame(Opcode.BINARY, payload)]);
  }
});

Deno.test("non-minimal length encodings are accepted", () => {
  assert.deepEqual(readAll(hex("81 7e 00 02 68 69")), [frame(Opcode.TEXT, utf8("hi"))]);
  assert.deepEqual(readAll(hex("81 7f 00 00 00 00 00 00 00 02 68 69")), [
    frame(Opcode.TEXT, utf8("hi")),
  ]);
});

Deno.test("frames are copied out: the caller may reuse its buffer", () => {
  const input = hex("81 05 48 65 6c 6c 6f");
  const [f] = readAll(input) as Frame[];
  input.fill(0);
  assert.deepEqual(f.payload, utf8("Hello"));
});

Deno.test("masking is its own inverse for every alignment and length", () => {
  const key = hex("01 80 ff 7e");
  const backing = new Uint8Array(300).map((_, i) => i * 31);
  for (let offset = 0; offset < 4; offset++) {
    for (const length of [0, 1, 3, 4, 31, 32, 33, 100, 257]) {
      const view = backing.slice().subarray(offset, offset + length);
      const original = view.slice();
      applyMask(view, key);
      for (let i = 0; i < length; i++) assert.equal(view[i], original[i] ^ key[i & 3]);
      applyMask(view, key);
      assert.deepEqual(view, original);
    }
  }
});

const ERRORS: [string, string, FrameReaderOptions, number, RegExp][] = [
  ["reserved data opcode", "83 00", CLIENT_READS, 1002, /reserved opcode 0x3/],
  ["reserved control opcode", "8b 00", CLIENT_READS, 1002, /reserved opcode 0xb/],
  ["RSV2", "a1 00", CLIENT_READS, 1002, /RSV2 bit set/],
  ["RSV3", "91 00", CLIENT_READS, 1002, /RSV3 bit set/],
  ["RSV1 without permessage-deflate", "c1 00", CLIENT_READS, 1002, /permessage-deflate was not/],
  ["RSV1 on a continuation", "c0 00", { ...CLIENT_READS, allowRsv1: true }, 1002, /CONTINUATION/],
  ["RSV1 on a ping", "c9 00", { ...CLIENT_READS, allowRsv1: true }, 1002, /PING/],
  ["fragmented ping", "09 00", CLIENT_READS, 1002, /cannot be fragmented/],
  ["close longer than 125 bytes", "88 7e 00 7e", CLIENT_READS, 1002, /longer than 125/],
  ["unmasked client frame", "81 00", SERVER_READS, 1002, /clients must mask/],
  ["masked server frame", "81 80 00 00 00 00", CLIENT_READS, 1002, /servers must not mask/],
  [
    "64-bit length with the top bit",
    "82 7f 80 00 00 00 00 00 00 00",
    CLIENT_READS,
    1002,
    /most significant/,
  ],
  ["length over 2^53", "82 7f 00 20 00 00 00 00 00 00", CLIENT_READS, 1009, /exceeds 2\^53/],
  [
    "length over the frame limit",
    "82 7e 01 00",
    { ...CLIENT_READS, maxFrameSize: 255 },
    1009,
    /exceeds the maximum frame size 255/,
  ],
];

for (const [name, bytes, options, code, message] of ERRORS) {
  Deno.test(`refused: ${name} (${code})`, () => {
    for (const items of [readAll(hex(bytes), options), byteAtATime(hex(bytes), options)]) {
      assert.equal(items.length, 1);
      const error = items[0] as FrameError;
      assert.equal(error.code, code);
      assert.match(error.error, message);
    }
  });
}

Deno.test("the first two bytes fail fast, before the length or payload arrives", () => {
  const reader = new FrameReader(CLIENT_READS);
  assert.deepEqual(reader.feed(hex("81")), []);
  const [error] = reader.feed(hex("ff")) as FrameError[];
  assert.match(error.error, /longer than|servers must not mask/);
  assert.ok(reader.failed);
  assert.deepEqual(reader.feed(hex("81 00")), [], "dead after an error");
});

Deno.test("idle is true only between frames", () => {
  const reader = new FrameReader(CLIENT_READS);
  assert.ok(reader.idle);
  reader.feed(hex("81"));
  assert.ok(!reader.idle);
  reader.feed(hex("02 68"));
  assert.ok(!reader.idle);
  assert.deepEqual(reader.feed(hex("69")), [frame(Opcode.TEXT, utf8("hi"))]);
  assert.ok(reader.idle);
});

Deno.test("encodeFrame refuses a masking key that is not 4 bytes", () => {
  assert.throws(() => encodeFrame(frame(Opcode.TEXT, utf8("x")), new Uint8Array(3)), /4 bytes/);
});

Deno.test("property: text frames encoded in place equal encodeFrame of the UTF-8 bytes", () => {
  // Any UTF-16 code units, lone surrogates included (TextEncoder turns them into U+FFFD).
  const textArb = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 300 })
    .map((units) => String.fromCharCode(...units));
  fc.assert(
    fc.property(
      fc.oneof(textArb, fc.string({ unit: "binary", maxLength: 300 })),
      fc.boolean(),
      (text, masked) => {
        const bytes = utf8(text);
        assert.equal(utf8Length(text), bytes.length);
        const key = masked ? RFC_MASK : null;
        assert.deepEqual(
          encodeTextFrame(0x81, text, bytes.length, key),
          encodeFrame(frame(Opcode.TEXT, bytes), key),
        );
      },
    ),
    { numRuns: 500 },
  );
});
