import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Log, OpenConnection, SendData } from "../../layers/commands.ts";
import { CommandCompleted, DataReceived, type Event, Start } from "../../layers/events.ts";
import { type CommandGenerator, Layer, log, openConnection } from "../../layers/layer.ts";
import {
  bytes,
  checkPlaybook,
  logLine,
  openConnection as expectOpen,
  playbook,
  sendData,
} from "../playbook.ts";
import { tctx } from "../tctx.ts";
import { Server } from "../../core/flow/connection.ts";

/** Echoes data, but first opens a server connection (a blocking command). */
class EchoAfterOpen extends Layer {
  #opened = false;
  protected *handle(event: Event): CommandGenerator {
    if (event instanceof Start) return;
    if (event instanceof DataReceived) {
      if (!this.#opened) {
        const server = new Server({ address: ["example.com", 80] });
        this.context.server = server;
        const error = yield* openConnection(server);
        this.#opened = true;
        yield log(`opened: ${error ?? "ok"}`);
      }
      yield new SendData(this.context.client, event.data);
    }
  }
}

Deno.test("a blocked layer queues later events until the reply", () => {
  const ctx = tctx();
  const layer = new EchoAfterOpen(ctx);
  const events: Event[] = [
    new DataReceived(ctx.client, bytes("a")),
    new DataReceived(ctx.client, bytes("b")),
  ];
  const out: unknown[] = [];
  for (const e of events) for (const c of layer.handleEvent(e)) out.push(c);
  assertEquals(out.length, 1);
  assertEquals(layer.isPaused, true);
  const open = out[0] as OpenConnection;
  const after = [...layer.handleEvent(new CommandCompleted(open, null))];
  assertEquals(after.map((c) => c.kind), ["Log", "SendData", "SendData"]);
  assertEquals((after[0] as Log).message, "opened: ok");
  assertEquals(layer.isPaused, false);
});

Deno.test("playbook: reply resumes, logs can be asserted, sends are merged", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    return playbook(new EchoAfterOpen(ctx), { logs: true })
      .in(new DataReceived(ctx.client, bytes("hello")))
      .out(expectOpen((s: unknown) => s instanceof Server))
      .reply(null)
      .out(logLine("opened: ok"))
      .out(sendData(ctx.client, "hello"));
  }, []);
});

Deno.test("playbook guard fails a playbook that was never checked", () => {
  let threw = false;
  try {
    using _pb = playbook(new EchoAfterOpen(tctx()));
  } catch {
    threw = true;
  }
  assertEquals(threw, true);
});

Deno.test("a command from a child is claimed by the innermost layer only", () => {
  const ctx = tctx();
  const child = new EchoAfterOpen(ctx);
  class Parent extends Layer {
    protected *handle(event: Event): CommandGenerator {
      yield* child.handleEvent(event);
    }
  }
  const parent = new Parent(ctx);
  const out = [...parent.handleEvent(new DataReceived(ctx.client, bytes("x")))];
  assertEquals(out.length, 1);
  assertEquals(child.isPaused, true);
  assertEquals(parent.isPaused, false);
  const resumed = [
    ...parent.handleEvent(new CommandCompleted(out[0] as OpenConnection, "refused")),
  ];
  assertEquals(resumed.map((c) => c.kind), ["Log", "SendData"]);
});
