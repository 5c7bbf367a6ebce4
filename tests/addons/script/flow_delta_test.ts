import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import fc from "fast-check";
import { applyFlowState } from "../../../addons/script/apply_state.ts";
import { flowDelta, writeDelta } from "../../../addons/script/flow_delta.ts";
import { readFlow } from "../../../addons/script/flow_reader.ts";
import { writeFlowState } from "../../../addons/script/flow_writer.ts";
import type { WireValue } from "../../../addons/script/wire.ts";
import { decodeFrame, WireReader } from "../../../addons/script/wire_reader.ts";
import { WireWriter } from "../../../addons/script/wire_writer.ts";
import type { Flow } from "../../../core/flow/flow.ts";
import { HttpFlow, Response } from "../../../core/flow/http.ts";
import type { StateValue } from "../../../core/flow/state.ts";
import { tflow, ttcpflow } from "../../core/flow/tflow.ts";

/** Sends `live` to a "worker", runs `edit` there and returns the delta it answers with. */
function deltaOf<F extends Flow>(live: F, edit: (f: F) => void): WireValue {
  const w = new WireWriter();
  const start = w.beginFrame();
  writeFlowState(w, live);
  w.endFrame(start);
  const { flow, spans } = readFlow(WireReader.frame(w.take()));
  edit(flow as F);
  const delta = flowDelta(flow, spans, new WireWriter(16));
  const out = new WireWriter();
  const s = out.beginFrame();
  writeDelta(out, delta);
  out.endFrame(s);
  return decodeFrame(out.take());
}

const utf8 = (s: string) => new TextEncoder().encode(s);

Deno.test("delta: a hook that changes nothing sends nothing back", () => {
  deepStrictEqual(deltaOf(tflow({ resp: true, ws: true }), () => {}), {});
  deepStrictEqual(deltaOf(ttcpflow(), () => {}), {});
});

Deno.test("delta: only the changed keys of the request and response come back", () => {
  const flow = tflow({ resp: true });
  const delta = deltaOf(flow, (f) => {
    f.request.headers.set("x-bench", "1");
    f.response!.status_code = 201;
    f.marked = ":x:";
  });
  deepStrictEqual(delta, {
    marked: ":x:",
    request: {
      headers: [
        [utf8("header"), utf8("qvalue")],
        [utf8("content-length"), utf8("7")],
        [utf8("x-bench"), utf8("1")],
      ],
    },
    response: { status_code: 201 },
  });
});

Deno.test("delta: a new response comes whole; a removed one as null", () => {
  const made = deltaOf(tflow(), (f) => (f.response = Response.make(204))) as Record<
    string,
    StateValue
  >;
  strictEqual(Object.keys(made).join(), "response");
  strictEqual((made.response as Record<string, StateValue>).status_code, 204);
  strictEqual(Object.keys(made.response as object).length, 8);
  deepStrictEqual(deltaOf(tflow({ resp: true }), (f) => (f.response = null)), { response: null });
});

Deno.test("delta: fields the proxy never takes are not compared", () => {
  const delta = deltaOf(tflow({ resp: true }), (f) => {
    f.id = "forged";
    f.client_conn.sni = "elsewhere";
    f.server_conn.address = ["evil", 1];
    f.timestamp_created = 0;
    f.backup();
  });
  deepStrictEqual(delta, {});
});

Deno.test("delta: a changed flow type goes back, for the proxy to refuse", () => {
  const delta = deltaOf(tflow(), (f) => {
    (f as unknown as { type: string }).type = "tcp";
  });
  deepStrictEqual(delta, { type: "tcp" });
  throws(() => applyFlowState(tflow(), delta as StateValue, {}), /flow type changed/);
});

Deno.test("delta: fields of the wrong type go as getState() has them", () => {
  const delta = deltaOf(tflow(), (f) => {
    (f as unknown as { marked: unknown }).marked = 42;
  });
  deepStrictEqual(delta, { marked: 42 });
});

const kill = (f: HttpFlow) => f.kill(1000);
const edits: ((f: HttpFlow) => void)[] = [
  (f) => f.request.headers.set("x-new", "1"),
  (f) => (f.request.host = "example.com"),
  (f) => (f.request.port = 8080),
  // The host setter rewrites Host; here the script puts the old value back.
  (f) => {
    const before = f.request.headers.get("host")!;
    f.request.host = "elsewhere.example";
    f.request.headers.set("Host", before);
  },
  (f) => (f.request.method = "POST"),
  (f) => (f.request.text = "a new body"),
  (f) => f.request.query.set("q", "1"),
  (f) => f.response && (f.response.status_code = 404),
  (f) => f.response?.headers.delete("header-response"),
  (f) => f.response && (f.response.text = "gone"),
  (f) => (f.response = Response.make(200, "made", { "x-made": "1" }, 1000)),
  (f) => (f.comment = "c"),
  (f) => (f.metadata = { k: [1, "v"] }),
  (f) => f.intercept(),
  kill,
];

Deno.test("delta: applied to the live flow, it gives what the hook made (property)", () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.subarray(edits.map((_, i) => i), { minLength: 1 }),
      (withResponse, chosen) => {
        const live = tflow({ resp: withResponse, live: true });
        live.request.headers.set("Host", "address:22");
        const expected = HttpFlow.fromState(live.getState());
        expected.live = true;
        const edit = (f: HttpFlow) => {
          f.live = true;
          for (const i of chosen) if (f.killable || edits[i] !== kill) edits[i](f);
        };
        edit(expected);
        applyFlowState(live, deltaOf(live, edit) as StateValue, {});
        deepStrictEqual(live.getState(), expected.getState());
      },
    ),
  );
});
