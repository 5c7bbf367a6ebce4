/**
 * The commands every tool has (mitmproxy's `core.py`): options (`set`, `options.*`) and
 * the flow controls (`flow.resume`, `flow.kill`, `flow.mark`, ...). Flow arguments are
 * resolved by the tool's flow view; scripts may also call these with flows directly.
 */
import type { Flow } from "../core/flow/flow.ts";
import type { Loader } from "../core/hooks.ts";
import { OptionsError } from "../core/option_types.ts";
import type { Options } from "../core/options.ts";

export class CoreCommands {
  readonly name = "core_commands";
  #options: Options | null = null;

  load(loader: Loader): void {
    const options = loader.options;
    this.#options = options;
    loader.add_command("set", (option: string, ...values: string[]) => this.set(option, values), {
      args: [{ name: "option", type: "str" }, { name: "value", type: "str", variadic: true }],
      help:
        "Set an option. Sequences take several values; no value resets a sequence, sets a boolean, or clears an optional value.",
    });
    loader.add_command(
      "options.save",
      (path: string) => Deno.writeTextFile(path, options.serialize()),
      {
        args: [{ name: "path", type: "path" }],
        help: "Save options that differ from their defaults to a YAML file.",
      },
    );
    loader.add_command(
      "options.load",
      (path: string) => options.loadFile(path).then(() => undefined),
      {
        args: [{ name: "path", type: "path" }],
        help: "Load options from a YAML file.",
      },
    );
    loader.add_command("options.reset", () => void options.reset(), {
      args: [],
      help: "Reset all options to their defaults.",
    });
    loader.add_command("options.reset.one", (name: string) => void options.reset([name]), {
      args: [{ name: "name", type: "str" }],
      help: "Reset one option to its default.",
    });
    loader.add_command("flow.resume", (flows: Flow[]) => flows.forEach((f) => f.resume()), {
      args: [{ name: "flows", type: "flow[]" }],
      help: "Resume intercepted flows.",
    });
    loader.add_command(
      "flow.kill",
      (flows: Flow[]) => flows.filter((f) => f.killable).forEach((f) => f.kill()),
      { args: [{ name: "flows", type: "flow[]" }], help: "Kill live flows." },
    );
    loader.add_command(
      "flow.mark",
      (flows: Flow[], marker: string) => flows.forEach((f) => (f.marked = marker)),
      {
        args: [{ name: "flows", type: "flow[]" }, { name: "marker", type: "marker" }],
        help:
          "Mark flows with a marker (an emoji shortcode like :default:); an empty marker unmarks.",
      },
    );
    loader.add_command(
      "flow.mark.toggle",
      (flows: Flow[]) => flows.forEach((f) => (f.marked = f.marked ? "" : ":default:")),
      { args: [{ name: "flows", type: "flow[]" }], help: "Toggle the mark on flows." },
    );
    loader.add_command(
      "flow.comment",
      (flows: Flow[], comment: string) => flows.forEach((f) => (f.comment = comment)),
      {
        args: [{ name: "flows", type: "flow[]" }, { name: "comment", type: "str" }],
        help: "Set a comment on flows.",
      },
    );
  }

  /** `set option value...`: values are parsed as `--set` values are. */
  set(option: string, values: readonly string[]): void {
    const options = this.#options!;
    if (!options.has(option)) throw new OptionsError(`No such option: ${option}`);
    const args = values.length === 0 ? [option] : values.map((v) => `${option}=${v}`);
    options.applySetArgs(args);
  }
}
