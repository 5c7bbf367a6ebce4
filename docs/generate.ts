/**
 * Generates the reference pages (docs/hooks.md, docs/options.md, docs/commands.md) from
 * the declarations in the code. Run `deno run -A docs/generate.ts`; a test fails when the
 * committed pages are out of date.
 */
import { HOOKS } from "../core/hooks.ts";
import { Master } from "../core/master.ts";
import { defaultAddons } from "../addons/default_addons.ts";
import { Dumper } from "../ui/dump/dumper.ts";

function toolMaster(): Master {
  const master = new Master();
  master.addons.add(...defaultAddons(master.addons), new Dumper({ write: () => {}, color: false }));
  return master;
}

export function hooksPage(): string {
  const lines = [
    "# Hooks",
    "",
    "Generated from `core/hooks.ts` by `docs/generate.ts`. An addon implements any of these as",
    "methods; hooks may be async, and the flow waits for them.",
    "",
  ];
  let group = "";
  for (const hook of HOOKS) {
    if (hook.group !== group) {
      group = hook.group;
      lines.push(
        `## ${group[0].toUpperCase()}${group.slice(1)}`,
        "",
        "| hook | arguments | when |",
        "|---|---|---|",
      );
    }
    const args = hook.args.map((a) => `${a.name}: ${a.type}`).join(", ");
    lines.push(`| \`${hook.name}\` | ${args ? `\`${args}\`` : ""} | ${hook.description} |`);
    const next = HOOKS[HOOKS.indexOf(hook) + 1];
    if (next === undefined || next.group !== group) lines.push("");
  }
  return lines.join("\n");
}

export function optionsPage(): string {
  const master = toolMaster();
  const lines = [
    "# Options",
    "",
    "Generated from the option declarations by `docs/generate.ts`. Set them with",
    "`--set name=value`, as `--name value` flags, or in `config.yaml` in the confdir.",
    "",
    "| option | type | default | description |",
    "|---|---|---|---|",
  ];
  for (const spec of master.options.specs()) {
    const choices = spec.choices
      ? ` Choices: ${spec.choices.map((c) => `\`${c}\``).join(", ")}.`
      : "";
    const help = spec.help.replaceAll("|", "\\|").replaceAll("\n", " ");
    lines.push(
      `| \`${spec.name}\` | ${spec.type} | \`${
        JSON.stringify(spec.default)
      }\` | ${help}${choices} |`,
    );
  }
  return lines.join("\n") + "\n";
}

export function commandsPage(): string {
  const master = toolMaster();
  const lines = [
    "# Commands",
    "",
    "Generated from the command registrations by `docs/generate.ts`. Commands are the one API",
    "that key bindings, the web UI and scripts call.",
    "",
    "| command | help |",
    "|---|---|",
  ];
  for (const info of master.commands.list()) {
    lines.push(`| \`${info.signature}\` | ${info.help.replaceAll("|", "\\|")} |`);
  }
  return lines.join("\n") + "\n";
}

export const PAGES: Record<string, () => string> = {
  "hooks.md": hooksPage,
  "options.md": optionsPage,
  "commands.md": commandsPage,
};

if (import.meta.main) {
  for (const [name, make] of Object.entries(PAGES)) {
    await Deno.writeTextFile(new URL(name, import.meta.url), make());
    console.log(`wrote docs/${name}`);
  }
}
