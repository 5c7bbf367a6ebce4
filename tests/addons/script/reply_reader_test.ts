import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { applyFlowState } from "../../../addons/script/apply_state.ts";
import type { ReplyMessage } from "../../../addons/script/protocol.ts";
import { readWorkerMessage } from "../../../addons/script/reply_reader.ts";
import { decodeFrame } from "../../../addons/script/wire_reader.ts";
import { encodeFrame } from "../../../addons/script/wire_writer.ts";
import type { StateValue } from "../../../core/flow/state.ts";
import { tflow } from "../../core/flow/tflow.ts";

const b = (s: string) => new TextEncoder().encode(s);

function reply(state: unknown): ReplyMessage {
  const m = { t: "reply", id: 1, errors: [], warnings: [], changed: true, state };
  return readWorkerMessage(encodeFrame(m)) as ReplyMessage;
}

Deno.test("reply reader: header fields of a flow delta come as latin1 strings", () => {
  const r = reply({
    marked: ":x:",
    request: { headers: [[b("x-a"), new Uint8Array([0x63, 0xe9])]], method: b("GET") },
    response: { trailers: [] },
  });
  deepStrictEqual(r.state, {
    marked: ":x:",
    request: { headers: [["x-a", "c\xe9"]], method: b("GET") },
    response: { trailers: [] },
  });
});

Deno.test("reply reader: other shapes are read as they are, for apply to refuse", () => {
  const odd = { request: { headers: [[b("x"), "not bytes"], [b("y")]] } };
  const r = reply(odd);
  deepStrictEqual(r.state, decodeFrame(encodeFrame(odd)));
  throws(() => applyFlowState(tflow(), r.state as StateValue, {}), /expected \[name, value\]/);
  // Connection hooks' state and other messages are untouched.
  deepStrictEqual(reply({ client: { id: "c" } }).state, { client: { id: "c" } });
  strictEqual(readWorkerMessage(encodeFrame({ t: "log", level: "info", msg: "m" })).t, "log");
});

Deno.test("reply reader: decoded header strings apply like bytes, checked the same way", () => {
  const flow = tflow({ resp: true });
  applyFlowState(flow, reply({ response: { headers: [["x-b", "1"]] } }).state as StateValue, {});
  deepStrictEqual(flow.response!.headers.fields, [["x-b", "1"]]);
  const bad = (v: string) => ({ request: { headers: [[b("x"), b(v)]] } });
  throws(() => applyFlowState(tflow(), reply(bad("a\r\nb")).state as StateValue, {}), /CR, LF/);
  const wide = { request: { headers: [["x", "\u2603"]] } } as unknown as StateValue;
  throws(() => applyFlowState(tflow(), wide, {}), /not a latin1 string/);
});

Deno.test("reply reader: a made response with string headers is checked and attached", () => {
  const flow = tflow();
  const made = tflow({ resp: true }).response!.getState();
  applyFlowState(flow, reply({ response: made }).state as StateValue, {});
  deepStrictEqual(flow.response!.getState(), made);
  const partial = { ...made } as Record<string, unknown>;
  delete partial.status_code;
  throws(
    () => applyFlowState(tflow(), reply({ response: partial }).state as StateValue, {}),
    /status_code: missing/,
  );
});

Deno.test("wire reader: empty BYTES share one empty buffer", () => {
  const v = decodeFrame(encodeFrame([new Uint8Array(0), new Uint8Array(0)])) as Uint8Array[];
  strictEqual(v[0].length, 0);
  strictEqual(v[0].buffer.byteLength, 0);
});
