import assert from "node:assert/strict";
import { isLogLevel, levelAtLeast, LOG_LEVELS, type LogEntry, Logger } from "../../core/log.ts";

Deno.test("logger: subscribers get entries with level and timestamp", () => {
  let t = 100;
  const logger = new Logger({ now: () => t++ });
  const seen: LogEntry[] = [];
  logger.subscribe((e) => seen.push(e));
  logger.error("e");
  logger.warn("w");
  logger.info("i");
  logger.alert("a");
  logger.debug("d");
  logger.log("info", "direct");
  assert.deepEqual(seen, [
    { msg: "e", level: "error", timestamp: 100 },
    { msg: "w", level: "warn", timestamp: 101 },
    { msg: "i", level: "info", timestamp: 102 },
    { msg: "a", level: "alert", timestamp: 103 },
    { msg: "d", level: "debug", timestamp: 104 },
    { msg: "direct", level: "info", timestamp: 105 },
  ]);
});

Deno.test("logger: unsubscribe stops delivery; a throwing subscriber does not stop others", () => {
  const errors: unknown[] = [];
  const logger = new Logger({ onSubscriberError: (e) => errors.push(e) });
  const a: string[] = [];
  const b: string[] = [];
  const offA = logger.subscribe((e) => a.push(e.msg));
  logger.subscribe(() => {
    throw new Error("boom");
  });
  logger.subscribe((e) => b.push(e.msg));
  logger.info("one");
  offA();
  offA();
  logger.info("two");
  assert.deepEqual(a, ["one"]);
  assert.deepEqual(b, ["one", "two"]);
  assert.equal(errors.length, 2);
});

Deno.test("logger: default timestamp is seconds since the epoch", () => {
  const logger = new Logger();
  let ts = 0;
  logger.subscribe((e) => (ts = e.timestamp));
  logger.info("x");
  assert.ok(Math.abs(ts - Date.now() / 1000) < 5);
});

Deno.test("levelAtLeast follows termlog_verbosity tiers", () => {
  const shown = (threshold: (typeof LOG_LEVELS)[number]) =>
    LOG_LEVELS.filter((l) => levelAtLeast(l, threshold));
  assert.deepEqual(shown("error"), ["error"]);
  assert.deepEqual(shown("warn"), ["error", "warn"]);
  assert.deepEqual(shown("info"), ["error", "warn", "info", "alert"]);
  assert.deepEqual(shown("alert"), ["error", "warn", "info", "alert"]);
  assert.deepEqual(shown("debug"), LOG_LEVELS);
  assert.ok(isLogLevel("alert"));
  assert.ok(!isLogLevel("verbose"));
});
