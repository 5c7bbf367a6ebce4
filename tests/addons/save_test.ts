import { deepStrictEqual, ok, rejects, strictEqual, throws } from "node:assert/strict";
import { Save } from "../../addons/save.ts";
import type { Flow } from "../../core/flow/flow.ts";
import type { LogEntry } from "../../core/log.ts";
import { Master } from "../../core/master.ts";
import { OptionsError } from "../../core/option_types.ts";
import { readFlows } from "../../core/io/flow_reader.ts";
import { tflow, ttcpflow } from "../core/flow/tflow.ts";

async function readAll(path: string): Promise<Flow[]> {
  const out: Flow[] = [];
  for await (const f of readFlows(path)) out.push(f);
  return out;
}

function setup(): { master: Master; save: Save; logs: LogEntry[] } {
  const master = new Master();
  const save = new Save();
  master.addons.add(save);
  const logs: LogEntry[] = [];
  master.logger.subscribe((e) => logs.push(e));
  return { master, save, logs };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("save_stream_file streams finished flows in hook order and closes at done", () =>
  withTempDir(async (dir) => {
    const { master } = setup();
    const path = `${dir}/sub/dir/out.mitm`;
    master.options.update({ save_stream_file: path });
    const a = tflow({ resp: true });
    const b = ttcpflow();
    const c = tflow({ err: true });
    const hooks = master.addons;
    await hooks.trigger("request", a);
    await hooks.trigger("request", c);
    await hooks.trigger("tcp_start", b);
    await hooks.trigger("response", a);
    strictEqual((await readAll(path)).length, 1, "written as soon as the response hook ran");
    await hooks.trigger("tcp_end", b);
    await hooks.trigger("error", c);
    await hooks.trigger("done");
    const back = await readAll(path);
    deepStrictEqual(back.map((f) => f.id), [a.id, b.id, c.id]);
    deepStrictEqual(back.map((f) => f.getState()), [a, b, c].map((f) => f.getState()));
  }));

Deno.test("'+' appends; a new run without '+' overwrites", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/out.mitm`;
    for (const spec of [path, `+${path}`]) {
      const { master } = setup();
      master.options.update({ save_stream_file: spec });
      await master.addons.trigger("response", tflow({ resp: true }));
      await master.addons.trigger("tcp_error", ttcpflow({ err: true }));
      await master.addons.trigger("done");
    }
    strictEqual((await readAll(path)).length, 4);
    const { master } = setup();
    master.options.update({ save_stream_file: path });
    await master.addons.trigger("done");
    strictEqual((await readAll(path)).length, 0);
  }));

Deno.test("flows still in flight at done are written too", () =>
  withTempDir(async (dir) => {
    const { master } = setup();
    const path = `${dir}/out.mitm`;
    master.options.update({ save_stream_file: path });
    const pending = tflow();
    const ws = tflow({ resp: true, ws: true });
    await master.addons.trigger("request", pending);
    await master.addons.trigger("tcp_start", ttcpflow());
    // A WebSocket flow waits for the end of the WebSocket (here: done).
    await master.addons.trigger("response", ws);
    strictEqual((await readAll(path)).length, 0);
    await master.addons.trigger("done");
    const back = await readAll(path);
    strictEqual(back.length, 3);
    deepStrictEqual(back[2].getState(), ws.getState());
  }));

Deno.test("unsetting the option closes the file; nothing is written afterwards", () =>
  withTempDir(async (dir) => {
    const { master } = setup();
    const path = `${dir}/out.mitm`;
    master.options.update({ save_stream_file: path });
    await master.addons.trigger("response", tflow({ resp: true }));
    master.options.update({ save_stream_file: null });
    await master.addons.trigger("response", tflow({ resp: true }));
    await master.addons.trigger("done");
    strictEqual((await readAll(path)).length, 1);
  }));

Deno.test("a file that cannot be opened rejects the option with the path", () =>
  withTempDir(async (dir) => {
    const { master } = setup();
    await Deno.writeTextFile(`${dir}/file`, "");
    const bad = `${dir}/file/out.mitm`;
    throws(() => master.options.update({ save_stream_file: bad }), (e) => {
      ok(e instanceof OptionsError);
      ok(e.message.includes(JSON.stringify(bad)), e.message);
      return true;
    });
    strictEqual(master.options.get("save_stream_file"), null);
  }));

Deno.test("save_stream_filter writes only matching flows; a bad filter is rejected", () =>
  withTempDir(async (dir) => {
    const { master } = setup();
    const path = `${dir}/out.mitm`;
    master.options.update({ save_stream_file: path, save_stream_filter: "~tcp | ~e" });
    const tcp = ttcpflow();
    const failed = tflow({ err: true });
    await master.addons.trigger("response", tflow({ resp: true }));
    await master.addons.trigger("tcp_end", tcp);
    await master.addons.trigger("error", failed);
    await master.addons.trigger("request", tflow());
    await master.addons.trigger("done");
    deepStrictEqual((await readAll(path)).map((f) => f.id), [tcp.id, failed.id]);
    throws(() => master.options.update({ save_stream_filter: "~x (" }), {
      name: "OptionsError",
      message: 'save_stream_filter: Invalid filter expression at position 0: unknown operator "~x"',
    });
    strictEqual(master.options.get("save_stream_filter"), "~tcp | ~e");
  }));

Deno.test("save.file writes flows, '+' appends, errors are CommandErrors", () =>
  withTempDir(async (dir) => {
    const { master, logs } = setup();
    const path = `${dir}/saved.mitm`;
    const flows = [tflow({ resp: true }), ttcpflow()];
    await master.commands.call("save.file", flows, path);
    await master.commands.call("save.file", [tflow()], `+${path}`);
    strictEqual((await readAll(path)).length, 3);
    deepStrictEqual(logs.map((e) => [e.level, e.msg]), [
      ["alert", "Saved 2 flows."],
      ["alert", "Saved 1 flows."],
    ]);
    await rejects(master.commands.call("save.file", flows, `${dir}/missing/x.mitm`), {
      name: "CommandError",
    });
  }));
