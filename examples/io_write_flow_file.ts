/**
 * Writes every finished HTTP flow to a flow file, readable by `mitmdeno dump -r` and by
 * mitmproxy. The sandbox needs to be allowed to write that one file:
 * (mitmproxy's `io-write-flow-file.py`.)
 *
 *     mitmdeno dump -s 'examples/io_write_flow_file.ts --allow-write=flows.mitm' \
 *       --set flow_file=flows.mitm
 */
import { ctx, defineAddon } from "mitmdeno";
import { FlowWriter } from "mitmdeno/io.ts";

let file: Deno.FsFile | null = null;
let writer: FlowWriter | null = null;

export default defineAddon({
  load(loader) {
    loader.add_option("flow_file", "str", "flows.mitm", "Where to write the flows.");
  },
  async running() {
    file = await Deno.open(ctx.options.flow_file as string, {
      write: true,
      create: true,
      truncate: true,
    });
    writer = new FlowWriter(file);
  },
  async response(flow) {
    await writer?.add(flow);
  },
  async done() {
    await writer?.drain();
    file?.close();
    file = null;
  },
});
