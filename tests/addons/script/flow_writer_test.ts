import { deepStrictEqual, strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { readFlow } from "../../../addons/script/flow_reader.ts";
import { writeFlowState } from "../../../addons/script/flow_writer.ts";
import { WireReader } from "../../../addons/script/wire_reader.ts";
import { WireWriter } from "../../../addons/script/wire_writer.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { HttpFlow, Response } from "../../../core/flow/http.ts";
import { TcpFlow } from "../../../core/flow/tcp.ts";
import type { Flow } from "../../../core/flow/flow.ts";
import { tflow, ttcpflow } from "../../core/flow/tflow.ts";

/** The flow as the proxy writes it (in a frame of its own). */
function direct(flow: Flow): Uint8Array {
  const w = new WireWriter(64);
  const start = w.beginFrame();
  writeFlowState(w, flow);
  w.endFrame(start);
  return w.take();
}

/** `flow.getState()` written as any value. */
function generic(flow: Flow): Uint8Array {
  const w = new WireWriter(64);
  w.frame(flow.getState());
  return w.take();
}

function variants(): HttpFlow[] {
  const replayed = tflow({ resp: true, err: true });
  replayed.is_replay = "request";
  replayed.marked = ":star:";
  replayed.comment = "ünïcode comment ✓";
  replayed.intercepted = true;
  const latin1 = tflow({ resp: true });
  latin1.request.headers.set("x-latin1", "caf\xe9 \x80\x9f\xff");
  latin1.request.path = "/" + "long-path/".repeat(20) + "\xe9";
  latin1.response!.reason = "Ok \x85";
  latin1.response!.trailers = null;
  latin1.request.trailers = new Headers([["x-trailer", "1"]]);
  latin1.request.raw_content = null;
  latin1.server_conn.via = null;
  latin1.client_conn.certificate_list = [];
  return [
    tflow(),
    tflow({ resp: true }),
    tflow({ resp: true, ws: true, err: true, live: true }),
    replayed,
    latin1,
  ];
}

Deno.test("flow writer: an HTTP flow is written as its state object would be", () => {
  for (const flow of variants()) deepStrictEqual(direct(flow), generic(flow));
});

Deno.test("flow writer: the request method goes as request.method reads it", () => {
  const flow = tflow();
  flow.request.method = "get";
  const state = flow.getState();
  (state.request as Record<string, unknown>).method = new TextEncoder().encode("GET");
  const w = new WireWriter();
  w.frame(state);
  deepStrictEqual(direct(flow), w.take());
});

Deno.test("flow writer: a backup goes when the flow differs from it; TCP flows as state", () => {
  const flow = tflow({ resp: true });
  flow.backup();
  // Unchanged since the backup: written without it (every flow method sees the same).
  const unmodified = flow.getState();
  unmodified.backup = null;
  const w = new WireWriter();
  w.frame(unmodified);
  deepStrictEqual(direct(flow), w.take());
  flow.request.path = "/changed";
  deepStrictEqual(direct(flow), generic(flow));
  const tcp = ttcpflow();
  deepStrictEqual(direct(tcp), generic(tcp));
});

Deno.test("flow writer: fields of the wrong type fall back to getState()", () => {
  const flow = tflow({ resp: true });
  (flow as unknown as { marked: unknown }).marked = 42;
  deepStrictEqual(direct(flow), generic(flow));
  (flow.response as unknown as { reason: unknown }).reason = 7;
  deepStrictEqual(direct(flow), generic(flow));
});

function readBack(bytes: Uint8Array): Flow {
  const r = WireReader.frame(bytes);
  const { flow } = readFlow(r);
  r.finish();
  return flow;
}

Deno.test("flow reader: builds the objects HttpFlow.fromState builds", () => {
  for (const flow of [...variants(), ttcpflow({ err: true })]) {
    const back = readBack(direct(flow));
    const expected = flow instanceof TcpFlow
      ? TcpFlow.fromState(flow.getState())
      : HttpFlow.fromState(flow.getState());
    strictEqual(back.constructor, expected.constructor);
    deepStrictEqual(back.getState(), expected.getState());
    if (back instanceof HttpFlow && expected instanceof HttpFlow) {
      deepStrictEqual(back.request.headers.fields, expected.request.headers.fields);
      strictEqual(back.response?.constructor, expected.response?.constructor);
    }
  }
  const withBackup = tflow({ resp: true });
  withBackup.backup();
  withBackup.comment = "changed";
  deepStrictEqual(readBack(direct(withBackup)).getState(), withBackup.getState());
});

const latin1 = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
});

Deno.test("flow writer and reader agree with getState/fromState (property)", () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(latin1.filter((s) => s.length > 0), latin1), { maxLength: 8 }),
      fc.option(fc.uint8Array({ maxLength: 300 })),
      latin1,
      fc.string(),
      fc.integer({ min: 100, max: 999 }),
      fc.double({ noNaN: true }),
      (fields, body, path, comment, status, ts) => {
        const flow = tflow({ resp: true });
        flow.request.headers = new Headers(fields);
        flow.request.raw_content = body;
        flow.request.path = path;
        flow.comment = comment;
        flow.response = Response.make(status, "x", fields);
        flow.response.timestamp_end = ts;
        deepStrictEqual(direct(flow), generic(flow));
        deepStrictEqual(readBack(direct(flow)).getState(), flow.getState());
      },
    ),
  );
});
