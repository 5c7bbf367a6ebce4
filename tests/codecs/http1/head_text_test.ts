import assert from "node:assert/strict";
import { decodeHead } from "../../../codecs/http1/head_text.ts";
import { parseRequestHead } from "../../../codecs/http1/parse_head.ts";
import { assertOk, assertParseError, enc } from "./test_util.ts";

Deno.test("decodeHead maps bytes 1:1 for ASCII and latin1 input", () => {
  assert.deepEqual(decodeHead(enc("GET / HTTP/1.1\r\nA: b\r\n\r\n")), {
    text: "GET / HTTP/1.1\r\nA: b\r\n\r\n",
    clean: true,
  });
  const all = new Uint8Array(256).map((_, i) => i);
  assert.equal(decodeHead(all).text, String.fromCharCode(...all));
  // Invalid UTF-8 and a literal U+FFFD must still decode as latin1.
  assert.equal(decodeHead(new Uint8Array([0xef, 0xbf, 0xbd])).text, "\xef\xbf\xbd");
  assert.equal(decodeHead(new Uint8Array([0x41, 0xff, 0x80])).text, "A\xff\x80");
  assert.equal(decodeHead(new Uint8Array([0x41, 0xff, 0x80])).clean, true);
});

Deno.test("decodeHead flags bytes a field value may not contain", () => {
  for (const bad of ["a\x00", "a\x7f", "a\rb", "a\r", "\x1b[", "a\x0b"]) {
    assert.equal(decodeHead(enc(bad)).clean, false, JSON.stringify(bad));
  }
  for (const ok of ["a\tb", "a\r\nb", "a\nb", "a\xe9"]) {
    assert.equal(decodeHead(enc(ok)).clean, true, JSON.stringify(ok));
  }
});

Deno.test("clean and unclean heads take the same parse decisions", () => {
  // Non-ASCII but clean, so values are not re-checked: still parsed exactly.
  const r = parseRequestHead(enc("GET / HTTP/1.1\r\nA: \xe9\t\xff \r\n\r\n"));
  assertOk(r);
  assert.deepEqual(r.headers, [["A", "\xe9\t\xff"]]);
  // Unclean: a control char somewhere makes the per-value check run and name the line.
  const e = parseRequestHead(enc("GET / HTTP/1.1\r\nA: ok\r\nB: \xe9\x01\r\n\r\n"));
  assertParseError(e, 400);
  assert.equal(e.error, 'Invalid character in header value: "B: \\xe9\\x01"');
});
