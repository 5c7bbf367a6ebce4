import { deepStrictEqual, equal } from "node:assert/strict";
import { isSpace, isWordChar, Scanner } from "../../../core/flowfilter/tokens.ts";

Deno.test("whitespace is pyparsing's: space, tab, CR, LF", () => {
  for (const c of [" ", "\t", "\r", "\n"]) equal(isSpace(c), true);
  for (const c of ["\v", "\f", "\xa0", "", "a"]) equal(isSpace(c), false);
});

Deno.test("operator names continue over printable ASCII only", () => {
  for (const c of ["a", "~", ")", "&", "!", '"']) equal(isWordChar(c), true, c);
  for (const c of [" ", "é", "\x7f", ""]) equal(isWordChar(c), false, c);
  const s = new Scanner("~bq) x");
  deepStrictEqual(s.readOperatorWord(), { word: "bq)", start: 0, end: 4 });
  deepStrictEqual(new Scanner("~qé").readOperatorWord(), { word: "q", start: 0, end: 2 });
  deepStrictEqual(new Scanner("~").readOperatorWord(), { word: "", start: 0, end: 1 });
});

Deno.test("bare values stop at whitespace and ( ) ~ ' \"", () => {
  for (const [text, value] of [["a&b|c!d e", "a&b|c!d"], ["x(y", "x"], ["é~", "é"]]) {
    deepStrictEqual(new Scanner(text).readValue(), {
      text: value,
      start: 0,
      end: value.length,
      quoted: false,
    });
  }
  for (const text of ["(", ")", "~", " ", ""]) equal(new Scanner(text).readValue(), null, text);
});

Deno.test("quoted values: escapes are undone, quotes must close on the line", () => {
  const read = (text: string) => new Scanner(text).readValue();
  deepStrictEqual(read(`"a \\"b\\" 'c'" rest`), {
    text: `a "b" 'c'`,
    start: 0,
    end: 13,
    quoted: true,
  });
  deepStrictEqual(read("'\\t\\n\\r\\f\\\\\\x'"), {
    text: "\t\n\r\f\\x",
    start: 0,
    end: 14,
    quoted: true,
  });
  deepStrictEqual(read('"\\\r"'), { text: "\r", start: 0, end: 4, quoted: true });
  for (const text of ['"abc', "'a\nb'", "'a\rb'", '"a\\\nb"', '"\\']) {
    const s = new Scanner(text);
    deepStrictEqual(s.readValue(), {
      error: `unterminated quoted string (no closing ${text[0]} on this line)`,
      position: 0,
    });
    equal(s.pos, 0);
  }
});

Deno.test("digits", () => {
  deepStrictEqual(new Scanner("0200x").readDigits(), { text: "0200", start: 0, end: 4 });
  equal(new Scanner("x1").readDigits(), null);
  equal(new Scanner("٣").readDigits(), null);
});
