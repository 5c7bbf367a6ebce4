import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { ReadFile } from "../../addons/read_file.ts";
import { Save } from "../../addons/save.ts";
import { concatBytes } from "../../codecs/bytes.ts";
import type { Flow } from "../../core/flow/flow.ts";
import type { HttpFlow } from "../../core/flow/http.ts";
import type { TcpFlow } from "../../core/flow/tcp.ts";
import type { Addon } from "../../core/hooks.ts";
import { readFlows } from "../../core/io/flow_reader.ts";
import { encodeFlowState } from "../../core/io/flow_writer.ts";
import type { LogEntry } from "../../core/log.ts";
import { Master } from "../../core/master.ts";
import { tflow, ttcpflow } from "../core/flow/tflow.ts";

function recorder(events: string[]): Addon {
  const http = (name: string) => (f: HttpFlow) => void events.push(`${name} ${f.id}`);
  const tcp = (name: string) => (f: TcpFlow) =>
    void events.push(`${name} ${f.id} ${f.messages.length}`);
  return {
    name: "recorder",
    requestheaders: http("requestheaders"),
    request: http("request"),
    responseheaders: http("responseheaders"),
    response: http("response"),
    error: http("error"),
    tcp_start: tcp("tcp_start"),
    tcp_message: tcp("tcp_message"),
    tcp_end: tcp("tcp_end"),
    tcp_error: tcp("tcp_error"),
  };
}

function setup(stdin?: ReadableStream<Uint8Array>) {
  const master = new Master();
  const readFile = new ReadFile(master.addons, stdin ? { stdin: () => stdin } : {});
  const events: string[] = [];
  const logs: LogEntry[] = [];
  master.logger.subscribe((e) => logs.push(e));
  master.addons.add(readFile, recorder(events));
  return { master, readFile, events, logs };
}

async function run(master: Master, readFile: ReadFile): Promise<void> {
  master.addons.configureAll();
  await master.addons.trigger("running");
  await readFile.readDone;
}

async function withTempFile(bytes: Uint8Array, fn: (path: string) => Promise<void>) {
  const path = await Deno.makeTempFile({ suffix: ".mitm" });
  try {
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

const encodeAll = (flows: Flow[]) => concatBytes(flows.map((f) => encodeFlowState(f.getState())));

Deno.test("rfile replays each flow's hooks like the proxy would", async () => {
  const resp = tflow({ resp: true });
  const err = tflow({ err: true });
  const tcp = ttcpflow();
  const tcpErr = ttcpflow({ err: true });
  const ws = tflow({ resp: true, ws: true, err: true });
  await withTempFile(encodeAll([resp, err, tcp, tcpErr, ws]), async (path) => {
    const { master, readFile, events, logs } = setup();
    master.options.update({ rfile: path });
    await run(master, readFile);
    deepStrictEqual(events, [
      `requestheaders ${resp.id}`,
      `request ${resp.id}`,
      `responseheaders ${resp.id}`,
      `response ${resp.id}`,
      `requestheaders ${err.id}`,
      `request ${err.id}`,
      `error ${err.id}`,
      `tcp_start ${tcp.id} 0`,
      `tcp_message ${tcp.id} 1`,
      `tcp_message ${tcp.id} 2`,
      `tcp_end ${tcp.id} 2`,
      `tcp_start ${tcpErr.id} 0`,
      `tcp_message ${tcpErr.id} 1`,
      `tcp_message ${tcpErr.id} 2`,
      `tcp_error ${tcpErr.id} 2`,
      `requestheaders ${ws.id}`,
      `request ${ws.id}`,
      `responseheaders ${ws.id}`,
      `response ${ws.id}`,
    ]);
    deepStrictEqual(logs, []);
    strictEqual(await master.commands.call("readfile.reading"), false);
  });
});

Deno.test("without rfile, readDone resolves at running", async () => {
  const { master, readFile, events } = setup();
  await run(master, readFile);
  deepStrictEqual(events, []);
});

Deno.test("rfile '-' reads stdin", async () => {
  const f = tflow({ resp: true });
  const { master, readFile, events } = setup(new Blob([encodeAll([f]) as BlobPart]).stream());
  master.options.update({ rfile: "-" });
  await run(master, readFile);
  strictEqual(events.length, 4);
});

Deno.test("a corrupt file: flows before the damage load, then an error naming file and offset", async () => {
  const good = encodeFlowState(tflow().getState());
  const bytes = concatBytes([good, new TextEncoder().encode("5:hello?")]);
  await withTempFile(bytes, async (path) => {
    const { master, readFile, events, logs } = setup();
    master.options.update({ rfile: path });
    await run(master, readFile);
    strictEqual(events.length, 2);
    deepStrictEqual(logs.map((e) => [e.level, e.msg]), [
      ["warn", "Flow file corrupted - loaded 1 flows."],
      [
        "error",
        `Failed to read flows: ${path}: invalid tnetstring at byte ${
          good.length + 7
        }: unknown type tag "?"`,
      ],
    ]);
  });
});

Deno.test("a truncated last flow is a warning; a missing file an error", async () => {
  const good = encodeFlowState(tflow().getState());
  await withTempFile(concatBytes([good, good.subarray(0, 50)]), async (path) => {
    const { master, readFile, events, logs } = setup();
    master.options.update({ rfile: path });
    await run(master, readFile);
    strictEqual(events.length, 2);
    strictEqual(logs.length, 1);
    strictEqual(logs[0].level, "warn");
    ok(logs[0].msg.includes(`${path}: skipped a truncated flow`), logs[0].msg);
  });
  const { master, readFile, logs } = setup();
  master.options.update({ rfile: "/nonexistent/dir/x.mitm" });
  await run(master, readFile);
  strictEqual(logs.length, 1);
  strictEqual(logs[0].level, "error");
  ok(logs[0].msg.includes("/nonexistent/dir/x.mitm"), logs[0].msg);
});

Deno.test("readfile_filter loads only matching flows; a bad filter is rejected", async () => {
  const resp = tflow({ resp: true });
  await withTempFile(encodeAll([tflow({ err: true }), resp, ttcpflow()]), async (path) => {
    const { master, readFile, events } = setup();
    master.options.update({ rfile: path, readfile_filter: "~s" });
    await run(master, readFile);
    deepStrictEqual(events, [
      `requestheaders ${resp.id}`,
      `request ${resp.id}`,
      `responseheaders ${resp.id}`,
      `response ${resp.id}`,
    ]);
    throws(() => master.options.update({ readfile_filter: "~x (" }), { name: "OptionsError" });
  });
});

Deno.test("in a single reverse mode, loaded requests point at the reverse target", async () => {
  await withTempFile(encodeAll([tflow({ resp: true })]), async (path) => {
    const { master, readFile } = setup();
    master.options.add({
      name: "mode",
      type: "sequence of str",
      default: ["regular"],
      help: "Mode.",
    });
    master.options.update({ rfile: path, mode: ["reverse:https://example.org:8443"] });
    const seen: string[] = [];
    master.addons.add({ name: "urls", request: (f: HttpFlow) => void seen.push(f.request.url) });
    await run(master, readFile);
    deepStrictEqual(seen, ["https://example.org:8443/path"]);
  });
});

Deno.test("end to end: save writes what the proxy saw, read_file loads it into another save", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const first = `${dir}/first.mitm`;
    const second = `${dir}/second.mitm`;
    const flows = [tflow({ resp: true }), ttcpflow(), tflow({ err: true })];
    const recording = new Master();
    recording.addons.add(new Save());
    recording.options.update({ save_stream_file: first });
    for (const f of flows) {
      if (f.type === "tcp") await recording.addons.trigger("tcp_end", f as TcpFlow);
      else if ((f as HttpFlow).response) await recording.addons.trigger("response", f as HttpFlow);
      else await recording.addons.trigger("error", f as HttpFlow);
    }
    await recording.addons.trigger("done");

    const replay = new Master();
    const readFile = new ReadFile(replay.addons);
    replay.addons.add(readFile, new Save());
    replay.options.update({ rfile: first, save_stream_file: second });
    await run(replay, readFile);
    await replay.addons.trigger("done");

    const back: Flow[] = [];
    for await (const f of readFlows(second)) back.push(f);
    deepStrictEqual(back.map((f) => f.getState()), flows.map((f) => f.getState()));
    deepStrictEqual(await Deno.readFile(second), await Deno.readFile(first));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
