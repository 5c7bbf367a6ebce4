/**
 * Shows only the flows that match a filter expression, given as an option:
 * `--set flowfilter='~d example.com & ~m POST'`. A bad expression is reported once.
 * Matching flows are marked and logged. (mitmproxy's `filter-flows.py`.)
 *
 *     mitmdeno dump -s examples/filter_flows.ts --set flowfilter='~u /api/'
 */
import { ctx, defineAddon } from "mitmdeno";
import { type FlowFilter, parseFilter } from "mitmdeno/flowfilter.ts";

let filter: FlowFilter | null = null;

export default defineAddon({
  load(loader) {
    loader.add_option("flowfilter", "optional str", null, "Check that flow matches filter.");
  },
  configure(updated) {
    if (!updated.has("flowfilter")) return;
    const expression = ctx.options.flowfilter as string | null;
    filter = null;
    if (expression) {
      try {
        filter = parseFilter(expression);
      } catch (e) {
        ctx.log.error(`Invalid filter expression ${JSON.stringify(expression)}: ${e}`);
      }
    }
  },
  response(flow) {
    if (filter?.match(flow)) {
      flow.marked = ":mag:";
      ctx.log.info(`Flow matches filter: ${flow.request.method} ${flow.request.pretty_url}`);
    }
  },
});
