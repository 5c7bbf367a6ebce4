import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { TimerWheel } from "../../proxy/timer_wheel.ts";

Deno.test("timer wheel: fires due callbacks once, cancelled ones never", () => {
  let now = 100;
  const wheel = new TimerWheel(() => now);
  const fired: string[] = [];
  wheel.schedule(1, () => fired.push("a"));
  const cancel = wheel.schedule(1, () => fired.push("b"));
  wheel.schedule(5, () => fired.push("c"));
  cancel();
  strictEqual(wheel.pending, 2);
  now = 100.5;
  wheel.tick();
  deepStrictEqual(fired, []);
  now = 101;
  wheel.tick();
  deepStrictEqual(fired, ["a"]);
  now = 106;
  wheel.tick();
  wheel.tick();
  deepStrictEqual(fired, ["a", "c"]);
  strictEqual(wheel.pending, 0);
});
