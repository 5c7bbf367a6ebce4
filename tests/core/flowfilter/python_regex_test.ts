/** Python `re` semantics on JS RegExp: where the flavours differ, Python wins; errors carry
 * Python's messages. */

import { equal, ok, throws } from "node:assert/strict";
import fc from "fast-check";
import {
  compilePythonRegex,
  type PythonRegexOptions,
} from "../../../core/flowfilter/python_regex.ts";
import { PythonRegexError } from "../../../core/flowfilter/python_regex_reader.ts";

const STR: PythonRegexOptions = {
  bytes: false,
  ignoreCase: false,
  multiline: false,
  dotAll: false,
};
const BYTES: PythonRegexOptions = { ...STR, bytes: true };

function test(pattern: string, subject: string, opts: Partial<PythonRegexOptions> = {}) {
  return compilePythonRegex(pattern, { ...STR, ...opts }).regexp.test(subject);
}

/** [pattern, subject, options, expected] */
type Case = [string, string, Partial<PythonRegexOptions>, boolean];

function check(cases: Case[]) {
  for (const [pattern, subject, opts, want] of cases) {
    equal(test(pattern, subject, opts), want, `${pattern} ~ ${JSON.stringify(subject)} ${opts}`);
  }
}

Deno.test("dot, anchors and line ends follow Python, not JS", () => {
  check([
    [".", "\n", {}, false],
    [".", "\n", { dotAll: true }, true],
    [".", "\r", {}, true],
    ["^a.b$", "a\u2028b", {}, true],
    ["a$", "a\n", {}, true],
    ["a$", "a\n\n", {}, false],
    ["a\\Z", "a\n", {}, false],
    ["\\Aa", "ba", {}, false],
    ["^b", "a\nb", {}, false],
    ["^b", "a\nb", { multiline: true }, true],
    ["^b", "a\rb", { multiline: true }, false],
    ["a$", "a\r\nb", { multiline: true }, false],
    ["a\r$", "a\r\nb", { multiline: true }, true],
    ["\\Ab", "a\nb", { multiline: true }, false],
    ["a\\Z", "a\nb", { multiline: true }, false],
    ["^$", "", {}, true],
  ]);
});

Deno.test("Python-only syntax is translated", () => {
  check([
    ["(?P<x>a)(?P=x)", "aa", {}, true],
    ["(?P<x>a)(?P=x)", "ab", {}, false],
    ["a{,2}b", "aab", {}, true],
    ["^a{,2}b", "aaab", {}, false],
    ["x{", "x{", {}, true],
    ["x{a}", "x{a}", {}, true],
    ["a{}", "a{}", {}, true],
    ["a{,}b", "aaab", {}, true],
    ["a}]", "a}]", {}, true],
    ["[]a]", "]", {}, true],
    ["[^]a]", "b", {}, true],
    ["[^]a]", "]", {}, false],
    ["a(?#comment)b", "ab", {}, true],
    ["a(?#x)*b", "aaab", {}, true],
    ["(?x) a b # comment\n c", "abc", {}, true],
    ["(?x)[ ]", " ", {}, true],
    ["(?s)a.b", "a\nb", {}, true],
    ["(?m)^b", "a\nb", {}, true],
    ["(?s:a.b)c.", "a\nbc\n", {}, false],
    ["(?s:a.b)c.", "a\nbcx", {}, true],
    ["(?i)abc", "ABC", {}, true],
    ["(?-i:A)b", "aB", { ignoreCase: true }, false],
    ["(?-i:A)b", "AB", { ignoreCase: true }, true],
    ["(?i:a)B", "AB", {}, true],
    ["(?i:a)B", "Ab", {}, false],
    ["[-a]", "-", {}, true],
    ["[a-]", "-", {}, true],
  ]);
});

Deno.test("escapes: hex, unicode, octal, backreferences, identity escapes", () => {
  check([
    ["\\x41", "A", {}, true],
    ["\\u00e9", "é", {}, true],
    ["\\U0001F600", "😀", {}, true],
    ["\\101", "A", {}, true],
    ["\\0", "\0", {}, true],
    ["[\\101-\\103]", "B", {}, true],
    ["\\a\\f\\v", "\x07\x0c\x0b", {}, true],
    ["[\\b]", "\b", {}, true],
    ["(a)\\1", "aa", {}, true],
    ["(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\\10", "abcdefghijj", {}, true],
    ["(a)\\1 0", "aa 0", {}, true],
    ["\\:\\-\\ \\=\\@\\'", ":- =@'", {}, true],
    ["\\é", "é", {}, true],
  ]);
});

Deno.test("str patterns: Unicode \\d \\w \\s \\b and case folding", () => {
  check([
    ["\\d", "\u0663", {}, true],
    ["\\w", "é", {}, true],
    ["\\w", "\u00bd", {}, true],
    ["\\w", "\u0301", {}, false],
    ["\\s", "\x1c", {}, true],
    ["\\s", "\u2003", {}, true],
    ["\\s", "\ufeff", {}, false],
    ["\\bcafé\\b", "un café.", {}, true],
    ["\\bcaf\\b", "café", {}, false],
    ["caf\\Bé", "café", {}, true],
    ["[^\\W\\d]", "a", {}, true],
    ["[^\\W\\d]", "1", {}, false],
    ["[^\\W\\d]", "-", {}, false],
    ["[\\S]", "\xa0", {}, false],
    ["[a\\S]", "x", {}, true],
    ["[\\D]", "\u0663", {}, false],
    ["(?a)\\w", "é", {}, false],
    ["(?a)\\d", "\u0663", {}, false],
    ["k", "\u212a", { ignoreCase: true }, true],
    ["😀+$", "😀😀", {}, true],
    ["[😀-😂]", "😁", {}, true],
    ["^.$", "😀", {}, true],
  ]);
});

Deno.test("bytes patterns: UTF-8 encoded, ASCII classes, latin1 subjects", () => {
  check([
    ["é", "caf\xc3\xa9", BYTES, true],
    ["é", "caf\xe9", BYTES, false],
    ["[é]", "\xa9", BYTES, true],
    ["é+", "\xc3\xa9\xa9", BYTES, true],
    ["\\xff", "\xff", BYTES, true],
    ["\\d", "\xd9\xa3", BYTES, false],
    ["\\w", "\xc3\xa9", BYTES, false],
    ["\\s", "\xa0", BYTES, false],
    ["[\\S]", "\xa0", BYTES, true],
    ["\\S", "\xa0", BYTES, true],
    ["\\bcaf\\b", "caf\xc3\xa9", BYTES, true],
    ["A", "a", { ...BYTES, ignoreCase: true }, true],
    ["^.$", "\xc3", BYTES, true],
  ]);
});

Deno.test("effective flags include inline ones", () => {
  const { flags } = compilePythonRegex("(?ms)x", STR);
  equal(flags.multiline && flags.dotAll && !flags.ignoreCase, true);
  ok(compilePythonRegex("(?i)x", STR).flags.ignoreCase);
  ok(compilePythonRegex("x", { ...STR, ignoreCase: true }).flags.ignoreCase);
});

function fails(pattern: string, message: string | RegExp, opts: Partial<PythonRegexOptions> = {}) {
  throws(() => compilePythonRegex(pattern, { ...STR, ...opts }), (e: unknown) => {
    ok(e instanceof PythonRegexError, `${pattern}: ${e}`);
    if (typeof message === "string") equal(e.message, message, pattern);
    else ok(message.test(e.message), `${pattern}: ${e.message}`);
    return true;
  });
}

Deno.test("errors: Python's messages and positions", () => {
  fails("(", "missing ), unterminated subpattern at position 0");
  fails("a(b(c)", "missing ), unterminated subpattern at position 1");
  fails("a)", "unbalanced parenthesis at position 1");
  fails("[a", "unterminated character set at position 0");
  fails("[]", "unterminated character set at position 0");
  fails("*a", "nothing to repeat at position 0");
  fails("^*", "nothing to repeat at position 1");
  fails("a|{1}", "nothing to repeat at position 2");
  fails("a**", "multiple repeat at position 2");
  fails("a{2}{3}", "multiple repeat at position 4");
  fails("\\q", "bad escape \\q at position 0");
  fails("[\\A]", "bad escape \\A at position 1");
  fails("[\\8]", "bad escape \\8 at position 1");
  fails("\\", "bad escape (end of pattern) at position 0");
  fails("[z-a]", "bad character range z-a at position 1");
  fails("[\\d-z]", "bad character range \\d-z at position 1");
  fails("\\1", "invalid group reference 1 at position 1");
  fails("(a\\1)", "cannot refer to an open group at position 2");
  fails("(?P<1>a)", "bad character in group name '1' at position 4");
  fails("(?P<>a)", "missing group name at position 4");
  fails("(?P<a", "missing >, unterminated name at position 4");
  fails("(?P=x)", "unknown group name 'x' at position 4");
  fails("(?<x>a)", "unknown extension ?<x at position 1");
  fails("(?Q)", "unknown extension ?Q at position 1");
  fails("a(?i)", "global flags not at the start of the expression at position 1");
  fails("(?i-i:a)", /^bad inline flag: flag turned on and off/);
  fails("(?L)a", /^bad inline flag: cannot use 'L' flag with a str pattern/);
  fails("(?u)a", /^bad inline flag: cannot use 'u' flag with a bytes pattern/, BYTES);
  fails("(?-a:x)", /^bad inline flag: cannot turn off flags 'a', 'u' and 'L'/);
  fails("(?i", /^missing -, : or \)/);
  fails("\\x4g", "incomplete escape \\x4 at position 0");
  fails("\\u12", "incomplete escape \\u12 at position 0");
  fails("\\u1234", "bad escape \\u at position 0", BYTES);
  fails("\\777", "octal escape value \\777 outside of range 0-0o377 at position 0");
  fails("a{3,2}", "min repeat greater than max repeat at position 2");
  fails("(?P<é>a)", "bad character in group name 'Ã©' at position 4", BYTES);
});

Deno.test("errors: Python features JavaScript cannot express are rejected clearly", () => {
  fails("(?>a)", /^atomic groups/);
  fails("a*+", /^possessive quantifiers are not supported/);
  fails("(a)(?(1)b|c)", /^conditional groups/);
  fails("\\N{DIGIT ONE}", /^named Unicode escapes/);
});

// The subset where Python and JS agree for newline-free ASCII subjects.
const atom: fc.Arbitrary<string> = fc.constantFrom(
  "a",
  "b",
  "c",
  ".",
  "[ab]",
  "[^a]",
  "[a-c]",
  "\\d",
  "\\w",
  "\\W",
  "\\.",
  "\\b",
);
const { pattern } = fc.letrec<{ pattern: string; piece: string }>((tie) => ({
  piece: fc.oneof(
    { depthSize: "small" },
    atom,
    fc.tuple(atom, fc.constantFrom("*", "+", "?", "{1,2}", "*?", "{2}")).map(([a, q]) =>
      a === "\\b" ? a : a + q
    ),
    tie("pattern").map((p) => `(${p})`),
    tie("pattern").map((p) => `(?:${p})`),
  ),
  pattern: fc.oneof(
    fc.array(tie("piece"), { minLength: 1, maxLength: 4 }).map((xs) => xs.join("")),
    fc.tuple(tie("pattern"), tie("pattern")).map(([a, b]) => `${a}|${b}`),
    tie("pattern").map((p) => `^${p}$`),
  ),
}));

Deno.test("property: on the common subset, the translation matches like native JS", () => {
  const subject = fc.string({ unit: fc.constantFrom("a", "b", "c", "1", ".", " ", "-", "_") });
  fc.assert(
    fc.property(pattern, subject, fc.boolean(), fc.boolean(), (p, s, bytes, ignoreCase) => {
      const native = new RegExp(p, ignoreCase ? "i" : "").test(s);
      equal(test(p, s, { bytes, ignoreCase }), native, `${p} on ${JSON.stringify(s)}`);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("property: any pattern compiles or throws PythonRegexError, never anything else", () => {
  const chars = fc.constantFrom(..."ab()[]{}^$.*+?|\\-,:=!<>#PiLmsuxAZbdDwWsS0179%é😀 \n");
  fc.assert(
    fc.property(fc.string({ unit: chars, maxLength: 12 }), fc.boolean(), (p, bytes) => {
      try {
        compilePythonRegex(p, { ...STR, bytes });
      } catch (e) {
        ok(e instanceof PythonRegexError, `${JSON.stringify(p)}: ${e}`);
        ok(e.position !== null, `${JSON.stringify(p)} reached the JS compiler: ${e.message}`);
      }
    }),
    { numRuns: 3000 },
  );
});
