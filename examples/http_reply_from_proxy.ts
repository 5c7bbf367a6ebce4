/**
 * Answers a request from the proxy itself; the server is never contacted.
 * (mitmproxy's `http-reply-from-proxy.py`.)
 *
 *     mitmdeno dump -s examples/http_reply_from_proxy.ts
 */
import { defineAddon, Response } from "mitmdeno";

export default defineAddon({
  request(flow) {
    if (flow.request.pretty_url === "http://example.com/path") {
      flow.response = Response.make(200, "Hello World", { "Content-Type": "text/html" });
    }
  },
});
