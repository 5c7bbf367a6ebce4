import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import * as zlib from "node:zlib";
import { Save } from "../../addons/save.ts";
import { SaveHar } from "../../addons/save_har.ts";
import { utf8Encode } from "../../codecs/bytes.ts";
import { type HarImport, importHar } from "../../core/io/har_import.ts";
import type { HarLog } from "../../core/io/har_types.ts";
import type { LogEntry } from "../../core/log.ts";
import { Master } from "../../core/master.ts";
import { Opcode, WebSocketMessage } from "../../core/flow/websocket.ts";
import { tflow, ttcpflow } from "../core/flow/tflow.ts";

function setup(): { master: Master; logs: LogEntry[]; stdout: Uint8Array[] } {
  const master = new Master();
  const stdout: Uint8Array[] = [];
  master.addons.add(
    new Save(),
    new SaveHar({ stdout: (d) => Promise.resolve(void stdout.push(d)) }),
  );
  const logs: LogEntry[] = [];
  master.logger.subscribe((e) => logs.push(e));
  return { master, logs, stdout };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function readHar(path: string): Promise<HarLog> {
  return JSON.parse(await Deno.readTextFile(path)) as HarLog;
}

Deno.test("hardump is a str option, off by default; nothing is written when off", async () => {
  const { master, stdout } = setup();
  strictEqual(master.options.get("hardump"), "");
  await master.addons.trigger("response", tflow({ resp: true }));
  await master.addons.trigger("done");
  deepStrictEqual(stdout, []);
});

Deno.test("hardump writes every HTTP flow seen, at done, in first-seen order", () =>
  withTempDir(async (dir) => {
    const { master, logs } = setup();
    const path = `${dir}/dump.har`;
    master.options.update({ hardump: path });
    const a = tflow({ resp: true });
    const failed = tflow({ err: true });
    const pending = tflow();
    const ws = tflow({ resp: true, ws: true });
    const hooks = master.addons;
    await hooks.trigger("request", a);
    await hooks.trigger("request", pending);
    await hooks.trigger("tcp_start", ttcpflow());
    await hooks.trigger("response", ws);
    await hooks.trigger("error", failed);
    await hooks.trigger("response", a);
    // Messages after the handshake are in: the HAR is made at done.
    ws.websocket!.messages.push(new WebSocketMessage(Opcode.TEXT, false, utf8Encode("late"), 9));
    strictEqual(await Deno.stat(path).catch(() => null), null, "nothing before done");
    await hooks.trigger("done");
    const har = await readHar(path);
    deepStrictEqual(har.log.entries.map((e) => e.response.status), [200, 0, 200, 0]);
    strictEqual(har.log.entries[1].response._error, null, "still in flight");
    strictEqual(har.log.entries[3].response._error, "error");
    strictEqual(har.log.entries[2]._webSocketMessages?.at(-1)?.data, "late");
    strictEqual(har.log.creator.name, "mitmdeno");
    ok(
      logs.some((e) => e.level === "info" && e.msg.includes("wrote 4 flows")),
      JSON.stringify(logs),
    );
    const back = importHar(await Deno.readFile(path)) as HarImport;
    deepStrictEqual(
      back.flows.map((f) => f.request.url),
      [a, pending, ws, failed].map((f) => f.request.url),
    );
  }));

Deno.test("hardump '-' writes to stdout", async () => {
  const { master, stdout } = setup();
  master.options.update({ hardump: "-" });
  await master.addons.trigger("response", tflow({ resp: true }));
  await master.addons.trigger("done");
  strictEqual(stdout.length, 1);
  const har = JSON.parse(new TextDecoder().decode(stdout[0])) as HarLog;
  strictEqual(har.log.entries.length, 1);
});

Deno.test("a .zhar hardump is zlib-compressed", () =>
  withTempDir(async (dir) => {
    const { master } = setup();
    const path = `${dir}/dump.zhar`;
    master.options.update({ hardump: path });
    await master.addons.trigger("response", tflow({ resp: true }));
    await master.addons.trigger("done");
    const raw = await Deno.readFile(path);
    strictEqual(raw[0], 0x78);
    const har = JSON.parse(new TextDecoder().decode(zlib.inflateSync(raw))) as HarLog;
    strictEqual(har.log.entries.length, 1);
  }));

Deno.test("save_stream_filter selects the flows of the hardump", async () => {
  const { master, stdout } = setup();
  master.options.update({ hardump: "-", save_stream_filter: "~e" });
  const failed = tflow({ err: true });
  failed.request.path = "/failed";
  await master.addons.trigger("response", tflow({ resp: true }));
  await master.addons.trigger("error", failed);
  await master.addons.trigger("done");
  const har = JSON.parse(new TextDecoder().decode(stdout[0])) as HarLog;
  deepStrictEqual(har.log.entries.map((e) => e.request.url), ["http://address:22/failed"]);
});

Deno.test("clearing hardump forgets the flows seen so far", async () => {
  const { master, stdout } = setup();
  master.options.update({ hardump: "-" });
  await master.addons.trigger("response", tflow({ resp: true }));
  master.options.update({ hardump: "" });
  master.options.update({ hardump: "-" });
  await master.addons.trigger("response", tflow({ resp: true }));
  await master.addons.trigger("done");
  strictEqual((JSON.parse(new TextDecoder().decode(stdout[0])) as HarLog).log.entries.length, 1);
});

Deno.test("a hardump that cannot be written is logged as an error at done", () =>
  withTempDir(async (dir) => {
    const { master, logs } = setup();
    master.options.update({ hardump: `${dir}/missing/dir/x.har` });
    await master.addons.trigger("response", tflow({ resp: true }));
    await master.addons.trigger("done");
    const errors = logs.filter((e) => e.level === "error");
    strictEqual(errors.length, 1);
    ok(errors[0].msg.startsWith(`Error while writing HAR dump to ${dir}/missing/dir/x.har`));
  }));

Deno.test("save.har flows path: typed command, skips non-HTTP flows, .zhar, errors", () =>
  withTempDir(async (dir) => {
    const { master, logs } = setup();
    strictEqual(master.commands.get("save.har").signature, "save.har flows path");
    deepStrictEqual(master.commands.get("save.har").args.map((a) => a.type), ["flow[]", "path"]);
    const path = `${dir}/out.har`;
    await master.commands.call("save.har", [tflow({ resp: true }), ttcpflow(), tflow()], path);
    strictEqual((await readHar(path)).log.entries.length, 2);
    deepStrictEqual(logs.map((e) => [e.level, e.msg]), [
      ["info", "Skipped 1 flows that weren't HTTP flows."],
      ["alert", `Saved 2 flows as HAR to ${path}.`],
    ]);
    await master.commands.call("save.har", [tflow({ resp: true })], `${dir}/out.zhar`);
    const raw = await Deno.readFile(`${dir}/out.zhar`);
    strictEqual(JSON.parse(new TextDecoder().decode(zlib.inflateSync(raw))).log.entries.length, 1);
    await rejects(master.commands.call("save.har", [tflow()], `${dir}/no/such/x.har`), (e) => {
      ok(e instanceof Error && e.name === "CommandError");
      ok(e.message.startsWith(`Cannot write HAR file ${dir}/no/such/x.har: `), e.message);
      return true;
    });
  }));
