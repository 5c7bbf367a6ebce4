/**
 * Command-line parsing for the tools, generated from the option registry: every option
 * `foo_bar` is `--foo-bar VALUE` (bools: `--foo-bar` / `--no-foo-bar`; sequences repeat),
 * plus mitmdump's short flags and tool flags. `--help` is generated from the same table.
 */
import type { OptionSpec } from "../../core/option_types.ts";
import type { Options } from "../../core/options.ts";

/** mitmproxy's short flags, for the options that exist in this build. */
const SHORT_FLAGS: Record<string, string> = {
  p: "listen_port",
  m: "mode",
  s: "scripts",
  w: "save_stream_file",
  r: "rfile",
  k: "ssl_insecure",
  C: "client_replay",
  S: "server_replay",
  M: "map_remote",
  B: "modify_body",
  H: "modify_headers",
};

export interface ParsedArgs {
  help: boolean;
  version: boolean;
  listOptions: boolean;
  listCommands: boolean;
  /** `--set` style assignments in command-line order ("name=value"). */
  sets: string[];
  positionals: string[];
}

export class ArgsError extends Error {
  override name = "ArgsError";
}

function flagName(option: string): string {
  return option.replaceAll("_", "-");
}

export function parseArgs(argv: readonly string[], options: Options): ParsedArgs {
  const result: ParsedArgs = {
    help: false,
    version: false,
    listOptions: false,
    listCommands: false,
    sets: [],
    positionals: [],
  };
  const byFlag = new Map<string, OptionSpec>();
  for (const spec of options.specs()) byFlag.set(flagName(spec.name), spec);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const takeValue = (flag: string, inline: string | undefined): string => {
      if (inline !== undefined) return inline;
      if (i + 1 >= argv.length) throw new ArgsError(`${flag} expects a value`);
      return argv[++i];
    };
    if (arg === "--") {
      result.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      result.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq >= 0 && arg.startsWith("--") ? arg.slice(0, eq) : arg;
    const inline = eq >= 0 && arg.startsWith("--") ? arg.slice(eq + 1) : undefined;
    switch (flag) {
      case "-h":
      case "--help":
        result.help = true;
        continue;
      case "--version":
        result.version = true;
        continue;
      case "--options":
        result.listOptions = true;
        continue;
      case "--commands":
        result.listCommands = true;
        continue;
      case "-q":
      case "--quiet":
        result.sets.push("flow_detail=0", "termlog_verbosity=error");
        continue;
      case "-n":
      case "--no-server":
        result.sets.push("server=false");
        continue;
      case "-v":
      case "--verbose":
        result.sets.push("termlog_verbosity=debug");
        continue;
      case "--set":
        result.sets.push(takeValue(flag, inline));
        continue;
    }
    let spec: OptionSpec | undefined;
    let negated = false;
    if (/^-[a-zA-Z]$/.test(flag)) {
      const name = SHORT_FLAGS[flag.slice(1)];
      spec = name !== undefined && options.has(name) ? options.spec(name) : undefined;
    } else if (flag.startsWith("--no-") && byFlag.get(flag.slice(5))?.type === "bool") {
      spec = byFlag.get(flag.slice(5));
      negated = true;
    } else if (flag.startsWith("--")) {
      spec = byFlag.get(flag.slice(2));
    }
    if (spec === undefined) {
      throw new ArgsError(`unknown argument: ${flag} (see --help for the list of flags)`);
    }
    if (spec.type === "bool") {
      if (inline !== undefined) throw new ArgsError(`${flag} takes no value`);
      result.sets.push(`${spec.name}=${negated ? "false" : "true"}`);
    } else {
      result.sets.push(`${spec.name}=${takeValue(flag, inline)}`);
    }
  }
  return result;
}

/** The `--help` text, generated from the option registry. */
export function helpText(tool: string, summary: string, options: Options): string {
  const shortFor = new Map(Object.entries(SHORT_FLAGS).map(([k, v]) => [v, k]));
  const lines = [
    `usage: mitmdeno ${tool} [options] [filter expression]`,
    "",
    summary,
    "",
    "general:",
    "  -h, --help            show this help and exit",
    "  --version             show version numbers and exit",
    "  --options             show all options and their defaults, then exit",
    "  --commands            show all commands and their signatures, then exit",
    "  -q, --quiet           quiet (flow_detail=0, termlog_verbosity=error)",
    "  -n, --no-server       do not start a proxy server (e.g. with -r to print a file)",
    "  -v, --verbose         more log output (termlog_verbosity=debug)",
    "  --set option[=value]  set an option; repeat for sequences (see --options)",
    "",
    "options:",
  ];
  for (const spec of [...options.specs()].sort((a, b) => a.name.localeCompare(b.name))) {
    const short = shortFor.get(spec.name);
    const flag = spec.type === "bool"
      ? `--${flagName(spec.name)}, --no-${flagName(spec.name)}`
      : `--${flagName(spec.name)} ${spec.name.toUpperCase()}`;
    const left = `  ${short ? `-${short}, ` : ""}${flag}`;
    const choices = spec.choices ? ` Choices: ${spec.choices.join(", ")}.` : "";
    const def = JSON.stringify(spec.default);
    lines.push(left, `        ${spec.help}${choices} (default: ${def})`);
  }
  return lines.join("\n") + "\n";
}
