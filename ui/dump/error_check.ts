/**
 * Exits with status 1 when something failed during start-up (mitmproxy's `ErrorCheck`):
 * errors logged before `running` has finished, e.g. a port that is already in use, must not
 * leave a proxy running that serves nothing.
 */
import type { LogEntry } from "../../core/log.ts";

export class ErrorCheck {
  readonly name = "errorcheck";
  readonly #errors: string[] = [];
  #starting = true;

  constructor(readonly onFailure: (messages: readonly string[]) => void) {}

  /** Feed every log entry here (subscribe it to the logger). */
  observe = (entry: LogEntry): void => {
    if (this.#starting && entry.level === "error") this.#errors.push(entry.msg);
  };

  running(): void {
    this.#starting = false;
    if (this.#errors.length > 0) this.onFailure(this.#errors);
  }
}
