/**
 * docs/addons.md: its hook list is generated from `core/hooks.ts` (`HOOKS`) and the sandbox
 * hook table, and it names every example. Regenerate with
 * `UPDATE_DOCS=1 deno test -A tests/addons/script/addons_doc_test.ts && deno fmt docs/addons.md`.
 */
import { ok, strictEqual } from "node:assert/strict";
import { INPROCESS_ONLY_HOOKS, SANDBOX_HOOKS } from "../../../addons/script/hook_kinds.ts";
import { HOOKS } from "../../../core/hooks.ts";

const DOC = new URL("../../../docs/addons.md", import.meta.url);
const START = "<!-- hooks:start -->";
const END = "<!-- hooks:end -->";

function sandboxNote(hook: string, kind: string | undefined): string {
  if (INPROCESS_ONLY_HOOKS.includes(hook)) return "no: `--inprocess` only";
  if (hook === "load") return "yes";
  switch (kind) {
    case "configure":
      return "yes (cannot reject)";
    case "client":
      return "yes (a copy; `error` is applied)";
    case "server":
      return hook === "server_connect"
        ? "yes (copies; `server.address` and `error` are applied)"
        : "yes (copies; `error` is applied)";
    case undefined:
      return "no";
    default:
      return "yes";
  }
}

/** The generated section, between the markers. */
export function hooksSection(): string {
  const lines: string[] = [""];
  let group = "";
  for (const hook of HOOKS) {
    if (hook.group !== group) {
      if (group !== "") lines.push("");
      group = hook.group;
      lines.push(
        `### ${group[0].toUpperCase()}${group.slice(1)}`,
        "",
        "| hook | arguments | when | sandbox |",
        "|---|---|---|---|",
      );
    }
    const args = hook.args.map((a) => `${a.name}: ${a.type}`).join(", ");
    const note = sandboxNote(hook.name, SANDBOX_HOOKS[hook.name]);
    lines.push(
      `| \`${hook.name}\` | ${args ? `\`${args}\`` : ""} | ${hook.description} | ${note} |`,
    );
  }
  const known = new Set<string>(HOOKS.map((h) => h.name));
  const ahead = Object.keys(SANDBOX_HOOKS).filter((h) => !known.has(h));
  if (ahead.length > 0) {
    lines.push(
      "",
      "### Accepted ahead of the proxy",
      "",
      "A sandboxed script may also define these mitmproxy hooks; they run as soon as the proxy " +
        `fires them: ${ahead.map((h) => `\`${h}\``).join(", ")}.`,
    );
  }
  lines.push("");
  return lines.join("\n") + "\n";
}

/** Ignores what `deno fmt` changes: table padding and line wrapping. */
function normalize(markdown: string): string {
  return markdown.split("\n").map((line) =>
    line.trim().startsWith("|")
      ? line.split("|").map((c) => c.trim()).map((c) => (/^-+$/.test(c) ? "---" : c)).join("|")
      : line
  ).join("\n").replace(/\s+/g, " ").trim();
}

Deno.test("docs/addons.md: the hook list is generated from core/hooks.ts", async () => {
  const text = await Deno.readTextFile(DOC);
  const start = text.indexOf(START);
  const end = text.indexOf(END);
  ok(start >= 0 && end > start, "the hook markers are there");
  const current = text.slice(start + START.length, end);
  const expected = hooksSection();
  if (Deno.env.get("UPDATE_DOCS") === "1" && normalize(current) !== normalize(expected)) {
    await Deno.writeTextFile(
      DOC,
      text.slice(0, start + START.length) + expected + text.slice(end),
    );
    return;
  }
  strictEqual(
    normalize(current),
    normalize(expected),
    "docs/addons.md is out of date: UPDATE_DOCS=1 deno test -A tests/addons/script/addons_doc_test.ts",
  );
});

Deno.test("docs/addons.md: every example is listed", async () => {
  const text = await Deno.readTextFile(DOC);
  for await (const e of Deno.readDir(new URL("../../../examples/", import.meta.url))) {
    if (e.name.endsWith(".ts")) ok(text.includes(`\`${e.name}\``), `${e.name} is in the docs`);
  }
});
