import assert from "node:assert/strict";
import { ClosedHow, ClosedStreams } from "../../../codecs/http2/closed_streams.ts";

Deno.test("remembers the most recent ids only", () => {
  const c = new ClosedStreams(3);
  for (let id = 1; id <= 9; id += 2) c.add(id, ClosedHow.ENDED);
  assert.equal(c.size, 3);
  assert.equal(c.get(1), undefined);
  assert.equal(c.get(9), ClosedHow.ENDED);
  c.add(5, ClosedHow.RESET_SENT); // re-adding refreshes
  c.add(11, ClosedHow.ENDED);
  assert.equal(c.get(5), ClosedHow.RESET_SENT);
  assert.equal(c.get(7), undefined);
});
