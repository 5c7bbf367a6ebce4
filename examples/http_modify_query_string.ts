/**
 * Adds a parameter to the query string of every request.
 * (mitmproxy's `http-modify-query-string.py`.)
 *
 *     mitmdeno dump -s examples/http_modify_query_string.ts
 */
import { defineAddon } from "mitmdeno";

export default defineAddon({
  request(flow) {
    flow.request.query.set("mitmdeno", "rocks");
  },
});
