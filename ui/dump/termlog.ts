/** Prints log entries at or above `termlog_verbosity` (errors to stderr). */
import { levelAtLeast, type LogEntry, type LogLevel } from "../../core/log.ts";
import type { Options } from "../../core/options.ts";

export interface TermLogOutput {
  out(text: string): void;
  err(text: string): void;
}

export function termLog(options: Options, output: TermLogOutput): (entry: LogEntry) => void {
  return (entry) => {
    const threshold = options.get("termlog_verbosity") as LogLevel;
    if (!levelAtLeast(entry.level, threshold)) return;
    const line = `${entry.msg}\n`;
    if (entry.level === "error" || entry.level === "warn") output.err(line);
    else output.out(line);
  };
}
