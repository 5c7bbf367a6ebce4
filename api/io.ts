/**
 * Flow files from scripts (mitmproxy's `mitmproxy.io`): `import { FlowWriter } from
 * "mitmdeno/io.ts"`. A sandboxed script needs `--allow-write=<file>` to open one.
 */
export { encodeFlowState, FlowWriter } from "../core/io/flow_writer.ts";
export type { ByteSink } from "../core/io/flow_writer.ts";
