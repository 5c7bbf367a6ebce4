/** The grammar: precedence, juxtaposition, quoting, operator names, and syntax errors with
 * positions. ASTs are shown as s-expressions: `(and (not ~q) ~u:b)`. */

import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import type { FilterNode } from "../../../core/flowfilter/ast.ts";
import { FilterSyntaxError } from "../../../core/flowfilter/errors.ts";
import { parseExpression } from "../../../core/flowfilter/parser.ts";

function show(node: FilterNode): string {
  switch (node.kind) {
    case "unary":
      return `~${node.code}`;
    case "regex":
      return node.bare ? JSON.stringify(node.pattern) : `~${node.code}:${node.pattern}`;
    case "int":
      return `~${node.code}:${node.value}`;
    case "not":
      return `(not ${show(node.operand)})`;
    default:
      return `(${node.kind} ${node.operands.map(show).join(" ")})`;
  }
}

const p = (expr: string) => show(parseExpression(expr));

function fails(expr: string, position: number, reason: string | RegExp) {
  throws(() => parseExpression(expr), (e: unknown) => {
    ok(e instanceof FilterSyntaxError, `${expr}: ${e}`);
    equal(e.position, position, `${expr}: ${e.message}`);
    if (typeof reason === "string") equal(e.reason, reason, expr);
    else ok(reason.test(e.reason), `${expr}: ${e.reason}`);
    equal(e.message, `Invalid filter expression at position ${position}: ${e.reason}`);
    equal(e.expression, expr);
    return true;
  });
}

Deno.test("precedence: ! binds tighter than &", () => {
  equal(p("!~q & ~s"), "(and (not ~q) ~s)");
  equal(p("! ~c 200"), "(not ~c:200)");
  equal(p("!!~q"), "(not (not ~q))");
});

Deno.test("precedence: & binds tighter than |", () => {
  equal(p("~q | ~s & ~e"), "(or ~q (and ~s ~e))");
  equal(p("~q & ~s | ~e"), "(or (and ~q ~s) ~e)");
  equal(p("~q & ~s | ~e & ~a"), "(or (and ~q ~s) (and ~e ~a))");
});

Deno.test("chains of one operator are flat", () => {
  equal(p("~q & ~s & ~e"), "(and ~q ~s ~e)");
  equal(p("~q | ~s | ~e"), "(or ~q ~s ~e)");
});

Deno.test("juxtaposition is AND around whole terms, binding loosest (as in mitmproxy)", () => {
  equal(p("~q ~c 10"), "(and ~q ~c:10)");
  equal(p("foobar ~h rex"), '(and "foobar" ~h:rex)');
  equal(p("~q | ~s ~e"), "(and (or ~q ~s) ~e)");
  equal(p("!~c 201 !~c 202"), "(and (not ~c:201) (not ~c:202))");
  equal(p("~q & ~s ~e | ~a"), "(and (and ~q ~s) (or ~e ~a))");
});

Deno.test("parentheses group and leave no node", () => {
  // A unary operator needs whitespace before ")" (mitmproxy's WordEnd): "(~q | ~s )".
  equal(p("(~q | ~s ) & ~e"), "(and (or ~q ~s) ~e)");
  equal(p("~q | (~s & ~e )"), "(or ~q (and ~s ~e))");
  equal(p("((~q ))"), "~q");
  equal(p("!(~u test & ~h bar)"), "(not (and ~u:test ~h:bar))");
  equal(p("(~c 200 & ~h head) & ~b content"), "(and (and ~c:200 ~h:head) ~b:content)");
  equal(p("( foo )"), '"foo"');
});

Deno.test("a lone !, & or | is read back as a bare value, as pyparsing does", () => {
  equal(p("!"), '"!"');
  equal(p("~q !"), '(and ~q "!")');
  equal(p("~q &"), '(and ~q "&")');
  equal(p("~q | | ~s"), '(and (or ~q "|") ~s)');
  equal(p("a&b"), '"a&b"');
  equal(p("get(Info|Routers)".replace(/[()]/g, "")), '"getInfo|Routers"');
  equal(p("!foo"), '(not "foo")');
});

Deno.test("bare values are ~u regexes", () => {
  const node = parseExpression("google\\.com");
  deepStrictEqual(node, {
    kind: "regex",
    code: "u",
    pattern: "google\\.com",
    bare: true,
    start: 0,
    end: 11,
    patternStart: 0,
  });
  equal(p("~s шгн"), '(and ~s "шгн")');
});

Deno.test("quoting: both quote chars, backslash escapes, whitespace escapes", () => {
  equal(p("~u 'foo ~u bar' ~u voing"), "(and ~u:foo ~u bar ~u:voing)");
  equal((parseExpression(`~u 'foobar\\"\\''`) as { pattern: string }).pattern, `foobar"'`);
  equal((parseExpression(`~u "foo \\'bar"`) as { pattern: string }).pattern, "foo 'bar");
  const pattern = (expr: string) => (parseExpression(expr) as { pattern: string }).pattern;
  equal(pattern('"\\\\d+"'), "\\d+");
  equal(pattern('"\\d"'), "d");
  equal(pattern('"a\\tb\\nc\\rd\\fe"'), "a\tb\nc\rd\fe");
  equal(pattern('""'), "");
  equal(pattern("'(a|b)'"), "(a|b)");
  equal(pattern('~h "a: b"'), "a: b");
  // A bare value keeps its backslashes.
  equal(pattern("a\\.b\\\\c"), "a\\.b\\\\c");
  equal(p('"a"b'), '(and "a" "b")');
});

Deno.test("operators are whole words: longest name wins", () => {
  const cases: [string, string][] = [
    ["~bq x", "~bq:x"],
    ["~b q", "~b:q"],
    ["~bs x", "~bs:x"],
    ["~hq x", "~hq:x"],
    ["~hs x", "~hs:x"],
    ["~h s", "~h:s"],
    ["~tq x", "~tq:x"],
    ["~ts x", "~ts:x"],
    ["~tcp", "~tcp"],
    ["~t cp", "~t:cp"],
    ["~udp", "~udp"],
    ["~u dp", "~u:dp"],
    ["~dns", "~dns"],
    ["~dst x", "~dst:x"],
    ["~d st", "~d:st"],
    ["~src x", "~src:x"],
    ["~s rc", '(and ~s "rc")'],
    ["~all", "~all"],
    ["~a ll", '(and ~a "ll")'],
    ["~marked", "~marked"],
    ["~marker x", "~marker:x"],
    ["~meta x", "~meta:x"],
    ["~m eta", "~m:eta"],
    ["~comment x", "~comment:x"],
    ["~c 1", "~c:1"],
    ["~replay", "~replay"],
    ["~replayq", "~replayq"],
    ["~replays", "~replays"],
    ["~websocket", "~websocket"],
    ["~http", "~http"],
  ];
  for (const [expr, want] of cases) equal(p(expr), want, expr);
});

Deno.test("an operator name ends at whitespace, a non-ASCII char or the end", () => {
  equal(p("~q\t~s\n~e\r~a"), "(and ~q ~s ~e ~a)");
  equal(p("~qé"), '(and ~q "é")');
  equal(p("~c 200abc"), '(and ~c:200 "abc")');
  equal(p("~c 0042"), "~c:42");
  equal(p("  ~q  "), "~q");
});

Deno.test("leaf positions point into the expression", () => {
  const node = parseExpression("~q & ~u  'x y'");
  deepStrictEqual(node, {
    kind: "and",
    operands: [
      { kind: "unary", code: "q", start: 0, end: 2 },
      { kind: "regex", code: "u", pattern: "x y", bare: false, start: 5, end: 14, patternStart: 9 },
    ],
  });
});

Deno.test("syntax errors: empty expressions", () => {
  for (const expr of ["", "   ", "\t\n"]) {
    throws(() => parseExpression(expr), (e: unknown) => {
      ok(e instanceof FilterSyntaxError);
      equal(e.message, "Empty filter expression");
      equal(e.position, 0);
      return true;
    });
  }
});

Deno.test("syntax errors: unbalanced parentheses", () => {
  fails("(~q", 3, 'expected a closing ")"');
  fails("(~q & ~s", 8, 'expected a closing ")"');
  fails("((~q )", 6, 'expected a closing ")"');
  fails("~q )", 3, 'unexpected ")" without a matching "("');
  fails(")", 0, 'unexpected ")" without a matching "("');
  fails("(~q ))", 5, 'unexpected ")" without a matching "("');
  fails("()", 1, 'expected a filter expression after "("');
  fails("!(", 2, 'expected a filter expression after "("');
  fails("(~x", 1, 'unknown operator "~x"');
  fails("( ~", 2, 'expected an operator name after "~"');
});

Deno.test("syntax errors: juxtaposition inside parentheses (mitmproxy rejects it too)", () => {
  fails(
    "(~q ~s)",
    4,
    'expected "&", "|" or a closing ")", found "~s)" (inside parentheses, join terms with "&")',
  );
});

Deno.test("syntax errors: missing and malformed arguments", () => {
  fails("~u", 2, "expected a regex after ~u");
  fails("~b", 2, "expected a regex after ~b");
  fails("~q & ~h  ", 9, "expected a regex after ~h");
  fails("~u (a)", 3, /^expected a regex after ~u, found "\(a\)" \(quote a regex/);
  fails("~c", 2, "expected a response code (digits) after ~c");
  fails("~c abc", 3, "expected a response code (digits) after ~c");
  fails("~c -1", 3, "expected a response code (digits) after ~c");
});

Deno.test("syntax errors: operator names", () => {
  fails("~x", 0, 'unknown operator "~x"');
  fails("~q ~bogus", 3, 'unknown operator "~bogus"');
  fails("~", 0, 'expected an operator name after "~"');
  fails("(~q)", 3, '~q must be followed by whitespace, found ")"');
  fails("~q&~s", 2, '~q must be followed by whitespace, found "&"');
  fails('~u"x"', 2, '~u must be followed by whitespace, found "\\""');
  fails("~replayq!", 8, '~replayq must be followed by whitespace, found "!"');
  fails("~c200", 0, 'unknown operator "~c200"');
});

Deno.test("syntax errors: unterminated quotes", () => {
  fails("~u 'abc", 3, "unterminated quoted string (no closing ' on this line)");
  fails('"abc', 0, 'unterminated quoted string (no closing " on this line)');
  fails('~u "a\nb"', 3, 'unterminated quoted string (no closing " on this line)');
  fails('~u "a\\', 3, 'unterminated quoted string (no closing " on this line)');
  fails("foo'bar", 3, "unterminated quoted string (no closing ' on this line)");
});
