/** `deno bench -A tests/core/flowfilter/filter_bench.ts`: parse once, match many flows. */

import { parseFilter } from "../core/flowfilter/filter.ts";
import { tflow, ttcpflow } from "../tests/core/flow/tflow.ts";

const flows = [tflow(), tflow({ resp: true }), tflow({ resp: true, ws: true }), ttcpflow()];
const big = tflow({ resp: true });
big.response!.content = new Uint8Array(64 * 1024).fill(0x61);

const url = parseFilter("~d example.com | ~u /api/");
const headers = parseFilter("~h 'content-type: application/json' | ~hs '^server: nginx'");
const body = parseFilter("~b needle | ~bs other");
const mixed = parseFilter('!(~q & ~t "text/html") & ~c 200 & ~m GET ~src :22');

Deno.bench("parseFilter (mixed expression)", () => {
  parseFilter('!(~q & ~t "text/html") & ~c 200 & ~m GET ~src :22');
});
Deno.bench("match ~d | ~u (4 flows)", () => {
  for (const f of flows) url.match(f);
});
Deno.bench("match ~h | ~hs (4 flows)", () => {
  for (const f of flows) headers.match(f);
});
Deno.bench("match ~b | ~bs (4 flows)", () => {
  for (const f of flows) body.match(f);
});
Deno.bench("match mixed (4 flows)", () => {
  for (const f of flows) mixed.match(f);
});
Deno.bench("match ~b on a 64 KiB body", () => {
  body.match(big);
});
