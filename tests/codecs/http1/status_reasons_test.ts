import assert from "node:assert/strict";
import { REASON_PHRASES, reasonPhrase } from "../../../codecs/http1/status_reasons.ts";

Deno.test("standard reason phrases", () => {
  assert.equal(REASON_PHRASES[200], "OK");
  assert.equal(REASON_PHRASES[404], "Not Found");
  assert.equal(REASON_PHRASES[431], "Request Header Fields Too Large");
  assert.equal(REASON_PHRASES[502], "Bad Gateway");
  assert.equal(reasonPhrase(407), "Proxy Authentication Required");
  assert.equal(reasonPhrase(799), "");
  assert.ok(Object.isFrozen(REASON_PHRASES));
  for (const [code, phrase] of Object.entries(REASON_PHRASES)) {
    assert.match(code, /^[1-5][0-9][0-9]$/);
    assert.match(phrase, /^[\x20-\x7e]+$/);
  }
});
