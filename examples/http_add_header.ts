/**
 * Adds a header to every response: a counter of responses seen so far.
 * (mitmproxy's `examples/addons/http-add-header.py`.)
 *
 *     mitmdeno dump -s examples/http_add_header.ts
 */
import { defineAddon } from "mitmdeno";

let count = 0;

export default defineAddon({
  response(flow) {
    count++;
    flow.response!.headers.set("x-response-count", String(count));
  },
});
