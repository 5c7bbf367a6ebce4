/**
 * Registers a command. Run it from the console or the web UI as `myaddon.inc`, or with an
 * argument, `myaddon.inc 5`. (mitmproxy's `commands-simple.py`.)
 *
 *     mitmdeno -s examples/commands_simple.ts
 */
import { ctx, defineAddon } from "mitmdeno";

let num = 0;

export default defineAddon({
  load(loader) {
    loader.add_command(
      "myaddon.inc",
      (by = 1) => {
        num += by;
        ctx.log.info(`num = ${num}`);
        return num;
      },
      {
        args: [{ name: "by", type: "int", optional: true }],
        returns: "int",
        help: "Increment a counter and return it.",
      },
    );
  },
});
