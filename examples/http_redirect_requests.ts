/**
 * Sends requests for one host to another: requests to example.org go to mitmproxy.org
 * instead (the client never knows). (mitmproxy's `http-redirect-requests.py`.)
 *
 *     mitmdeno dump -s examples/http_redirect_requests.ts
 */
import { defineAddon } from "mitmdeno";

export default defineAddon({
  request(flow) {
    // pretty_host takes the Host header into account, as in transparent mode.
    if (flow.request.pretty_host === "example.org") {
      flow.request.host = "mitmproxy.org";
    }
  },
});
