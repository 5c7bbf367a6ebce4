/**
 * The messages between the proxy and a script's sandbox worker (carried by `wire.ts`).
 *
 * Proxy -> worker:
 * - `init {name, options}`: load the script with these option values; answered by `ready`
 *   (hooks defined, options and commands declared, warnings) or `fatal`.
 * - `call {id, hook, ...args}`: run a hook; answered by `reply {id}`. Calls run
 *   concurrently in the worker; replies come in any order.
 * - `command {id, path, args}`: run a command the script registered; answered by `reply`.
 * - `options {values}`: option values changed.
 *
 * Worker -> proxy: `ready`, `fatal`, `reply`, `log {level, msg}`, `uncaught {error}`.
 *
 * The worker runs code we do not trust, so everything it sends is checked here before the
 * proxy acts on it; a malformed message is a protocol error that stops the sandbox.
 */
import type { LogLevel } from "../../core/log.ts";
import type { WireValue } from "./wire.ts";

export interface ErrorInfo {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
}

/** Runtime-only flow fields that the state object does not carry. */
export interface FlowRuntime {
  readonly live: boolean;
  readonly request_stream: boolean;
  readonly response_stream: boolean;
}

export interface OptionDecl {
  readonly name: string;
  readonly type: string;
  readonly default: unknown;
  readonly help: string;
  readonly choices: readonly string[] | null;
}

export interface CommandArgDecl {
  readonly name: string;
  readonly type: string;
  readonly optional: boolean;
  readonly variadic: boolean;
}

export interface CommandDecl {
  readonly path: string;
  readonly args: readonly CommandArgDecl[];
  readonly returns: string | null;
  readonly help: string;
}

export interface ReadyMessage {
  readonly t: "ready";
  readonly hooks: readonly string[];
  readonly options: readonly OptionDecl[];
  readonly commands: readonly CommandDecl[];
  readonly warnings: readonly string[];
}

export interface FatalMessage {
  readonly t: "fatal";
  readonly error: ErrorInfo;
}

export interface ReplyMessage {
  readonly t: "reply";
  readonly id: number;
  readonly errors: readonly ErrorInfo[];
  readonly warnings: readonly string[];
  /** The hook left the flow (or connection) different from what it got. */
  readonly changed: boolean;
  readonly state: WireValue;
  readonly rt: WireValue;
  /** A command's result. */
  readonly result: WireValue;
  /** Why the changed state could not even be serialised in the worker. */
  readonly invalid: string | null;
}

export interface LogMessage {
  readonly t: "log";
  readonly level: LogLevel;
  readonly msg: string;
}

export interface UncaughtMessage {
  readonly t: "uncaught";
  readonly error: ErrorInfo;
}

export type WorkerMessage =
  | ReadyMessage
  | FatalMessage
  | ReplyMessage
  | LogMessage
  | UncaughtMessage;

/** What the worker tells the sandbox process's main thread when the channel closes. */
export const EXIT_MESSAGE = "exit";

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

type Dict = { [key: string]: WireValue };

function isDict(v: WireValue | undefined): v is Dict {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function str(v: WireValue | undefined, where: string): string {
  if (typeof v !== "string") throw new ProtocolError(`${where}: expected a string`);
  return v;
}

function strList(v: WireValue | undefined, where: string): string[] {
  if (!Array.isArray(v)) throw new ProtocolError(`${where}: expected a list`);
  return v.map((x, i) => str(x, `${where}[${i}]`));
}

function list(v: WireValue | undefined, where: string): WireValue[] {
  if (!Array.isArray(v)) throw new ProtocolError(`${where}: expected a list`);
  return v;
}

function dict(v: WireValue | undefined, where: string): Dict {
  if (!isDict(v)) throw new ProtocolError(`${where}: expected an object`);
  return v;
}

const LEVELS: readonly string[] = ["error", "warn", "info", "alert", "debug"];

export function errorInfo(v: WireValue | undefined, where = "error"): ErrorInfo {
  const d = dict(v, where);
  return {
    name: str(d.name, `${where}.name`),
    message: str(d.message, `${where}.message`),
    stack: str(d.stack ?? "", `${where}.stack`),
  };
}

function optionDecl(v: WireValue, where: string): OptionDecl {
  const d = dict(v, where);
  return {
    name: str(d.name, `${where}.name`),
    type: str(d.type, `${where}.type`),
    default: d.default ?? null,
    help: str(d.help ?? "", `${where}.help`),
    choices: d.choices == null ? null : strList(d.choices, `${where}.choices`),
  };
}

function commandDecl(v: WireValue, where: string): CommandDecl {
  const d = dict(v, where);
  return {
    path: str(d.path, `${where}.path`),
    args: list(d.args, `${where}.args`).map((a, i) => {
      const ad = dict(a, `${where}.args[${i}]`);
      return {
        name: str(ad.name, `${where}.args[${i}].name`),
        type: str(ad.type, `${where}.args[${i}].type`),
        optional: ad.optional === true,
        variadic: ad.variadic === true,
      };
    }),
    returns: d.returns == null ? null : str(d.returns, `${where}.returns`),
    help: str(d.help ?? "", `${where}.help`),
  };
}

/** Checks a decoded frame from the worker. Throws `ProtocolError` naming the bad field. */
export function parseWorkerMessage(v: WireValue): WorkerMessage {
  const d = dict(v, "message");
  switch (d.t) {
    case "ready":
      return {
        t: "ready",
        hooks: strList(d.hooks, "ready.hooks"),
        options: list(d.options, "ready.options").map((o, i) => optionDecl(o, `options[${i}]`)),
        commands: list(d.commands, "ready.commands").map((c, i) =>
          commandDecl(c, `commands[${i}]`)
        ),
        warnings: strList(d.warnings, "ready.warnings"),
      };
    case "fatal":
      return { t: "fatal", error: errorInfo(d.error) };
    case "uncaught":
      return { t: "uncaught", error: errorInfo(d.error) };
    case "log": {
      const level = str(d.level, "log.level");
      if (!LEVELS.includes(level)) throw new ProtocolError(`log.level: unknown level ${level}`);
      return { t: "log", level: level as LogLevel, msg: str(d.msg, "log.msg") };
    }
    case "reply": {
      const id = d.id;
      if (typeof id !== "number" || !Number.isInteger(id)) {
        throw new ProtocolError("reply.id: expected an integer");
      }
      return {
        t: "reply",
        id,
        errors: list(d.errors ?? [], "reply.errors").map((e, i) => errorInfo(e, `errors[${i}]`)),
        warnings: strList(d.warnings ?? [], "reply.warnings"),
        changed: d.changed === true,
        state: d.state ?? null,
        rt: d.rt ?? null,
        result: d.result ?? null,
        invalid: d.invalid == null ? null : str(d.invalid, "reply.invalid"),
      };
    }
    default:
      throw new ProtocolError(`unknown message type ${JSON.stringify(d.t ?? null)}`);
  }
}

/** An error as plain data, for the channel. */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof Error) {
    return { name: e.name, message: e.message, stack: e.stack ?? "" };
  }
  let message: string;
  try {
    message = typeof e === "string" ? e : Deno.inspect(e);
  } catch {
    message = "(unprintable value)";
  }
  return { name: "Thrown value", message, stack: "" };
}

/** True for Deno's permission errors (`NotCapable`; `PermissionDenied` for OS refusals). */
export function isPermissionError(e: ErrorInfo): boolean {
  return e.name === "NotCapable" || /^Requires \w+ access/.test(e.message);
}
