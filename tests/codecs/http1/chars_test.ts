import assert from "node:assert/strict";
import {
  asciiLower,
  findBadValueChar,
  isToken,
  nameIs,
  quote,
  TCHAR,
  trimOws,
} from "../../../codecs/http1/chars.ts";

Deno.test("token chars", () => {
  assert.equal(isToken("Content-Type"), true);
  assert.equal(isToken("!#$%&'*+-.^_`|~09azAZ"), true);
  for (const bad of ["", "a b", "a:b", "a\x00", "caf\xe9", "(", '"', "a\u0100"]) {
    assert.equal(isToken(bad), false, bad);
  }
  assert.equal(isToken("xGETx", 1, 4), true);
  assert.equal(TCHAR.length, 256);
});

Deno.test("field value chars", () => {
  assert.equal(findBadValueChar("a b\tc\x80\xff", 0, 7), -1);
  assert.equal(findBadValueChar("ab\x00", 0, 3), 2);
  assert.equal(findBadValueChar("ab\x7f", 0, 3), 2);
  assert.equal(findBadValueChar("a\rb", 0, 3), 1);
  assert.equal(findBadValueChar("a\rb", 2, 3), -1);
});

Deno.test("nameIs, asciiLower, trimOws", () => {
  assert.equal(nameIs("Content-Length", "content-length"), true);
  assert.equal(nameIs("Content-Lengtx", "content-length"), false);
  assert.equal(nameIs("Content-Lengt", "content-length"), false);
  assert.equal(asciiLower("GZip\xc9"), "gzip\xc9");
  assert.equal(asciiLower("gzip"), "gzip");
  assert.equal(trimOws(" \t a b \t"), "a b");
  assert.equal(trimOws("ab"), "ab");
  assert.equal(trimOws("  "), "");
});

Deno.test("quote escapes and truncates", () => {
  assert.equal(quote('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(quote("\x00\r\n\t\xff"), '"\\x00\\r\\n\\t\\xff"');
  assert.equal(quote("abcdef", 3), '"abc..."');
});
