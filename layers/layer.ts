/**
 * The generator layer. A layer turns events into commands. When it yields a blocking
 * command it is paused: later events are queued until the `CommandCompleted` for that
 * command arrives, so layer code reads as if it blocked:
 *
 * ```ts
 * const err = yield* openConnection(server);
 * ```
 */
import { Command, Log, OpenConnection, StartHook } from "./commands.ts";
import type { Server } from "../core/flow/connection.ts";
import type { HookArgs, HookName } from "../core/hooks.ts";
import type { LogLevel } from "../core/log.ts";
import { CommandCompleted, type Event } from "./events.ts";
import type { Context } from "./context.ts";

export type CommandGenerator<T = void> = Generator<Command, T, unknown>;

interface Paused {
  command: Command;
  generator: CommandGenerator;
}

export abstract class Layer {
  #paused: Paused | null = null;
  #queued: Event[] = [];

  constructor(readonly context: Context) {}

  /** The layer's own logic for one event. */
  protected abstract handle(event: Event): CommandGenerator;

  /** A short description for logs of the layer stack. */
  describe(): string {
    return this.constructor.name;
  }

  /**
   * Feeds one event, honouring a pending blocking command. Not a generator itself: on the
   * common path it hands out the driving generator directly (one `yield*` level less on
   * every command). Iterate the result at once: the paused check happens at the call.
   * Subclasses that never wait may return a plain array of commands instead (`HttpLayer`).
   */
  handleEvent(event: Event): Iterable<Command> {
    if (this.#paused !== null) return this.#resume(event, this.#paused);
    return this.#drive(this.handle(event), undefined);
  }

  *#resume(event: Event, paused: Paused): CommandGenerator {
    if (!(event instanceof CommandCompleted && event.command === paused.command)) {
      this.#queued.push(event);
      return;
    }
    this.#paused = null;
    yield* this.#drive(paused.generator, event.reply);
    while (this.#paused === null && this.#queued.length > 0) {
      const next = this.#queued.shift()!;
      yield* this.#drive(this.handle(next), undefined);
    }
  }

  /** Runs a hook on all addons and waits for them; skipped when no addon listens to it. */
  protected *hook<K extends HookName>(name: K, ...args: HookArgs[K]): CommandGenerator {
    if (this.context.wantsHook(name)) yield new StartHook(name, ...args);
  }

  /** True while waiting for the reply to a blocking command. */
  get isPaused(): boolean {
    return this.#paused !== null;
  }

  /**
   * A layer that now only forwards every event to one child (a decided NextLayer, a mode
   * layer after start, a tunnel) names it here, so the connection handler can feed the
   * child directly: each level of `yield*` costs time on every command.
   */
  get delegate(): Layer | null {
    return null;
  }

  /** Whether the delegate may be fed directly: nothing is pending in this layer. */
  protected get idle(): boolean {
    return this.#paused === null && this.#queued.length === 0;
  }

  *#drive(generator: CommandGenerator, reply: unknown): CommandGenerator {
    let step = generator.next(reply);
    while (!step.done) {
      const command = step.value;
      if (command.blocking && command.claimedBy === null) {
        command.claimedBy = this;
        this.#paused = { command, generator };
        yield command;
        return;
      }
      yield command;
      step = generator.next();
    }
  }
}

/** Opens a server connection; returns an error message or null. */
export function* openConnection(server: Server): CommandGenerator<string | null> {
  const reply = yield new OpenConnection(server);
  return reply as string | null;
}

/** Runs a hook on all addons and waits for them. */
export function* runHook<K extends HookName>(name: K, ...args: HookArgs[K]): CommandGenerator {
  yield new StartHook(name, ...args);
}

export function log(message: string, level: LogLevel = "info"): Log {
  return new Log(message, level);
}
