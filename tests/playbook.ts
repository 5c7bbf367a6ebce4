/**
 * The playbook: a transcript test for sans-io layers.
 *
 * ```ts
 * playbook(layer)
 *   .in(new DataReceived(tctx.client, bytes("GET / HTTP/1.1\r\n\r\n")))
 *   .out(hook("requestheaders", flow)).reply()
 *   .out(sendData(tctx.client, "HTTP/1.1 200 OK..."))
 *   .check();
 * ```
 *
 * Adjacent `SendData` commands to the same connection are merged before matching.
 * Hooks are listed by default; `{ hooks: false }` auto-replies them and drops them from
 * the transcript. `Log` commands are ignored unless `{ logs: true }`.
 * `checkPlaybook(build)` runs a transcript, then again with every `DataReceived` split
 * into random chunks: chunking must never change the outcome.
 */
import { AssertionError } from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import {
  CloseConnection,
  Command,
  type Connection,
  Log,
  OpenConnection,
  SendData,
  StartHook,
} from "../layers/commands.ts";
import { CommandCompleted, DataReceived, type Event } from "../layers/events.ts";
import type { Layer } from "../layers/layer.ts";
import { concatBytes, latin1Decode, latin1Encode } from "../codecs/bytes.ts";

/** Captures the object a layer creates on first match; later matches must be the same. */
export class Placeholder<T> {
  #value: T | undefined;
  #bound = false;
  constructor(readonly label = "placeholder") {}
  get value(): T {
    if (!this.#bound) throw new Error(`${this.label} was never matched`);
    return this.#value as T;
  }
  /** Binds on first use; afterwards compares by identity. */
  matches(actual: unknown): boolean {
    if (!this.#bound) {
      this.#value = actual as T;
      this.#bound = true;
      return true;
    }
    return this.#value === actual;
  }
}

export function placeholder<T>(label?: string): Placeholder<T> {
  return new Placeholder<T>(label);
}

/** A matcher for one command; returns an explanation when it does not match. */
export interface CommandMatcher {
  readonly description: string;
  readonly blocking: boolean;
  match(command: Command): string | null;
}

function same(expected: unknown, actual: unknown): boolean {
  if (expected instanceof Placeholder) return expected.matches(actual);
  if (expected === actual) return true;
  return isDeepStrictEqual(expected, actual);
}

function matcher(
  description: string,
  blocking: boolean,
  match: (c: Command) => string | null,
): CommandMatcher {
  return { description, blocking, match };
}

export function bytes(text: string): Uint8Array {
  return latin1Encode(text);
}

/** Expects bytes written to a connection (string = latin1). */
export function sendData(
  connection: Connection | Placeholder<Connection>,
  data: string | Uint8Array | ((text: string) => boolean),
): CommandMatcher {
  const shown = typeof data === "function" ? "<predicate>" : JSON.stringify(
    typeof data === "string" ? data : latin1Decode(data),
  );
  return matcher(`SendData(${shown})`, false, (c) => {
    if (!(c instanceof SendData)) return "not a SendData";
    if (!same(connection, c.connection)) return "to another connection";
    const text = latin1Decode(c.data);
    if (typeof data === "function") return data(text) ? null : `predicate rejected ${text}`;
    const want = typeof data === "string" ? data : latin1Decode(data);
    return text === want
      ? null
      : `data differs:\n  want ${JSON.stringify(want)}\n  got  ${JSON.stringify(text)}`;
  });
}

/** Expects a hook with the given arguments (placeholders bind on first match). */
export function hook(name: string, ...args: unknown[]): CommandMatcher {
  return matcher(`StartHook(${name})`, true, (c) => {
    if (!(c instanceof StartHook)) return "not a StartHook";
    if (c.name !== name) return `hook ${c.name}, not ${name}`;
    if (args.length !== c.args.length) return `hook has ${c.args.length} args`;
    for (let i = 0; i < args.length; i++) {
      if (!same(args[i], c.args[i])) return `argument ${i} differs`;
    }
    return null;
  });
}

/** Expects an OpenConnection; `server` is the connection, a placeholder, or a predicate. */
export function openConnection(server: unknown): CommandMatcher {
  return matcher("OpenConnection", true, (c) => {
    if (!(c instanceof OpenConnection)) return "not an OpenConnection";
    if (typeof server === "function") return server(c.connection) ? null : "predicate rejected";
    return same(server, c.connection) ? null : "another server";
  });
}

export function closeConnection(
  connection: Connection | Placeholder<Connection>,
  halfClose = false,
): CommandMatcher {
  return matcher(`CloseConnection(halfClose=${halfClose})`, false, (c) => {
    if (!(c instanceof CloseConnection)) return "not a CloseConnection";
    if (!same(connection, c.connection)) return "another connection";
    return c.halfClose === halfClose ? null : `halfClose is ${c.halfClose}`;
  });
}

export function logLine(contains: string | RegExp): CommandMatcher {
  return matcher(`Log(${contains})`, false, (c) => {
    if (!(c instanceof Log)) return "not a Log";
    const ok = typeof contains === "string"
      ? c.message.includes(contains)
      : contains.test(c.message);
    return ok ? null : `log was ${JSON.stringify(c.message)}`;
  });
}

/** Any command passing the predicate. */
export function where(
  description: string,
  predicate: (c: Command) => boolean,
  blocking = false,
): CommandMatcher {
  return matcher(description, blocking, (c) => (predicate(c) ? null : "predicate rejected"));
}

type Step =
  | { kind: "in"; event: Event | (() => Event) }
  | { kind: "reply"; to: number; value: unknown }
  | { kind: "out"; matcher: CommandMatcher }
  | { kind: "do"; fn: () => void };

export interface PlaybookOptions {
  hooks?: boolean;
  logs?: boolean;
  /** With `hooks: false`: runs on each auto-replied hook first (e.g. a real addon). */
  onHook?: (command: StartHook) => void;
}

export class Playbook {
  readonly #steps: Step[] = [];
  readonly #hooks: boolean;
  readonly #logs: boolean;
  readonly #onHook: ((command: StartHook) => void) | undefined;
  #checked = false;
  #split: (() => number) | null = null;

  constructor(readonly layer: Layer, options: PlaybookOptions = {}) {
    this.#hooks = options.hooks ?? true;
    this.#logs = options.logs ?? false;
    this.#onHook = options.onHook;
  }

  /** Feeds an event; pass a function to build it lazily (e.g. from a bound placeholder). */
  in(event: Event | (() => Event)): this {
    this.#steps.push({ kind: "in", event });
    return this;
  }

  out(expected: CommandMatcher): this {
    this.#steps.push({ kind: "out", matcher: expected });
    return this;
  }

  /** Runs `fn` at this point of the transcript (e.g. to modify a flow inside a hook). */
  do(fn: () => void): this {
    this.#steps.push({ kind: "do", fn });
    return this;
  }

  /** Replies to the last expected blocking command (or the `to`-th out step, counted from 0). */
  reply(value: unknown = undefined, to?: number): this {
    let index = -1;
    if (to === undefined) {
      for (let i = this.#steps.length - 1; i >= 0; i--) {
        const s = this.#steps[i];
        if (s.kind === "out" && s.matcher.blocking) {
          index = i;
          break;
        }
      }
    } else {
      index = this.#steps.findIndex((s, i) =>
        s.kind === "out" && this.#steps.slice(0, i).filter((x) => x.kind === "out").length === to
      );
    }
    if (index < 0) throw new Error("reply() without an expected blocking command before it");
    this.#steps.push({ kind: "reply", to: index, value });
    return this;
  }

  /** Splits each DataReceived into random chunks, driven by a seeded generator. */
  withRandomChunks(seed: number): this {
    let state = seed >>> 0 || 1;
    this.#split = () => {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 0x100000000;
    };
    return this;
  }

  /** Runs the transcript; throws an AssertionError naming the first mismatch. */
  check(): void {
    this.#checked = true;
    const pending: Command[] = [];
    const matched = new Map<number, Command>();
    const transcript: string[] = [];
    const fail = (msg: string): never => {
      throw new AssertionError({
        message: `${msg}\nTranscript so far:\n  ${transcript.join("\n  ")}`,
      });
    };
    const feed = (event: Event) => {
      const queue: Event[] = [event];
      while (queue.length > 0) {
        const e = queue.shift()!;
        for (const command of this.layer.handleEvent(e)) {
          if (command instanceof Log && !this.#logs) continue;
          if (command instanceof StartHook && !this.#hooks) {
            this.#onHook?.(command);
            queue.push(new CommandCompleted(command, undefined));
            continue;
          }
          const last = pending[pending.length - 1];
          if (
            command instanceof SendData && last instanceof SendData &&
            last.connection === command.connection
          ) {
            pending[pending.length - 1] = new SendData(
              last.connection,
              concatBytes([last.data, command.data]),
            );
          } else {
            pending.push(command);
          }
        }
      }
    };
    for (let i = 0; i < this.#steps.length; i++) {
      const step = this.#steps[i];
      if (step.kind === "out") {
        const actual = pending.shift();
        if (actual === undefined) fail(`expected ${step.matcher.description}, got nothing`);
        const problem = step.matcher.match(actual!);
        if (problem !== null) {
          fail(`expected ${step.matcher.description}, got ${describe(actual!)}: ${problem}`);
        }
        matched.set(i, actual!);
        transcript.push(`<< ${describe(actual!)}`);
        continue;
      }
      if (pending.length > 0) {
        fail(`unexpected command before the next event: ${describe(pending[0])}`);
      }
      if (step.kind === "do") {
        step.fn();
        continue;
      }
      if (step.kind === "reply") {
        const command = matched.get(step.to);
        if (command === undefined) fail("reply() to a command that was never matched");
        transcript.push(`>> reply ${describe(command!)}`);
        // As the proxy server would: a successful open marks the connection connected.
        if (command instanceof OpenConnection && step.value === null) {
          command.connection.connected = true;
        }
        feed(new CommandCompleted(command!, step.value));
        continue;
      }
      const event = typeof step.event === "function" ? step.event() : step.event;
      transcript.push(`>> ${event.kind}`);
      if (this.#split !== null && event instanceof DataReceived && event.data.length > 1) {
        let offset = 0;
        while (offset < event.data.length) {
          const size = 1 + Math.floor(this.#split() * Math.min(8, event.data.length - offset));
          feed(new DataReceived(event.connection, event.data.subarray(offset, offset + size)));
          offset += size;
        }
      } else {
        feed(event);
      }
    }
    if (pending.length > 0) fail(`unexpected command at the end: ${describe(pending[0])}`);
  }

  /** The `using` guard: a playbook that was built but never checked fails the test. */
  [Symbol.dispose](): void {
    if (!this.#checked) throw new Error("playbook was never checked: call .check()");
  }
}

function describe(command: Command): string {
  if (command instanceof SendData) {
    return `SendData(${JSON.stringify(latin1Decode(command.data).slice(0, 300))})`;
  }
  if (command instanceof StartHook) return `StartHook(${command.name})`;
  if (command instanceof Log) return `Log(${command.level}: ${command.message})`;
  if (command instanceof CloseConnection) return `CloseConnection(half=${command.halfClose})`;
  return command.kind;
}

export function playbook(layer: Layer, options?: PlaybookOptions): Playbook {
  return new Playbook(layer, options);
}

/**
 * Runs a transcript once as written and then with random chunking of every
 * DataReceived (several seeds). `build` must create fresh layers and placeholders.
 */
export function checkPlaybook(build: () => Playbook, seeds = [1, 7, 42, 1234]): void {
  build().check();
  for (const seed of seeds) build().withRandomChunks(seed).check();
}
