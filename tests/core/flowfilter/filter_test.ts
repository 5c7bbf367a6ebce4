/** The public API: parseFilter/matchFilter, descriptions, case sensitivity, regex errors. */

import { deepStrictEqual, equal, ok, throws } from "node:assert/strict";
import {
  CASE_SENSITIVE_ENV,
  caseSensitiveFromEnv,
  FilterSyntaxError,
  MATCH_ALL,
  matchFilter,
  parseFilter,
} from "../../../core/flowfilter/filter.ts";
import { tflow, ttcpflow } from "../flow/tflow.ts";
import { tdnsflow, tdummyflow, tudpflow } from "./fake_flows.ts";

Deno.test("parseFilter keeps the expression, the AST and the case mode", () => {
  const f = parseFilter("~q ~s");
  equal(f.pattern, "~q ~s");
  equal(f.caseSensitive, false);
  equal(f.ast.kind, "and");
  equal(parseFilter("~q", { caseSensitive: true }).caseSensitive, true);
});

Deno.test("toString: mitmproxy's str(filter) wording for every unary operator", () => {
  const want: Record<string, string> = {
    "~a": "is asset",
    "~all": "all flows",
    "~dns": "is a DNS Flow",
    "~e": "has error",
    "~http": "is an HTTP Flow",
    "~marked": "is marked",
    "~q": "has no response",
    "~replay": "flow has been replayed",
    "~replayq": "request has been replayed",
    "~replays": "response has been replayed",
    "~s": "has response",
    "~tcp": "is a TCP Flow",
    "~udp": "is a UDP Flow",
    "~websocket": "is a Websocket Flow",
  };
  for (const [expr, text] of Object.entries(want)) equal(String(parseFilter(expr)), text, expr);
});

Deno.test("toString: regex operators show the pattern and the flags in effect", () => {
  const want: [string, string][] = [
    ["~b x", "body matches /x/is"],
    ["~bq x", "req. body matches /x/is"],
    ["~bs x", "resp. body matches /x/is"],
    ["~t x", "content type matches /x/i"],
    ["~tq x", "req. content type matches /x/i"],
    ["~ts x", "resp. content type matches /x/i"],
    ["~d x", "domain matches /x/i"],
    ["~dst x", "destination address matches /x/i"],
    ["~h x", "header matches /x/im"],
    ["~hq x", "req. header matches /x/im"],
    ["~hs x", "resp. header matches /x/im"],
    ["~m x", "method matches /x/i"],
    ["~src x", "source address matches /x/i"],
    ["~u x", "url matches /x/i"],
    ["x", "url matches /x/i"],
    ["~meta x", "metadata matches /x/im"],
    ["~marker x", "marker matches /x/i"],
    ["~comment x", "comment matches /x/im"],
    ["~c 404", "resp. code is 404"],
    ["~u 'a b'", "url matches /a b/i"],
    ["~u '(?s)a'", "url matches /(?s)a/is"],
    ["~b '(?m)a'", "body matches /(?m)a/ims"],
  ];
  for (const [expr, text] of want) equal(String(parseFilter(expr)), text, expr);
  equal(String(parseFilter("~u x", { caseSensitive: true })), "url matches /x/");
  equal(String(parseFilter("~h x", { caseSensitive: true })), "header matches /x/m");
});

Deno.test("toString: and/or are parenthesized inside other nodes, not is not", () => {
  const want: [string, string][] = [
    ["~q & ~s", "has no response and has response"],
    ["~q ~s", "has no response and has response"],
    ["!~q & ~s", "not has no response and has response"],
    ["!(~q & ~s )", "not (has no response and has response)"],
    ["~q | ~s & ~e", "has no response or (has response and has error)"],
    ["(~q | ~s ) & ~e", "(has no response or has response) and has error"],
    ["!!~e", "not not has error"],
    ['!(~q & ~t "text/html")', "not (has no response and content type matches /text/html/i)"],
  ];
  for (const [expr, text] of want) equal(String(parseFilter(expr)), text, expr);
});

Deno.test("case-insensitive by default, case-sensitive on request", () => {
  const f = tflow({ resp: true });
  const yes = ["~u ADDRESS", "~d Address", "~m get", "~h HEADER", "~b CONTENT", "~src 127"];
  for (const e of yes) ok(parseFilter(e).match(f), e);
  for (const e of yes.slice(0, 5)) ok(!parseFilter(e, { caseSensitive: true }).match(f), e);
  for (const e of ["~u address", "~m GET", "~h header", "~b content"]) {
    ok(parseFilter(e, { caseSensitive: true }).match(f), e);
  }
  // Inline flags win either way.
  ok(parseFilter("~u '(?i)ADDRESS'", { caseSensitive: true }).match(f));
  ok(!parseFilter("~u '(?-i:ADDRESS)'").match(f));
  // mitmproxy compiles the ~a asset types case-sensitively in both modes.
  f.response!.headers.set("content-type", "TEXT/CSS");
  ok(!parseFilter("~a").match(f));
});

Deno.test("caseSensitiveFromEnv follows mitmproxy: only '1' turns it on", () => {
  equal(CASE_SENSITIVE_ENV, "MITMPROXY_CASE_SENSITIVE_FILTERS");
  equal(caseSensitiveFromEnv("1"), true);
  for (const v of [undefined, "", "0", "true", "yes", " 1"]) equal(caseSensitiveFromEnv(v), false);
});

function regexFails(expr: string, position: number, message: string) {
  throws(() => parseFilter(expr), (e: unknown) => {
    ok(e instanceof FilterSyntaxError, String(e));
    equal(e.message, message);
    equal(e.position, position, expr);
    equal(e.expression, expr);
    return true;
  });
}

Deno.test("bad regexes: a FilterSyntaxError naming the operator and the regex", () => {
  regexFails(
    '~u "("',
    3,
    'Cannot compile expression ~u "(": missing ), unterminated subpattern at position 0',
  );
  regexFails(
    "~h [",
    3,
    'Cannot compile expression ~h "[": unterminated character set at position 0',
  );
  regexFails("~q a**", 3, 'Cannot compile expression ~u "a**": multiple repeat at position 2');
  regexFails("~b '\\\\q'", 3, 'Cannot compile expression ~b "\\\\q": bad escape \\q at position 0');
  regexFails(
    "~q & ~meta 'a(?P<n>b)(?P<n>c)'",
    11,
    `Cannot compile expression ~meta "a(?P<n>b)(?P<n>c)": redefinition of group name 'n' ` +
      "as group 2; was group 1 at position 13",
  );
});

Deno.test("matchFilter takes an expression, a filter or nothing", () => {
  const f = tflow({ resp: true });
  equal(matchFilter("~s", f), true);
  equal(matchFilter(parseFilter("~q"), f), false);
  equal(matchFilter(null, f), true);
  equal(matchFilter(undefined, f), true);
  equal(matchFilter("~u ADDRESS", f, { caseSensitive: true }), false);
  throws(() => matchFilter("[foobar", f), FilterSyntaxError);
});

Deno.test("MATCH_ALL matches every kind of flow", () => {
  for (const flow of [tflow(), ttcpflow(), tudpflow(), tdnsflow(), tdummyflow()]) {
    ok(MATCH_ALL.match(flow));
  }
  equal(MATCH_ALL.pattern, "~all");
});

Deno.test("matching compiles no regex: every RegExp is built by parseFilter", () => {
  const filter = parseFilter("~b x | ~h y | ~u z | ~meta w | ~t v | ~d u | ~src t | ~a");
  const original = globalThis.RegExp;
  let built = 0;
  globalThis.RegExp = new Proxy(original, {
    construct(target, args) {
      built++;
      return Reflect.construct(target, args);
    },
    apply(target, self, args) {
      built++;
      return Reflect.apply(target, self, args);
    },
  });
  try {
    const flows = [tflow({ resp: true, ws: true }), ttcpflow(), tdnsflow({ resp: true })];
    for (let i = 0; i < 100; i++) for (const f of flows) filter.match(f);
  } finally {
    globalThis.RegExp = original;
  }
  deepStrictEqual(built, 0);
});
