/**
 * Exports flows as commands, code snippets or raw HTTP (mitmproxy's `export.py`); the
 * formats themselves live in `core/export/`.
 *
 * - `export.formats` lists them; `export format flow` returns the export as text (bytes
 *   that are not UTF-8 shown as `\xNN`); `export.file format flow path` writes it (raw
 *   formats byte for byte); `export.clip format flow` copies the text to the clipboard.
 * - `export_preserve_original_ip` makes curl connect to the IP the flow went to.
 * - Unlike mitmproxy, a file or clipboard that cannot be written is a CommandError (the
 *   caller sees it) rather than only a log line.
 */

import { CommandError } from "../core/command.ts";
import { type Clipboard, systemClipboard } from "../core/export/clipboard.ts";
import type { ExportOptions } from "../core/export/flow_parts.ts";
import { exportFlow, exportFormats, exportText } from "../core/export/formats.ts";
import { Flow } from "../core/flow/flow.ts";
import type { Loader } from "../core/hooks.ts";
import type { Options } from "../core/options.ts";

export interface ExportInit {
  /** Where `export.clip` copies to; defaults to the system clipboard tool. */
  clipboard?: Clipboard;
}

const FORMAT_ARG = { name: "format", type: "choice", choicesCommand: "export.formats" } as const;

function asFlow(value: unknown): Flow {
  if (value instanceof Flow) return value;
  throw new CommandError(`Expected a flow to export, got ${typeof value}`);
}

export class Export {
  readonly name = "export";
  #options: Options | null = null;
  readonly #clipboard: Clipboard;

  constructor(init: ExportInit = {}) {
    this.#clipboard = init.clipboard ?? systemClipboard();
  }

  load(loader: Loader): void {
    this.#options = loader.options;
    loader.add_option(
      "export_preserve_original_ip",
      "bool",
      false,
      "When exporting a request as an external command, make an effort to connect to the same IP as in the original request. This helps with reproducibility in cases where the behaviour depends on the particular host we are connecting to. Currently this only affects curl exports.",
    );
    loader.add_command("export.formats", () => this.formats(), {
      args: [],
      returns: "str[]",
      help: "Return a list of the supported export formats.",
    });
    loader.add_command("export", (format: string, flow: Flow) => this.exportStr(format, flow), {
      args: [FORMAT_ARG, { name: "flow", type: "flow" }],
      returns: "str",
      help: "Export a flow and return the result.",
    });
    loader.add_command(
      "export.file",
      (format: string, flow: Flow, path: string) => this.file(format, flow, path),
      {
        args: [FORMAT_ARG, { name: "flow", type: "flow" }, { name: "path", type: "path" }],
        help: "Export a flow to path.",
      },
    );
    loader.add_command("export.clip", (format: string, flow: Flow) => this.clip(format, flow), {
      args: [FORMAT_ARG, { name: "flow", type: "flow" }],
      help: "Export a flow to the system clipboard.",
    });
  }

  #exportOptions(): ExportOptions {
    return { preserve_original_ip: this.#options?.get("export_preserve_original_ip") === true };
  }

  formats(): string[] {
    return exportFormats();
  }

  exportStr(format: string, flow: Flow): string {
    return exportText(format, asFlow(flow), this.#exportOptions());
  }

  async file(format: string, flow: Flow, path: string): Promise<void> {
    const value = exportFlow(format, asFlow(flow), this.#exportOptions());
    const bytes = typeof value === "string" ? new TextEncoder().encode(value) : value;
    try {
      await Deno.writeFile(path, bytes);
    } catch (e) {
      throw new CommandError(`Cannot write ${path}: ${e instanceof Error ? e.message : e}`);
    }
  }

  async clip(format: string, flow: Flow): Promise<void> {
    await this.#clipboard(this.exportStr(format, flow));
  }
}
