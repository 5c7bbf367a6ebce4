/** RFC 7541 Appendix C: the worked examples, decoded and re-encoded octet for octet. */

import assert from "node:assert/strict";
import { HpackDecoder } from "../../../../codecs/http2/hpack/decoder.ts";
import { HpackEncoder } from "../../../../codecs/http2/hpack/encoder.ts";
import { hex, toHex } from "../test_util.ts";

type Fields = [string, string][];

/** Decodes each block in turn on one decoder; checks fields and the table after each. */
function checkDecode(
  maxTableSize: number,
  steps: { block: string; fields: Fields; table: Fields; size: number }[],
): void {
  const d = new HpackDecoder({ maxTableSize });
  for (const step of steps) {
    const r = d.decode(hex(step.block));
    assert.ok(!("error" in r), "error" in r ? r.error : "");
    assert.deepEqual(r.headers, step.fields);
    const table: Fields = [];
    for (let i = 1; i <= d.table.length; i++) table.push([d.table.name(i)!, d.table.value(i)]);
    assert.deepEqual(table, step.table);
    assert.equal(d.table.size, step.size);
  }
}

/** Encodes with the RFC's choices: index everything, Huffman always or never. */
function checkEncode(
  maxTableSize: number,
  huffman: "always" | "never",
  steps: { block: string; fields: Fields }[],
): void {
  const e = new HpackEncoder({ maxTableSize, huffman, shouldIndex: () => true });
  for (const step of steps) {
    assert.equal(toHex(e.encode(step.fields)), toHex(hex(step.block)));
  }
}

Deno.test("C.2.1 literal field with indexing", () => {
  checkDecode(4096, [{
    block: "400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572",
    fields: [["custom-key", "custom-header"]],
    table: [["custom-key", "custom-header"]],
    size: 55,
  }]);
});

Deno.test("C.2.2 literal field without indexing", () => {
  const d = new HpackDecoder();
  const r = d.decode(hex("040c 2f73 616d 706c 652f 7061 7468"));
  assert.ok(!("error" in r));
  assert.deepEqual(r.headers, [[":path", "/sample/path"]]);
  assert.equal(d.table.length, 0);
});

Deno.test("C.2.3 literal field never indexed", () => {
  const d = new HpackDecoder();
  const r = d.decode(hex("1008 7061 7373 776f 7264 0673 6563 7265 74"));
  assert.ok(!("error" in r));
  assert.deepEqual(r.headers, [["password", "secret"]]);
  assert.deepEqual(r.neverIndexed, ["password"]);
  assert.equal(d.table.length, 0);
  const e = new HpackEncoder({ huffman: "never" });
  assert.equal(
    toHex(e.encode([["password", "secret"]], new Set(["password"]))),
    toHex(hex("1008 7061 7373 776f 7264 0673 6563 7265 74")),
  );
});

Deno.test("C.2.4 indexed field", () => {
  const r = new HpackDecoder().decode(hex("82"));
  assert.ok(!("error" in r));
  assert.deepEqual(r.headers, [[":method", "GET"]]);
});

const REQ1: Fields = [
  [":method", "GET"],
  [":scheme", "http"],
  [":path", "/"],
  [":authority", "www.example.com"],
];
const REQ2: Fields = [
  [":method", "GET"],
  [":scheme", "http"],
  [":path", "/"],
  [":authority", "www.example.com"],
  ["cache-control", "no-cache"],
];
const REQ3: Fields = [
  [":method", "GET"],
  [":scheme", "https"],
  [":path", "/index.html"],
  [":authority", "www.example.com"],
  ["custom-key", "custom-value"],
];
const TABLE1: Fields = [[":authority", "www.example.com"]];
const TABLE2: Fields = [["cache-control", "no-cache"], ...TABLE1];
const TABLE3: Fields = [["custom-key", "custom-value"], ...TABLE2];

const C3 = [
  "8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
  "8286 84be 5808 6e6f 2d63 6163 6865",
  "8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65",
];
const C4 = [
  "8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff",
  "8286 84be 5886 a8eb 1064 9cbf",
  "8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf",
];

for (const [name, blocks, huffman] of [["C.3", C3, "never"], ["C.4", C4, "always"]] as const) {
  Deno.test(`${name} requests ${huffman === "never" ? "without" : "with"} Huffman: decode`, () => {
    checkDecode(4096, [
      { block: blocks[0], fields: REQ1, table: TABLE1, size: 57 },
      { block: blocks[1], fields: REQ2, table: TABLE2, size: 110 },
      { block: blocks[2], fields: REQ3, table: TABLE3, size: 164 },
    ]);
  });
  Deno.test(`${name} requests: encode`, () => {
    checkEncode(4096, huffman, [
      { block: blocks[0], fields: REQ1 },
      { block: blocks[1], fields: REQ2 },
      { block: blocks[2], fields: REQ3 },
    ]);
  });
}

const DATE1 = "Mon, 21 Oct 2013 20:13:21 GMT";
const DATE2 = "Mon, 21 Oct 2013 20:13:22 GMT";
const LOC = "https://www.example.com";
const COOKIE = "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1";
const RESP1: Fields = [[":status", "302"], ["cache-control", "private"], ["date", DATE1], [
  "location",
  LOC,
]];
const RESP2: Fields = [[":status", "307"], ...RESP1.slice(1)];
const RESP3: Fields = [
  [":status", "200"],
  ["cache-control", "private"],
  ["date", DATE2],
  ["location", LOC],
  ["content-encoding", "gzip"],
  ["set-cookie", COOKIE],
];
const RTABLE1: Fields = [["location", LOC], ["date", DATE1], ["cache-control", "private"], [
  ":status",
  "302",
]];
const RTABLE2: Fields = [[":status", "307"], ["location", LOC], ["date", DATE1], [
  "cache-control",
  "private",
]];
const RTABLE3: Fields = [["set-cookie", COOKIE], ["content-encoding", "gzip"], ["date", DATE2]];

const C5 = [
  "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a" +
  "3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d",
  "4803 3330 37c1 c0bf",
  "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04" +
  "677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49" +
  "553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e 3d31",
];
const C6 = [
  "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6" +
  "2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3",
  "4883 640e ffc1 c0bf",
  "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab" +
  "77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f" +
  "9587 3160 65c0 03ed 4ee5 b106 3d50 07",
];

for (const [name, blocks, huffman] of [["C.5", C5, "never"], ["C.6", C6, "always"]] as const) {
  Deno.test(`${name} responses with eviction: decode`, () => {
    checkDecode(256, [
      { block: blocks[0], fields: RESP1, table: RTABLE1, size: 222 },
      { block: blocks[1], fields: RESP2, table: RTABLE2, size: 222 },
      { block: blocks[2], fields: RESP3, table: RTABLE3, size: 215 },
    ]);
  });
  Deno.test(`${name} responses with eviction: encode`, () => {
    // Our encoder announces its 256-octet table (3fe101) since the peer assumes 4096.
    checkEncode(256, huffman, [
      { block: "3fe101" + blocks[0], fields: RESP1 },
      { block: blocks[1], fields: RESP2 },
      { block: blocks[2], fields: RESP3 },
    ]);
  });
}

Deno.test("C.3 blocks decode the same when fed through one decoder after C.4 style", () => {
  // Huffman and plain literals mix freely on one connection.
  checkDecode(4096, [
    { block: C3[0], fields: REQ1, table: TABLE1, size: 57 },
    { block: C4[1], fields: REQ2, table: TABLE2, size: 110 },
    { block: C3[2], fields: REQ3, table: TABLE3, size: 164 },
  ]);
});
