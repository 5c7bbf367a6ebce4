/**
 * Declares an option and reads it: with `--set addheader=true`, responses get a count
 * header. (mitmproxy's `options-simple.py`.)
 *
 *     mitmdeno dump -s examples/options_simple.ts --set addheader=true
 */
import { ctx, defineAddon } from "mitmdeno";

let count = 0;

export default defineAddon({
  load(loader) {
    loader.add_option("addheader", "bool", false, "Add a count header to responses.");
  },
  response(flow) {
    if (ctx.options.addheader) {
      count++;
      flow.response!.headers.set("count", String(count));
    }
  },
});
