/** Options every tool shares (mitmproxy's `options.py` core options). */
import type { Loader } from "../core/hooks.ts";

export const DEFAULT_CONFDIR = "~/.mitmdeno";

export const coreOptions = {
  name: "core_options",
  load(loader: Loader): void {
    loader.add_option(
      "confdir",
      "str",
      DEFAULT_CONFDIR,
      "Location of the default mitmdeno configuration files (config.yaml, the CA).",
    );
    loader.add_option(
      "showhost",
      "bool",
      false,
      "Use the Host header to construct URLs for display. This option is disabled by default because malicious apps may send misleading host headers to evade your analysis.",
    );
    loader.add_option(
      "keepserving",
      "bool",
      false,
      "Continue serving after client playback, server playback or file read. By default, mitmdeno dump with -n exits when it is done reading.",
    );
    loader.add_option(
      "termlog_verbosity",
      "str",
      "info",
      "Log verbosity.",
      ["error", "warn", "info", "alert", "debug"],
    );
  },
};
