/**
 * Logs at every level, and logs the lifecycle and flow hooks as they happen.
 * `console.log` in a script goes to the same log. (mitmproxy's `log-events.py`.)
 *
 *     mitmdeno dump -s examples/log_events.ts --set termlog_verbosity=debug
 */
import { ctx, defineAddon } from "mitmdeno";

ctx.log.info("This is some informative text.");
ctx.log.warn("This is a warning.");
ctx.log.error("This is an error.");

export default defineAddon({
  running() {
    ctx.log.info("The proxy is running.");
  },
  request(flow) {
    ctx.log.debug(`request: ${flow.request.method} ${flow.request.pretty_url}`);
  },
  response(flow) {
    ctx.log.alert(`response: ${flow.response!.status_code} for ${flow.request.pretty_url}`);
  },
  error(flow) {
    ctx.log.warn(`error: ${flow.error?.msg}`);
  },
  done() {
    console.log("The script is being unloaded.");
  },
});
