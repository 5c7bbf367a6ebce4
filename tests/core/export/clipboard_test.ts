import { rejects, strictEqual } from "node:assert/strict";
import {
  ClipboardError,
  NO_CLIPBOARD_TOOL,
  systemClipboard,
} from "../../../core/export/clipboard.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "mitmdeno-clip-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function script(path: string, body: string): Promise<string> {
  await Deno.writeTextFile(path, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
  return path;
}

Deno.test("systemClipboard: the first installed tool that works gets the text on stdin", () =>
  withTempDir(async (dir) => {
    const failing = await script(`${dir}/failing`, "cat > /dev/null; exit 3");
    const good = await script(`${dir}/good`, `cat > "${dir}/copied"`);
    const clip = systemClipboard([
      { command: `${dir}/missing-tool`, args: [] },
      { command: failing, args: [] },
      { command: good, args: ["-selection", "clipboard"] },
    ]);
    await clip("héllo 'clipboard'\n");
    strictEqual(await Deno.readTextFile(`${dir}/copied`), "héllo 'clipboard'\n");
  }));

Deno.test("systemClipboard: no tool installed names what to install", async () => {
  const clip = systemClipboard([{ command: "mitmdeno-no-such-clipboard-tool", args: [] }]);
  await rejects(clip("x"), (e) => e instanceof ClipboardError && e.message === NO_CLIPBOARD_TOOL);
  strictEqual(NO_CLIPBOARD_TOOL.includes("xclip"), true);
});

Deno.test("systemClipboard: tools that all fail are reported with their exit codes", () =>
  withTempDir(async (dir) => {
    const failing = await script(`${dir}/failing`, "cat > /dev/null; exit 3");
    const clip = systemClipboard([{ command: failing, args: [] }]);
    await rejects(clip("x"), {
      name: "ClipboardError",
      message: `Could not copy to the clipboard: ${failing} exited with code 3`,
    });
  }));
