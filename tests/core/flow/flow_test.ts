import assert from "node:assert/strict";
import {
  FlowControlError,
  FlowError,
  KILLED_MESSAGE,
  nowSeconds,
} from "../../../core/flow/flow.ts";
import { HttpFlow } from "../../../core/flow/http.ts";
import { tflow, ttcpflow } from "./tflow.ts";

async function settled(p: Promise<void>): Promise<boolean> {
  let done = false;
  p.then(() => (done = true));
  await new Promise((r) => setTimeout(r, 0));
  return done;
}

Deno.test("waitForResume resolves at once when not intercepted", async () => {
  const f = tflow({ live: true });
  assert.equal(await settled(f.waitForResume()), true);
});

Deno.test("intercept pauses until resume", async () => {
  const f = tflow({ live: true });
  f.intercept();
  assert.equal(f.intercepted, true);
  const a = f.waitForResume();
  const b = f.waitForResume();
  assert.equal(await settled(a), false);
  f.intercept(); // idempotent
  f.resume();
  assert.equal(f.intercepted, false);
  assert.equal(await settled(a), true);
  assert.equal(await settled(b), true);
  f.resume(); // no-op when not intercepted
  // A second interception gets a fresh promise.
  f.intercept();
  const c = f.waitForResume();
  assert.equal(await settled(c), false);
  f.resume();
  assert.equal(await settled(c), true);
});

Deno.test("kill sets the killed error, ends the flow and wakes waiters", async () => {
  const f = tflow({ live: true });
  assert.equal(f.killable, true);
  f.intercept();
  const w = f.waitForResume();
  f.kill(123.5);
  assert.deepEqual(f.error, new FlowError(KILLED_MESSAGE, 123.5));
  assert.equal(f.error?.msg, "Connection killed.");
  assert.equal(FlowError.KILLED_MESSAGE, "Connection killed.");
  assert.equal(f.intercepted, false);
  assert.equal(f.live, false);
  assert.equal(f.killable, false);
  assert.equal(await settled(w), true);
  assert.throws(() => f.kill(), FlowControlError);
});

Deno.test("only live flows are killable; kill defaults to now", () => {
  const dead = ttcpflow();
  assert.equal(dead.killable, false);
  assert.throws(() => dead.kill(), /not killable/);
  const f = ttcpflow({ live: true });
  const before = nowSeconds();
  f.kill();
  assert.ok((f.error?.timestamp ?? 0) >= before);
});

Deno.test("copy gets a new id, equal content, and is not live", () => {
  const f = tflow({ resp: true, ws: true, live: true });
  const c = f.copy();
  assert.notEqual(c.id, f.id);
  assert.equal(c.live, false);
  const a = f.getState(), b = c.getState();
  a.id = b.id;
  assert.deepEqual(b, a);
  c.request.headers.set("header", "changed");
  assert.equal(f.request.headers.get("header"), "qvalue");
  const t = ttcpflow().copy();
  assert.equal(t.type, "tcp");
});

Deno.test("backup, modified and revert", () => {
  const f = tflow({ resp: true });
  assert.equal(f.modified(), false);
  f.backup();
  assert.equal(f.modified(), false);
  assert.ok(f.getState().backup !== null);
  f.request.method = "POST";
  f.request.headers.set("header", "new");
  f.comment = "note";
  assert.equal(f.modified(), true);
  f.backup(); // keeps the first backup
  f.revert();
  assert.equal(f.request.method, "GET");
  assert.equal(f.request.headers.get("header"), "qvalue");
  assert.equal(f.comment, "");
  assert.equal(f.modified(), false);
  assert.equal(f.getState().backup, null);
});

Deno.test("backup survives a state round trip and in-place body edits", () => {
  const f = tflow();
  f.backup();
  (f.request.raw_content as Uint8Array)[0] = 0x43; // "C"
  const loaded = HttpFlow.fromState(f.getState());
  loaded.revert();
  assert.equal(loaded.request.text, "content");
  f.revert();
  assert.equal(f.request.text, "content");
});

Deno.test("timestamp_start is the request's", () => {
  const f = tflow();
  assert.equal(f.timestamp_start, f.request.timestamp_start);
});
