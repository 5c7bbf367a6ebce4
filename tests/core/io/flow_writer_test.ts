import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { concatBytes, latin1Decode } from "../../../codecs/bytes.ts";
import { decode } from "../../../codecs/tnetstring/decode.ts";
import type { Flow } from "../../../core/flow/flow.ts";
import type { StateDict } from "../../../core/flow/state.ts";
import { readFlows } from "../../../core/io/flow_reader.ts";
import {
  encodeFlowState,
  FlowWriter,
  isFloatPath,
  openFlowFile,
  parseFlowPath,
} from "../../../core/io/flow_writer.ts";
import { tflow, ttcpflow } from "../flow/tflow.ts";
import { dumpfile } from "./fixtures.ts";

class MemorySink {
  chunks: Uint8Array[] = [];
  constructor(readonly maxWrite = Infinity, readonly delayMs = 0) {}
  async write(p: Uint8Array): Promise<number> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const n = Math.min(p.length, this.maxWrite);
    this.chunks.push(p.slice(0, n));
    return n;
  }
  get bytes(): Uint8Array {
    return concatBytes(this.chunks);
  }
}

async function collect(source: Uint8Array | string, warnings: string[] = []): Promise<Flow[]> {
  const input = typeof source === "string" ? source : new Blob([source as BlobPart]).stream();
  const out: Flow[] = [];
  for await (const f of readFlows(input, { onWarning: (m) => warnings.push(m) })) out.push(f);
  return out;
}

Deno.test("a mitmproxy-written flow (dumpfile-19) is re-written byte for byte", async () => {
  const raw = await Deno.readFile(dumpfile("dumpfile-19.mitm"));
  const [flow] = await collect(raw);
  const state = flow.getState();
  // Undo the 20 -> 21 migration to compare with what mitmproxy wrote.
  state.version = 20;
  (state.client_conn as StateDict).tls_version = "QUIC";
  (state.server_conn as StateDict).tls_version = "QUIC";
  const out = encodeFlowState(state);
  strictEqual(out.length, raw.length);
  ok(out.every((b, i) => b === raw[i]), "bytes differ");
});

Deno.test("a known flow is written as mitmproxy writes it: reversed keys, float timestamps", () => {
  const f = ttcpflow();
  f.id = "f1";
  f.client_conn.id = "c1";
  f.server_conn.id = "s1";
  const text = latin1Decode(encodeFlowState(f.getState()));
  // Dict items come out last-first, so "messages" (added last) leads and "version" ends.
  ok(text.startsWith("1"), text.slice(0, 20));
  ok(text.includes(":8:messages;"), "messages key");
  ok(text.indexOf("8:messages;") < text.indexOf("17:timestamp_created;"));
  ok(text.endsWith("4:type;3:tcp;7:version;2:21#}"), text.slice(-40));
  ok(text.includes("17:timestamp_created;11:946681200.0^"));
  ok(text.includes("4:true!5:hello,11:946681204.0^]"), "tcp message tuple timestamp is a float");
  ok(text.includes("9:127.0.0.1;2:22#]"), "ports are ints");
  ok(text.includes("5:error;0:~"));
  const tflowText = latin1Decode(encodeFlowState(tflow({ ws: true, resp: true }).getState()));
  ok(tflowText.includes("11:status_code;3:200#"));
  ok(tflowText.includes("10:close_code;4:1000#"));
  ok(tflowText.includes("1:2#4:true!12:hello binary,11:946681203.0^5:false!5:false!]"));
  // metadata is free-form: its integral numbers stay ints.
  ok(tflowText.includes("6:nested;20:1:a;12:1:1#1:x;1:b,]}"), "metadata");
});

Deno.test("the float rule", () => {
  ok(isFloatPath(["timestamp_created"]));
  ok(isFloatPath(["request", "timestamp_end"]));
  ok(isFloatPath(["error", "timestamp"]));
  ok(isFloatPath(["messages", 0, 2]));
  ok(isFloatPath(["websocket", "messages", 3, 3]));
  ok(isFloatPath(["backup", "websocket", "messages", 0, 3]));
  ok(!isFloatPath(["websocket", "messages", 3, 0]));
  ok(!isFloatPath(["messages", 0, 0]));
  ok(!isFloatPath(["request", "port"]));
  ok(!isFloatPath(["metadata", "timestamp"]));
  ok(!isFloatPath(["client_conn", "peername", 1]));
});

Deno.test("written flows read back with equal state", async () => {
  const flows = [
    tflow(),
    tflow({ resp: true, ws: true }),
    tflow({ err: true }),
    ttcpflow({ err: true }),
  ];
  flows[1].backup();
  flows[1].comment = "changed";
  flows[2].marked = ":grapes:";
  const sink = new MemorySink();
  const w = new FlowWriter(sink);
  for (const f of flows) await w.add(f);
  strictEqual(w.count, 4);
  const back = await collect(sink.bytes);
  deepStrictEqual(back.map((f) => f.getState()), flows.map((f) => f.getState()));
  strictEqual(back[1].modified(), true);
});

Deno.test("adds are written in call order, whole, even with short writes", async () => {
  const sink = new MemorySink(200, 1);
  const w = new FlowWriter(sink);
  const a = tflow();
  const b = ttcpflow();
  await Promise.all([w.add(a), w.add(b.getState()), w.drain()]);
  const back = await collect(sink.bytes);
  deepStrictEqual(back.map((f) => f.id), [a.id, b.id]);
});

Deno.test("the state is taken at add() time", async () => {
  const sink = new MemorySink(Infinity, 5);
  const w = new FlowWriter(sink);
  const f = tflow();
  const done = w.add(f);
  f.comment = "later";
  await done;
  const r = decode(sink.bytes);
  ok(!("error" in r));
  strictEqual((r.value as StateDict).comment, "");
});

Deno.test("a failed write rejects its add; later adds still run", async () => {
  let calls = 0;
  const w = new FlowWriter({
    write(p: Uint8Array) {
      calls++;
      return calls === 1 ? Promise.reject(new Error("disk full")) : Promise.resolve(p.length);
    },
  });
  await rejects(w.add(tflow()), /disk full/);
  await w.add(tflow());
  strictEqual(calls, 2);
});

Deno.test("each flow is on disk when add() resolves: cut mid-third, read 2 + a warning", async () => {
  const path = await Deno.makeTempFile({ suffix: ".mitm" });
  try {
    const file = await openFlowFile(path);
    const w = new FlowWriter(file);
    const sizes: number[] = [];
    for (const f of [tflow({ resp: true }), ttcpflow(), tflow({ err: true })]) {
      await w.add(f);
      sizes.push((await Deno.stat(path)).size);
    }
    file.close();
    strictEqual(sizes[2], (await Deno.readFile(path)).length);
    await Deno.truncate(path, sizes[1] + Math.floor((sizes[2] - sizes[1]) / 2));
    const warnings: string[] = [];
    const back = await collect(path, warnings);
    strictEqual(back.length, 2);
    strictEqual(warnings.length, 1);
    ok(warnings[0].includes(`at byte ${sizes[1]}`), warnings[0]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("'+path' appends, 'path' overwrites, '~' is home", async () => {
  deepStrictEqual(parseFlowPath("+a.mitm"), { path: "a.mitm", append: true });
  deepStrictEqual(parseFlowPath("a.mitm"), { path: "a.mitm", append: false });
  const home = Deno.env.get("HOME");
  if (home) deepStrictEqual(parseFlowPath("+~/x"), { path: `${home}/x`, append: true });
  const path = await Deno.makeTempFile({ suffix: ".mitm" });
  try {
    for (const spec of [path, `+${path}`, `+${path}`]) {
      const file = await openFlowFile(spec);
      await new FlowWriter(file).add(tflow());
      file.close();
    }
    strictEqual((await collect(path)).length, 3);
    const file = await openFlowFile(path);
    file.close();
    strictEqual((await collect(path)).length, 0);
  } finally {
    await Deno.remove(path);
  }
});
