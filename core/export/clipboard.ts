/**
 * The system clipboard, through whichever command-line tool the system has (what
 * pyperclip does for mitmproxy): `wl-copy` (Wayland), `xclip`, `xsel` (X11), `pbcopy`
 * (macOS), `clip.exe` (Windows, WSL). Tools are tried in that order; one that is missing
 * or fails hands over to the next. The tool is a seam: tests and UIs inject their own
 * `Clipboard` function.
 */

import { utf8Encode } from "../../codecs/bytes.ts";
import { CommandError } from "../command.ts";

/** Copies text to a clipboard. Rejects with a ClipboardError saying what to do. */
export type Clipboard = (text: string) => Promise<void>;

export class ClipboardError extends CommandError {
  override name = "ClipboardError";
}

export interface ClipboardTool {
  readonly command: string;
  readonly args: readonly string[];
}

export const CLIPBOARD_TOOLS: readonly ClipboardTool[] = [
  { command: "wl-copy", args: [] },
  { command: "xclip", args: ["-selection", "clipboard"] },
  { command: "xsel", args: ["--clipboard", "--input"] },
  { command: "pbcopy", args: [] },
  { command: "clip.exe", args: [] },
];

export const NO_CLIPBOARD_TOOL =
  "No clipboard tool found: install wl-clipboard (Wayland) or xclip or xsel (X11); " +
  "macOS has pbcopy and Windows clip.exe.";

/** Runs `tool` with `text` on stdin; null on success, else why not (undefined if the tool
 * is not installed). */
async function tryTool(tool: ClipboardTool, text: string): Promise<string | null | undefined> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(tool.command, {
      args: [...tool.args],
      stdin: "piped",
      // xclip and wl-copy leave a child behind that serves the selection and keeps inherited
      // pipes open, so reading its output would never finish.
      stdout: "null",
      stderr: "null",
    }).spawn();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    return `${tool.command}: ${e instanceof Error ? e.message : String(e)}`;
  }
  let writeError: string | null = null;
  try {
    const writer = child.stdin.getWriter();
    await writer.write(utf8Encode(text));
    await writer.close();
  } catch (e) {
    writeError = e instanceof Error ? e.message : String(e);
  }
  const status = await child.status;
  if (status.success && writeError === null) return null;
  return `${tool.command} exited with code ${status.code}${writeError ? ` (${writeError})` : ""}`;
}

/** A Clipboard backed by the first of `tools` that is installed and works. */
export function systemClipboard(tools: readonly ClipboardTool[] = CLIPBOARD_TOOLS): Clipboard {
  return async (text: string) => {
    const failures: string[] = [];
    for (const tool of tools) {
      const failure = await tryTool(tool, text);
      if (failure === null) return;
      if (failure !== undefined) failures.push(failure);
    }
    if (failures.length === 0) throw new ClipboardError(NO_CLIPBOARD_TOOL);
    throw new ClipboardError(`Could not copy to the clipboard: ${failures.join("; ")}`);
  };
}
