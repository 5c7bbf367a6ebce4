import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CookieAttrs,
  formatCookieHeader,
  formatSetCookieHeader,
  parseCookieHeader,
  parseSetCookieHeader,
} from "../../../core/flow/cookies.ts";

Deno.test("Cookie header pairs", () => {
  assert.deepEqual(parseCookieHeader("one=uno; two=due"), [["one", "uno"], ["two", "due"]]);
  assert.deepEqual(parseCookieHeader('one="uno; dos"; two'), [["one", "uno; dos"], ["two", ""]]);
  assert.deepEqual(parseCookieHeader("one=; ;two=2;"), [["one", ""], ["two", "2"]]);
  assert.deepEqual(parseCookieHeader(""), []);
});

Deno.test("Set-Cookie: attributes, flags and several cookies per line", () => {
  const [[name, value, attrs]] = parseSetCookieHeader("n=v; Path=/x; HttpOnly; Max-Age=5");
  assert.deepEqual([name, value], ["n", "v"]);
  assert.deepEqual(attrs.fields, [["Path", "/x"], ["HttpOnly", null], ["Max-Age", "5"]]);
  assert.equal(attrs.get("max-age"), "5");
  const many = parseSetCookieHeader("a=1; Secure, b=2; expires=Thu, 01 Jan 1970 00:00:00 GMT");
  assert.deepEqual(many.map(([n, v]) => [n, v]), [["a", "1"], ["b", "2"]]);
  assert.equal(many[1][2].get("expires"), "Thu, 01 Jan 1970 00:00:00 GMT");
  assert.deepEqual(parseSetCookieHeader(""), []);
  assert.deepEqual(parseSetCookieHeader("flag")[0].slice(0, 2), ["flag", null]);
});

Deno.test("formatting quotes special values", () => {
  assert.equal(formatCookieHeader([["a", "1"], ["b", 'x "y"']]), 'a=1; b="x \\"y\\""');
  const attrs = new CookieAttrs([["Path", "/"], ["Secure", null]]);
  assert.equal(formatSetCookieHeader([["n", "v", attrs]]), "n=v; Path=/; Secure");
});

Deno.test("cookie parsers never throw", () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      parseCookieHeader(s);
      parseSetCookieHeader(s);
    }),
    { numRuns: 500 },
  );
});

Deno.test("format then parse round-trips simple cookies", () => {
  const tok = fc.stringMatching(/^[A-Za-z0-9_]{1,8}$/);
  fc.assert(fc.property(fc.array(fc.tuple(tok, fc.string({ unit: "grapheme-ascii" }))), (pairs) => {
    const clean = pairs.map(([k, v]) => [k, v.replace(/[\\"]/g, "")] as [string, string]);
    const parsed = parseCookieHeader(formatCookieHeader(clean));
    assert.deepEqual(parsed, clean.filter(([k, v]) => k || v));
  }));
});
