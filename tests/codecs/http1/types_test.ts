import assert from "node:assert/strict";
import { DEFAULT_LIMITS, EMPTY_BYTES, isParseError } from "../../../codecs/http1/types.ts";

Deno.test("DEFAULT_LIMITS are 64 KiB and 200 headers, frozen", () => {
  assert.deepEqual({ ...DEFAULT_LIMITS }, { maxHeadSize: 65536, maxHeaderCount: 200 });
  assert.ok(Object.isFrozen(DEFAULT_LIMITS));
  assert.equal(EMPTY_BYTES.length, 0);
});

Deno.test("isParseError", () => {
  assert.equal(isParseError({ error: "x", status: 400 }), true);
  assert.equal(isParseError(null), false);
  assert.equal(isParseError({ head: new Uint8Array(0) }), false);
  assert.equal(isParseError("error"), false);
});
