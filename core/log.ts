/**
 * Log entries and the logger that fans them out to subscribers (the terminal printer,
 * the web UI's event log, tests).
 *
 * Levels and filtering follow mitmproxy's `termlog_verbosity`: `error` < `warn` < `info` <
 * `alert` < `debug`, where `alert` sits on the same tier as `info` (mitmproxy's
 * `log_tier`): an alert is shown whenever info lines are.
 *
 * @example
 * ```ts
 * import { levelAtLeast, Logger } from "./log.ts";
 * const logger = new Logger({ now: () => 0 });
 * const seen: string[] = [];
 * logger.subscribe((e) => levelAtLeast(e.level, "info") && seen.push(e.msg));
 * logger.info("listening");
 * logger.debug("noise");
 * if (seen.join() !== "listening") throw new Error("unexpected");
 * ```
 */

export type LogLevel = "error" | "warn" | "info" | "alert" | "debug";

/** All levels, most severe first. */
export const LOG_LEVELS: readonly LogLevel[] = ["error", "warn", "info", "alert", "debug"];

export interface LogEntry {
  readonly msg: string;
  readonly level: LogLevel;
  /** Seconds since the epoch, like every other timestamp in mitmdeno. */
  readonly timestamp: number;
}

export type LogSubscriber = (entry: LogEntry) => void;

const LEVEL_TIER: Readonly<Record<LogLevel, number>> = {
  error: 0,
  warn: 1,
  info: 2,
  alert: 2,
  debug: 3,
};

/** True if `level` is a known log level name. */
export function isLogLevel(level: string): level is LogLevel {
  return Object.hasOwn(LEVEL_TIER, level);
}

/**
 * True if an entry of `entryLevel` is shown at verbosity `threshold`, i.e. the entry is at
 * least as severe as the threshold: `levelAtLeast("warn", "info")` is true,
 * `levelAtLeast("debug", "info")` is false.
 */
export function levelAtLeast(entryLevel: LogLevel, threshold: LogLevel): boolean {
  return LEVEL_TIER[entryLevel] <= LEVEL_TIER[threshold];
}

export interface LoggerOptions {
  /** Clock in seconds since the epoch; defaults to the wall clock. */
  now?: () => number;
  /** Called when a subscriber throws; defaults to `console.error`. */
  onSubscriberError?: (error: unknown) => void;
}

export class Logger {
  #subscribers: LogSubscriber[] = [];
  #now: () => number;
  #onSubscriberError: (error: unknown) => void;

  constructor(options: LoggerOptions = {}) {
    this.#now = options.now ?? (() => Date.now() / 1000);
    this.#onSubscriberError = options.onSubscriberError ??
      ((error) => console.error("log subscriber failed:", error));
  }

  log(level: LogLevel, msg: string): void {
    if (this.#subscribers.length === 0) return;
    const entry: LogEntry = { msg, level, timestamp: this.#now() };
    // A copy, so a subscriber that unsubscribes while being called does not skip the next.
    for (const fn of [...this.#subscribers]) {
      try {
        fn(entry);
      } catch (error) {
        this.#onSubscriberError(error);
      }
    }
  }

  error(msg: string): void {
    this.log("error", msg);
  }

  warn(msg: string): void {
    this.log("warn", msg);
  }

  info(msg: string): void {
    this.log("info", msg);
  }

  alert(msg: string): void {
    this.log("alert", msg);
  }

  debug(msg: string): void {
    this.log("debug", msg);
  }

  /** Receive every entry from now on; returns the unsubscribe function. */
  subscribe(fn: LogSubscriber): () => void {
    this.#subscribers.push(fn);
    return () => {
      const i = this.#subscribers.indexOf(fn);
      if (i >= 0) this.#subscribers.splice(i, 1);
    };
  }
}
