import assert from "node:assert/strict";
import { FloodGuard } from "../../../codecs/http2/flood_guard.ts";

Deno.test("counts per kind; a new window starts after windowFrames or on reset", () => {
  const g = new FloodGuard({ windowFrames: 5, pings: 2 });
  g.frame();
  assert.equal(g.count("pings"), null);
  g.frame();
  assert.equal(g.count("pings"), null);
  g.frame();
  assert.match(g.count("pings") ?? "", /more than 2 PING frames/);
  const h = new FloodGuard({ windowFrames: 3, pings: 1 });
  for (let i = 0; i < 10; i++) {
    h.frame();
    h.frame();
    h.frame();
    assert.equal(h.count("pings"), null, `window ${i}`);
  }
  const k = new FloodGuard({ windowFrames: 0, resets: 1 });
  assert.equal(k.count("resets"), null);
  k.resetWindow();
  assert.equal(k.count("resets"), null);
  assert.ok(k.count("resets"));
});
