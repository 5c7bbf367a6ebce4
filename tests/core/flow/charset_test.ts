import assert from "node:assert/strict";
import fc from "fast-check";
import {
  assembleContentType,
  CharsetError,
  decodeCharset,
  encodeCharset,
  inferContentEncoding,
  parseContentType,
  utf8DecodeSurrogateEscape,
  utf8EncodeSurrogateEscape,
} from "../../../core/flow/charset.ts";

const b = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
const infer = (ct: string, body = "") => inferContentEncoding(ct, b(body));

Deno.test("parseContentType / assembleContentType", () => {
  assert.deepEqual(parseContentType("Text/HTML; charset=UTF-8"), ["text", "html", {
    charset: "UTF-8",
  }]);
  assert.deepEqual(parseContentType("a/b; x; y = 1 ;z=2"), ["a", "b", { y: "1", z: "2" }]);
  assert.equal(parseContentType("nonsense"), null);
  assert.equal(assembleContentType("text", "plain", {}), "text/plain");
  assert.equal(
    assembleContentType("text", "plain", { charset: "utf-8", q: "1" }),
    "text/plain; charset=utf-8; q=1",
  );
});

Deno.test("infer: BOM has the highest priority", () => {
  assert.equal(infer("text/html; charset=latin1", "\x00\x00\xfe\xffx"), "utf-32be");
  assert.equal(infer("", "\xff\xfe\x00\x00x"), "utf-32le");
  assert.equal(infer("", "\xfe\xffx"), "utf-16be");
  assert.equal(infer("", "\xff\xfex"), "utf-16le");
  assert.equal(infer("text/plain; charset=latin1", "\xef\xbb\xbfx"), "utf-8-sig");
});

Deno.test("infer: charset parameter, then type rules, then latin-1", () => {
  assert.equal(infer("text/plain; charset=Shift_JIS"), "Shift_JIS");
  assert.equal(infer("application/json"), "utf8");
  assert.equal(infer("application/vnd.api+json"), "utf8");
  assert.equal(infer("text/html", '<meta charset="iso-8859-2">'), "iso-8859-2");
  assert.equal(
    infer("text/html", "<meta http-equiv=x content='text/html; charset=koi8-r'>"),
    "koi8-r",
  );
  assert.equal(infer("text/html", "<p>no meta</p>"), "utf8");
  assert.equal(
    infer("application/xml", "<?xml version='1.0' encoding='windows-1251'?>"),
    "windows-1251",
  );
  assert.equal(infer("text/xml", "<a/>"), "utf8");
  assert.equal(infer("application/javascript"), "utf8");
  assert.equal(infer("text/ecmascript"), "utf8");
  assert.equal(infer("text/css", '@charset "euc-jp";\nbody{}'), "euc-jp");
  assert.equal(infer("text/css", 'body{} @charset "euc-jp";'), "utf8");
  assert.equal(infer("text/plain"), "latin-1");
  assert.equal(infer(""), "latin-1");
  assert.equal(infer("image/png"), "latin-1");
});

Deno.test("infer: gb2312/gbk become gb18030", () => {
  assert.equal(infer("text/html; charset=GB2312"), "gb18030");
  assert.equal(infer("text/html", '<meta charset="gbk">'), "gb18030");
});

Deno.test("decodeCharset follows Python codec names and BOM handling", () => {
  assert.equal(decodeCharset(b("caf\xc3\xa9"), "utf8"), "café");
  assert.equal(decodeCharset(b("caf\xc3\xa9"), "UTF-8"), "café");
  assert.equal(decodeCharset(b("\xef\xbb\xbfhi"), "utf-8-sig"), "hi");
  assert.equal(decodeCharset(b("\xef\xbb\xbfhi"), "utf-8"), "\ufeffhi", "utf-8 keeps the BOM");
  assert.equal(decodeCharset(b("\x80\xe9"), "latin-1"), "\x80\xe9", "true ISO-8859-1");
  assert.equal(decodeCharset(b("\x80"), "cp1252"), "€");
  assert.equal(decodeCharset(b("\xff\xfeh\x00"), "utf-16le"), "\ufeffh");
  assert.equal(decodeCharset(b("\xfe\xff\x00h"), "utf-16"), "h");
  assert.equal(decodeCharset(b("\xff\xfe\x00\x00h\x00\x00\x00"), "utf-32"), "h");
  assert.equal(decodeCharset(b("\x00\x00\x00h"), "utf-32be"), "h");
  assert.equal(decodeCharset(Uint8Array.of(0xc8, 0xd5, 0xb1, 0xbe), "gb18030"), "日本");
  assert.equal(decodeCharset(Uint8Array.of(0x93, 0xfa), "shift_jis"), "日");
});

Deno.test("decodeCharset is strict", () => {
  assert.throws(() => decodeCharset(b("\xff"), "utf-8"), CharsetError);
  assert.throws(() => decodeCharset(b("\x80"), "ascii"), CharsetError);
  assert.throws(() => decodeCharset(b("abc"), "utf-32le"), CharsetError);
  assert.throws(() => decodeCharset(b("\x00\x11\x00\x00"), "utf-32be"), CharsetError);
  assert.throws(() => decodeCharset(b("x"), "no-such-codec"), /unknown encoding/);
});

Deno.test("encodeCharset is strict and mirrors decodeCharset", () => {
  assert.deepEqual(encodeCharset("é", "latin-1"), b("\xe9"));
  assert.throws(() => encodeCharset("€", "latin-1"), CharsetError);
  assert.throws(() => encodeCharset("é", "ascii"), CharsetError);
  assert.throws(() => encodeCharset("\udcff", "utf-8"), /surrogates/);
  assert.throws(() => encodeCharset("€", "iso-8859-2"), CharsetError);
  assert.deepEqual(encodeCharset("h", "utf-8-sig"), b("\xef\xbb\xbfh"));
  assert.deepEqual(encodeCharset("h", "utf-16"), b("\xff\xfeh\x00"));
  assert.deepEqual(encodeCharset("h", "utf-16be"), b("\x00h"));
  assert.deepEqual(encodeCharset("😀", "utf-32le"), Uint8Array.of(0x00, 0xf6, 0x01, 0x00));
  assert.deepEqual(encodeCharset("日本", "gb18030"), Uint8Array.of(0xc8, 0xd5, 0xb1, 0xbe));
  for (const enc of ["utf-8", "utf-16le", "utf-16be", "utf-32", "utf-32be", "gb18030"]) {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => {
        assert.equal(decodeCharset(encodeCharset(s, enc), enc), s);
      }),
      { numRuns: 50 },
    );
  }
});

Deno.test("UTF-8 surrogateescape round-trips arbitrary bytes", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (d) => {
      assert.deepEqual(utf8EncodeSurrogateEscape(utf8DecodeSurrogateEscape(d)), d);
    }),
    { numRuns: 500 },
  );
  assert.equal(utf8DecodeSurrogateEscape(b("a\xffb\xc3\xa9")), "a\udcffbé");
  assert.equal(utf8DecodeSurrogateEscape(b("\xe2\x82")), "\udce2\udc82");
  assert.equal(utf8DecodeSurrogateEscape(b("\xed\xa0\x80")), "\udced\udca0\udc80");
  assert.equal(utf8DecodeSurrogateEscape(b("\xf0\x9f\x98\x80")), "😀");
});
