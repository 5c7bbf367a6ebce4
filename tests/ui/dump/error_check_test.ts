import { deepStrictEqual } from "node:assert/strict";
import { ErrorCheck } from "../../../ui/dump/error_check.ts";

Deno.test("ErrorCheck fails start-up on errors logged before running, not after", () => {
  const failures: string[][] = [];
  const check = new ErrorCheck((errors) => failures.push([...errors]));
  check.observe({ level: "info", msg: "listening", timestamp: 0 });
  check.observe({ level: "error", msg: "port in use", timestamp: 0 });
  check.running();
  check.observe({ level: "error", msg: "later error", timestamp: 0 });
  deepStrictEqual(failures, [["port in use"]]);
  const quiet = new ErrorCheck((errors) => failures.push([...errors]));
  quiet.running();
  deepStrictEqual(failures.length, 1);
});
