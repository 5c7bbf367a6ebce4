/** Operators on WebSocket, TCP, UDP, DNS and unknown flow kinds (mitmproxy's
 * TestMatching{WebSocket,TCP,UDP,DNS,Dummy}Flow). */

import { deepStrictEqual, equal } from "node:assert/strict";
import { parseFilter } from "../../../core/flowfilter/filter.ts";
import type { FilterableFlow } from "../../../core/flowfilter/filterable.ts";
import { OPERATORS } from "../../../core/flowfilter/operators.ts";
import { tflow, ttcpflow } from "../flow/tflow.ts";
import { tdnsflow, tdummyflow, tudpflow } from "./fake_flows.ts";

function matches(flow: FilterableFlow, yes: string[], no: string[]) {
  deepStrictEqual(
    {
      yes: yes.filter((e) => !parseFilter(e).match(flow)),
      no: no.filter((e) => parseFilter(e).match(flow)),
    },
    { yes: [], no: [] },
  );
}

const NOT_HTTP = [
  "~q",
  "~s",
  "~h whatever",
  "~hq whatever",
  "~hs whatever",
  "~t whatever",
  "~tq whatever",
  "~ts whatever",
  "~c 200",
  "~d whatever",
  "~m whatever",
  "~u whatever",
  "~a",
  "~http",
  "~websocket",
];

/** mitmproxy's shared checks for flows with client/server messages. */
function streamChecks(flow: FilterableFlow) {
  matches(flow, [
    "~b hello",
    "~b me",
    "~bq hello",
    "~bs me",
    "~src 127.0.0.1",
    "~src :22",
    "~src 127.0.0.1:22",
    "~dst address",
    "~dst :22",
    "~dst address:22",
    "~b hello & ~b me",
    "(~src :22 & ~dst :22) & ~b hello",
    "~b hello | ~b me",
    "~src :22 | ~b me",
    "(~src :22 | ~dst :22) | ~b me",
    "! ~src :99",
    "!~src :99 !~src :99",
  ], [
    "~b nonexistent",
    "~bq me",
    "~bq nonexistent",
    "~bs hello",
    "~bs nonexistent",
    "~src foobar",
    "~src :99",
    "~dst foobar",
    "~dst :99",
    "~src wrongaddress & ~b hello",
    "(~src address:22 & ~dst :22) & ~b nonexistent",
    "(~src address:22 & ~dst :99) & ~b hello",
    "~src :99 | ~dst :99",
    "! ~src :22",
    "!~src :99 !~src :22",
  ]);
}

Deno.test("WebSocket flows: messages count as bodies, per direction", () => {
  const f = tflow({ ws: true });
  matches(f, ["~websocket", "~http", "~d address", "~u address:22/path"], ["~tcp", "~d none"]);
  matches(f, ["~b 'hello binary'", "~bq 'hello text'", '~bs "it\'s"'], ["~bs hello"]);
  // The handshake bodies still count.
  matches(f, ["~bq content", "~b content"], ["~bs content"]);
  streamChecks(tflow({ ws: true }));
});

Deno.test("TCP flows", () => {
  const f = ttcpflow();
  matches(f, ["~tcp", "~all"], ["~udp", "~dns", "~e", ...NOT_HTTP]);
  matches(ttcpflow({ err: true }), ["~e"], []);
  streamChecks(f);
});

Deno.test("UDP flows (structural: type 'udp' with messages)", () => {
  const f = tudpflow();
  matches(f, ["~udp", "~all"], ["~tcp", "~dns", "~e", ...NOT_HTTP]);
  matches(tudpflow({ err: true }), ["~e"], []);
  streamChecks(f);
});

Deno.test("DNS flows (structural: type 'dns' with request/response)", () => {
  const q = tdnsflow();
  const s = tdnsflow({ resp: true });
  matches(q, ["~dns", "~q", "~u dns.google", "~b dns.google", "~bq dns.google"], [
    "~http",
    "~tcp",
    "~s",
    "~u whatever",
    "~b nonexistent",
    "~bs dns.google",
  ]);
  matches(s, ["~s", "~b 8.8.8.8", "~bq dns.google", "~bs dns.google", "~bs 8.8.8.8"], [
    "~q",
    "~bq 8.8.8.8",
  ]);
  matches(tdnsflow({ err: true }), ["~e"], []);
});

Deno.test("flows of other kinds: only the operators for all flows apply (mitmproxy Dummy)", () => {
  const e = tdummyflow({ err: true });
  const f = tdummyflow();
  matches(f, ["~all", "~dst address", "~src 127.0.0.1"], [
    "~b whatever",
    "~bq whatever",
    "~bs whatever",
    "~dst nonexistent",
    "~e",
    "~src nonexistent",
    "~tcp",
    "~udp",
    "~dns",
    "~comment .",
    ...NOT_HTTP,
  ]);
  matches(e, ["~e"], []);
  f.comment = "comment";
  matches(f, ["~comment ."], []);
});

Deno.test("every kind-restricted operator is false for other kinds, even with a match-all regex", () => {
  const anything = (code: string, arg: string) =>
    arg === "none" ? `~${code}` : arg === "int" ? `~${code} 200` : `~${code} ''`;
  const flows: FilterableFlow[] = [
    tflow({ resp: true, ws: true }),
    ttcpflow(),
    tudpflow(),
    tdnsflow({ resp: true }),
    tdummyflow(),
  ];
  for (const op of OPERATORS) {
    const filter = parseFilter(anything(op.code, op.arg));
    for (const flow of flows) {
      if (op.appliesTo === "all" || op.appliesTo.includes(flow.type as "http")) continue;
      equal(filter.match(flow), false, `~${op.code} on a ${flow.type} flow`);
    }
  }
});
