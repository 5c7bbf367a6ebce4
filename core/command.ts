/**
 * Typed commands (mitmproxy's `command.py`, `command_lexer.py`, `types.py`): the one API that
 * console key bindings, the web UI (`POST /commands/<name>`) and scripts all call.
 *
 * A command is a function plus a signature: argument names and types, a return type and a
 * help line. `call()` passes typed values straight through (after an arity and type check);
 * `execute()` parses a command line such as `flow.set @focus method "PUT"` and converts each
 * string by its declared type. Flow specs (`@all`, `@focus`, `@marked`, `@unmarked`, a flow
 * id or a filter expression) are resolved by an injected {@link FlowResolver}.
 *
 * Command-line syntax: arguments are separated by whitespace; `"..."` and `'...'` quote
 * (no escapes inside, an unclosed quote runs to the end); adjacent quoted and bare parts join
 * into one argument. `str` arguments then get Python-style escapes (`\n`, `\x22`, ...).
 *
 * @example
 * ```ts
 * import { CommandManager } from "./command.ts";
 * const commands = new CommandManager();
 * commands.add("math.add", (a: number, b: number) => a + b, {
 *   args: [{ name: "a", type: "int" }, { name: "b", type: "int" }],
 *   returns: "int",
 *   help: "Add two numbers.",
 * });
 * if (await commands.execute("math.add 2 '40'") !== 42) throw new Error("unexpected");
 * ```
 */
import { parseIntStrict } from "./option_types.ts";
import { didYouMean } from "./option_suggest.ts";

/** mitmproxy's command argument type names (as shown by `--commands`). */
export type CommandArgType =
  | "str"
  | "int"
  | "bool"
  | "bytes"
  | "path"
  | "cmd"
  | "arg"
  | "str[]"
  | "cut[]"
  | "flow"
  | "flow[]"
  | "choice"
  | "marker"
  | "unknown";

export type CommandReturnType = CommandArgType | "data[][]";

export interface CommandArgSpec {
  readonly name: string;
  /** `"flows"` is accepted as another spelling of `"flow[]"`. */
  readonly type: CommandArgType | "flows";
  /** For `choice`: the allowed values... */
  readonly choices?: readonly string[];
  /** ...or a command (no arguments) that returns them, like mitmproxy's `Choice("cmd")`. */
  readonly choicesCommand?: string;
  /** May be left out (only trailing arguments). */
  readonly optional?: boolean;
  /** Takes all remaining arguments (last argument only), like Python's `*args`. */
  readonly variadic?: boolean;
}

export interface CommandSignature {
  readonly args: readonly CommandArgSpec[];
  readonly returns?: CommandReturnType;
  readonly help: string;
}

/** Any function; arguments are checked against the signature before it is called. */
export type CommandFn = (...args: never[]) => unknown;

/** Turns a flow spec into flows; the flow view implements it. */
export interface FlowResolver<F = unknown> {
  resolve(spec: string): readonly F[] | Promise<readonly F[]>;
}

export class CommandError extends Error {
  override name = "CommandError";
}

export interface CommandInfo {
  readonly path: string;
  readonly args: readonly CommandArgSpec[];
  readonly returns: CommandReturnType | null;
  readonly help: string;
  /** `flow.encode flows part encoding -> str[]`, as mitmproxy prints it. */
  readonly signature: string;
}

interface Registered extends CommandInfo {
  readonly fn: CommandFn;
  readonly required: number;
  readonly variadic: boolean;
}

const PATH_RE = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const MARKER_RE = /^:[A-Za-z0-9_+-]+:$/;

export class CommandManager {
  #commands = new Map<string, Registered>();
  flowResolver: FlowResolver | null;

  constructor(opts: { flowResolver?: FlowResolver } = {}) {
    this.flowResolver = opts.flowResolver ?? null;
  }

  /** Registers (or replaces) a command. */
  add(path: string, fn: CommandFn, signature: CommandSignature): void {
    if (!PATH_RE.test(path)) {
      throw new CommandError(`Invalid command name: ${JSON.stringify(path)}`);
    }
    const args = signature.args.map((a) => ({
      ...a,
      type: a.type === "flows" ? "flow[]" : a.type,
    }));
    let required = 0;
    args.forEach((a, i) => {
      const where = `Command ${path}: argument "${a.name}"`;
      if (a.variadic && i !== args.length - 1) {
        throw new CommandError(`${where} is variadic but not last`);
      }
      if (!a.optional && !a.variadic) {
        if (required !== i) {
          throw new CommandError(`${where} is required but follows an optional one`);
        }
        required++;
      }
      if (a.type === "choice" && !a.choices && !a.choicesCommand) {
        throw new CommandError(`${where} is a choice without choices or choicesCommand`);
      }
    });
    const returns = signature.returns ?? null;
    const params = args.map((a) => (a.variadic ? `*${a.name}` : a.name)).join(" ");
    this.#commands.set(path, {
      path,
      fn,
      args,
      returns,
      help: signature.help.trim(),
      required,
      variadic: args.at(-1)?.variadic ?? false,
      signature: `${path}${params ? ` ${params}` : ""}${returns ? ` -> ${returns}` : ""}`,
    });
  }

  remove(path: string): boolean {
    return this.#commands.delete(path);
  }

  has(path: string): boolean {
    return this.#commands.has(path);
  }

  /** The registered function, for callers that keep their own bookkeeping. */
  fn(path: string): CommandFn | undefined {
    return this.#commands.get(path)?.fn;
  }

  get(path: string): CommandInfo {
    const { fn: _fn, required: _r, variadic: _v, ...info } = this.#lookup(path);
    return info;
  }

  /** All commands sorted by name (for `--commands` and generated docs). */
  list(): CommandInfo[] {
    return [...this.#commands.keys()].sort().map((p) => this.get(p));
  }

  /** The `--commands` text: help as `#` comments above each signature. */
  dump(): string {
    return this.list()
      .map((c) =>
        `${c.help.split("\n").filter(Boolean).map((l) => `# ${l}\n`).join("")}${c.signature}\n`
      )
      .join("\n");
  }

  /** Calls a command with typed values. */
  async call(path: string, ...args: unknown[]): Promise<unknown> {
    const cmd = this.#lookup(path);
    this.#checkArity(cmd, args.length);
    args.forEach((value, i) => checkTyped(cmd, argAt(cmd, i), value));
    return await (cmd.fn as (...a: unknown[]) => unknown)(...args);
  }

  /** Calls a command with string arguments, converting each by its declared type. */
  async callStrings(path: string, args: readonly string[]): Promise<unknown> {
    const cmd = this.#lookup(path);
    this.#checkArity(cmd, args.length);
    const values: unknown[] = [];
    for (let i = 0; i < args.length; i++) {
      values.push(await this.#parseArg(cmd, argAt(cmd, i), args[i]));
    }
    return await (cmd.fn as (...a: unknown[]) => unknown)(...values);
  }

  /** Parses and runs a command line such as `flow.set @focus method "PUT"`. */
  async execute(commandLine: string): Promise<unknown> {
    const [path, ...args] = splitCommandLine(commandLine);
    if (path === undefined) {
      throw new CommandError(`Invalid command: ${JSON.stringify(commandLine)}`);
    }
    return await this.callStrings(path, args);
  }

  #lookup(path: string): Registered {
    const cmd = this.#commands.get(path);
    if (!cmd) {
      throw new CommandError(`Unknown command: ${path}${didYouMean(path, this.#commands.keys())}`);
    }
    return cmd;
  }

  #checkArity(cmd: Registered, given: number): void {
    const max = cmd.variadic ? Infinity : cmd.args.length;
    if (given >= cmd.required && given <= max) return;
    const want = cmd.variadic
      ? `at least ${cmd.required}`
      : cmd.required === max
      ? `${max}`
      : `${cmd.required} to ${max}`;
    throw new CommandError(
      `Command ${cmd.signature}: expected ${want} argument${max === 1 ? "" : "s"}, got ${given}`,
    );
  }

  async #parseArg(cmd: Registered, arg: CommandArgSpec, text: string): Promise<unknown> {
    const fail = (why: string) => argError(cmd, arg, why);
    switch (arg.type) {
      case "str":
        return unescapeStr(text);
      case "bytes":
        return unescapeBytes(text);
      case "arg":
      case "unknown":
        return text;
      case "path":
        return expandHome(text);
      case "int": {
        const n = parseIntStrict(text);
        if (n === null) throw fail(`${JSON.stringify(text)} is not an integer`);
        return n;
      }
      case "bool":
        if (text === "true") return true;
        if (text === "false") return false;
        throw fail(`booleans are "true" or "false", got ${JSON.stringify(text)}`);
      case "str[]":
        return text.split(",").map((s) => s.trim());
      case "cut[]":
        return text.split(",");
      case "cmd":
        if (!this.#commands.has(text)) {
          throw fail(
            `unknown command ${JSON.stringify(text)}${didYouMean(text, this.#commands.keys())}`,
          );
        }
        return text;
      case "marker":
        if (text === "true") return ":default:";
        if (text === "false") return "";
        if (!MARKER_RE.test(text)) {
          throw fail(`${JSON.stringify(text)} is not a marker (true, false or :name:)`);
        }
        return text;
      case "choice": {
        const choices = arg.choices ?? await this.#choicesFrom(cmd, arg);
        if (!choices.includes(text)) {
          throw fail(`${JSON.stringify(text)} is not one of ${choices.join(", ")}`);
        }
        return text;
      }
      case "flow":
      case "flow[]":
      case "flows": {
        const flows = await this.#resolveFlows(cmd, arg, text);
        if (arg.type !== "flow") return flows;
        if (flows.length !== 1) {
          throw fail(
            `command requires one flow, specification ${
              JSON.stringify(text)
            } matched ${flows.length}`,
          );
        }
        return flows[0];
      }
    }
  }

  async #choicesFrom(cmd: Registered, arg: CommandArgSpec): Promise<readonly string[]> {
    const result = await this.call(arg.choicesCommand!);
    if (!Array.isArray(result) || !result.every((c) => typeof c === "string")) {
      throw argError(
        cmd,
        arg,
        `choices command ${arg.choicesCommand} did not return a list of strings`,
      );
    }
    return result;
  }

  async #resolveFlows(
    cmd: Registered,
    arg: CommandArgSpec,
    spec: string,
  ): Promise<readonly unknown[]> {
    if (!this.flowResolver) {
      throw argError(cmd, arg, "no flow view is loaded to resolve flow specs");
    }
    try {
      return await this.flowResolver.resolve(spec);
    } catch (e) {
      throw argError(
        cmd,
        arg,
        `cannot resolve ${JSON.stringify(spec)}: ${(e as Error).message ?? e}`,
      );
    }
  }
}

function argAt(cmd: Registered, i: number): CommandArgSpec {
  return cmd.args[Math.min(i, cmd.args.length - 1)];
}

function argError(cmd: Registered, arg: CommandArgSpec, why: string): CommandError {
  return new CommandError(
    `Command ${cmd.path}: invalid argument "${arg.name}" (${arg.type}): ${why}`,
  );
}

function checkTyped(cmd: Registered, arg: CommandArgSpec, value: unknown): void {
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === "string");
  let ok = true;
  switch (arg.type) {
    case "str":
    case "path":
    case "cmd":
    case "arg":
    case "choice":
    case "marker":
      ok = typeof value === "string";
      break;
    case "int":
      ok = typeof value === "number" && Number.isSafeInteger(value);
      break;
    case "bool":
      ok = typeof value === "boolean";
      break;
    case "bytes":
      ok = value instanceof Uint8Array;
      break;
    case "str[]":
    case "cut[]":
      ok = strings(value);
      break;
    case "flow[]":
    case "flows":
      ok = Array.isArray(value);
      break;
  }
  if (!ok) {
    const shown = typeof value === "string"
      ? JSON.stringify(value)
      : Array.isArray(value)
      ? "an array"
      : String(value);
    throw argError(cmd, arg, `expected ${arg.type}, got ${typeof value} ${shown}`);
  }
}

/** Splits a command line into arguments (see the syntax at the top of this file). */
export function splitCommandLine(line: string): string[] {
  const out: string[] = [];
  let cur: string | null = null;
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === " " || c === "\t" || c === "\r" || c === "\n") {
      if (cur !== null) out.push(cur);
      cur = null;
      i++;
    } else if (c === '"' || c === "'") {
      const end = line.indexOf(c, i + 1);
      const stop = end < 0 ? line.length : end;
      cur = (cur ?? "") + line.slice(i + 1, stop);
      i = stop + 1;
    } else {
      cur = (cur ?? "") + c;
      i++;
    }
  }
  if (cur !== null) out.push(cur);
  return out;
}

/** Quotes a value so that `splitCommandLine` gives it back (mitmproxy's `quote`). */
export function quoteArg(value: string): string {
  if (value !== "" && !/['"\s]/.test(value)) return value;
  if (!value.includes('"')) return `"${value}"`;
  if (!value.includes("'")) return `'${value}'`;
  return `"${value.replaceAll('"', "\\x22")}"`;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  "\\": "\\",
  "'": "'",
  '"': '"',
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
};

const ESCAPE_RE =
  /\\(?:([\\'"abfnrtv])|([0-7]{1,3})|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))/g;

/** Python-style string escapes, as mitmproxy applies them to `str` arguments. */
export function unescapeStr(text: string): string {
  return text.replace(ESCAPE_RE, (whole, simple, oct, hex, u4, u8) => {
    if (simple) return SIMPLE_ESCAPES[simple];
    const code = parseInt(oct ?? hex ?? u4 ?? u8, oct ? 8 : 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

/** Escaped text to bytes: `\xNN` and other escapes give raw bytes, other text UTF-8. */
export function unescapeBytes(text: string): Uint8Array {
  const out: number[] = [];
  const encoder = new TextEncoder();
  let last = 0;
  for (const m of text.matchAll(/\\(?:x([0-9a-fA-F]{2})|([0-7]{1,3})|([\\'"abfnrtv]))/g)) {
    out.push(...encoder.encode(text.slice(last, m.index)));
    if (m[1]) out.push(parseInt(m[1], 16));
    else if (m[2]) out.push(parseInt(m[2], 8) & 0xff);
    else out.push(SIMPLE_ESCAPES[m[3]].charCodeAt(0));
    last = m.index + m[0].length;
  }
  out.push(...encoder.encode(text.slice(last)));
  return new Uint8Array(out);
}

function expandHome(path: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  return (Deno.env.get("HOME") ?? Deno.env.get("USERPROFILE") ?? "") + path.slice(1);
}
