/**
 * mitmproxy's filter expressions from scripts (`mitmproxy.flowfilter`):
 * `import { parseFilter } from "mitmdeno/flowfilter.ts"`, then `parseFilter("~d example.com")
 * .match(flow)`.
 */
export { FilterSyntaxError, matchFilter, parseFilter } from "../core/flowfilter/filter.ts";
export type { FlowFilter } from "../core/flowfilter/filter.ts";
