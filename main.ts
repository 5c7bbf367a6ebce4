/**
 * mitmdeno's entry point: `mitmdeno dump [flags]` (like mitmdump). `web` and the console UI
 * come with their own issues.
 */
import { runDump } from "./ui/dump/dump_master.ts";

const TOOLS = ["dump"];

async function main(argv: string[]): Promise<number> {
  const [tool, ...rest] = argv;
  if (tool === "dump") return await runDump(rest);
  if (tool === undefined || tool === "-h" || tool === "--help") {
    console.log(
      `usage: mitmdeno <tool> [options]\n\ntools:\n  dump    intercepting proxy that prints flows (like mitmdump)\n\nRun "mitmdeno dump --help" for the flags.`,
    );
    return tool === undefined ? 2 : 0;
  }
  console.error(`mitmdeno: unknown tool "${tool}" (available: ${TOOLS.join(", ")})`);
  return 2;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
