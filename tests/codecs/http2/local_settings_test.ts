import assert from "node:assert/strict";
import { LocalSettings } from "../../../codecs/http2/local_settings.ts";

Deno.test("pending settings: increases apply at once, decreases on ACK", () => {
  const l = new LocalSettings();
  l.send({ initialWindowSize: 1000, maxFrameSize: 32768 });
  assert.equal(l.effective.initialWindowSize, 65535); // the old, larger value still allowed
  assert.equal(l.effective.maxFrameSize, 32768);
  assert.equal(l.acked.maxFrameSize, 16384);
  assert.deepEqual(l.ack(), [[4, 1000], [5, 32768]]);
  assert.equal(l.effective.initialWindowSize, 1000);
  assert.equal(l.ack(), null);
});

Deno.test("resource limits hold from the moment they are sent", () => {
  const l = new LocalSettings();
  l.send({ maxConcurrentStreams: 10, maxHeaderListSize: 4096 });
  assert.equal(l.effective.maxConcurrentStreams, 10);
  assert.equal(l.effective.maxHeaderListSize, 4096);
  assert.equal(l.pendingCount, 1);
});
