/** Property tests: expressions built from the grammar (valid or not) and random strings either
 * parse or throw FilterSyntaxError, never anything else; parsed filters match without
 * throwing, and `!!x` matches exactly what `x` matches. */

import { equal, ok } from "node:assert/strict";
import fc from "fast-check";
import {
  FilterSyntaxError,
  type FlowFilter,
  parseFilter,
} from "../../../core/flowfilter/filter.ts";
import type { FilterableFlow } from "../../../core/flowfilter/filterable.ts";
import { OPERATORS } from "../../../core/flowfilter/operators.ts";
import { tflow, ttcpflow } from "../flow/tflow.ts";
import { tdnsflow, tdummyflow, tudpflow } from "./fake_flows.ts";

function sampleFlows(): FilterableFlow[] {
  const marked = tflow({ resp: true, err: true });
  marked.marked = ":default:";
  marked.comment = "a comment\nwith two lines";
  marked.is_replay = "request";
  const html = tflow({ resp: true });
  html.response!.headers.set("content-type", "text/html");
  html.response!.content = new Uint8Array([0x3c, 0x61, 0x3e, 0xff, 0x0a]);
  return [
    tflow(),
    marked,
    html,
    tflow({ ws: true }),
    ttcpflow(),
    tudpflow(),
    tdnsflow({ resp: true }),
    tdummyflow(),
  ];
}

const FLOWS = sampleFlows();

const codes = (arg: string) => OPERATORS.filter((op) => op.arg === arg).map((op) => op.code);
const space = fc.constantFrom("", " ", " ", "  ", "\t", "\n");
const bare = fc.string({
  unit: fc.constantFrom(..."abcqsu.*+?[]{}^$\\|&!:/-0129éT"),
  minLength: 1,
  maxLength: 6,
});
const quoted = fc
  .tuple(
    fc.constantFrom('"', "'"),
    fc.string({ unit: fc.constantFrom(..."ab ()~'\"\\.*[tn&|!"), maxLength: 6 }),
  )
  .map(([q, body]) => q + body + q);
const value = fc.oneof(bare, quoted);

const atom: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...codes("none")).map((c) => `~${c}`),
  fc.tuple(fc.constantFrom(...codes("regex")), space, value).map(([c, s, v]) => `~${c} ${s}${v}`),
  fc.tuple(fc.constantFrom(...codes("int")), fc.constantFrom(0, 101, 200, 404)).map(([c, n]) =>
    `~${c} ${n}`
  ),
  value,
  fc.constantFrom("~x", "~", "~c", "~u", "~bq", "(", ")", "!", "&", "|", "~q)", "'"),
);

const { expr } = fc.letrec<{ expr: string }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    atom,
    fc.tuple(space, tie("expr")).map(([s, x]) => `!${s}${x}`),
    fc.tuple(tie("expr"), space, fc.constantFrom("&", "|"), space, tie("expr")).map((p) =>
      p.join("")
    ),
    fc.tuple(space, tie("expr"), fc.constantFrom(" ", " ", "")).map(([a, x, b]) =>
      `(${a}${x}${b})`
    ),
    fc.tuple(tie("expr"), tie("expr")).map(([a, b]) => `${a} ${b}`),
  ),
}));

const junk = fc.string({ unit: fc.constantFrom(..."~!&|()'\" \\abcqsu02.*[é"), maxLength: 16 });

/** The parsed filter, or null when it throws FilterSyntaxError (anything else fails). */
function tryParse(x: string, caseSensitive: boolean): FlowFilter | null {
  try {
    return parseFilter(x, { caseSensitive });
  } catch (e) {
    ok(e instanceof FilterSyntaxError, `${JSON.stringify(x)} threw ${e}`);
    ok(e.position >= 0 && e.position <= x.length, `${JSON.stringify(x)}: ${e.message}`);
    return null;
  }
}

Deno.test("property: any expression parses or throws FilterSyntaxError; filters match", () => {
  let parsed = 0;
  fc.assert(
    fc.property(fc.oneof(expr, junk), fc.boolean(), (x, caseSensitive) => {
      const filter = tryParse(x, caseSensitive);
      if (!filter) return;
      parsed++;
      equal(typeof String(filter), "string");
      for (const flow of FLOWS) equal(typeof filter.match(flow), "boolean");
    }),
    { numRuns: 3000 },
  );
  ok(parsed > 500, `only ${parsed} expressions parsed: the generator is too broken`);
});

Deno.test("property: !!x matches exactly what x matches", () => {
  fc.assert(
    fc.property(expr, fc.boolean(), (x, caseSensitive) => {
      const filter = tryParse(x, caseSensitive);
      if (!filter) return;
      const twice = parseFilter(`!!${x}`, { caseSensitive });
      for (const flow of FLOWS) equal(twice.match(flow), filter.match(flow), x);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("property: x & y and x | y combine the matches of x and y", () => {
  fc.assert(
    fc.property(atom, atom, (x, y) => {
      const [fx, fy] = [tryParse(x, false), tryParse(y, false)];
      if (!fx || !fy) return;
      const and = tryParse(`${x} & ${y}`, false);
      const or = tryParse(`${x} | ${y}`, false);
      // A bare "&" or "|" atom reads back differently; only check real operators.
      if (!and || !or || and.ast.kind !== "and" || or.ast.kind !== "or") return;
      for (const flow of FLOWS) {
        equal(and.match(flow), fx.match(flow) && fy.match(flow), `${x} & ${y}`);
        equal(or.match(flow), fx.match(flow) || fy.match(flow), `${x} | ${y}`);
      }
    }),
    { numRuns: 1000 },
  );
});
