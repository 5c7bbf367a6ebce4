/** The flow base class (mitmproxy `flow.py`): connections, error, interception, markers,
 * metadata, backup/revert and the common part of the serialised state. */

import { Client, Server } from "./connection.ts";
import {
  asBool,
  asDict,
  asNum,
  asStr,
  cloneState,
  FLOW_FORMAT_VERSION,
  isStateDict,
  orNull,
  type StateDict,
  stateEquals,
  StateError,
  type StateValue,
} from "./state.ts";

/** Current time in seconds (float), the unit of every flow timestamp. */
export function nowSeconds(): number {
  return Date.now() / 1000;
}

export const KILLED_MESSAGE = "Connection killed.";

/** An error outside the protocol itself: connection dropped, timeout, killed, ... */
export class FlowError {
  static readonly KILLED_MESSAGE = KILLED_MESSAGE;

  constructor(public msg: string, public timestamp: number) {}

  toString(): string {
    return this.msg;
  }

  getState(): StateDict {
    return { msg: this.msg, timestamp: this.timestamp };
  }

  static fromState(state: StateValue, where = "error"): FlowError {
    const s = asDict(state, where);
    return new FlowError(asStr(s.msg, `${where}.msg`), asNum(s.timestamp, `${where}.timestamp`));
  }
}

export type ReplayKind = "request" | "response";

/** Thrown when asked to kill a flow that is not killable. */
export class FlowControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FlowControlError";
  }
}

export abstract class Flow {
  /** "http", "tcp", ... (class name minus Flow, lowercase). */
  abstract readonly type: string;
  id: string = crypto.randomUUID();
  client_conn: Client;
  server_conn: Server;
  error: FlowError | null = null;
  /** Paused by the user; the proxy waits on `waitForResume()`. */
  intercepted = false;
  is_replay: ReplayKind | null = null;
  /** "" or a marker such as ":default:". */
  marked = "";
  metadata: Record<string, StateValue> = {};
  comment = "";
  timestamp_created: number;
  /** True while the proxy is still handling this flow (runtime only). */
  live: boolean;

  #backup: StateDict | null = null;
  #resume: { promise: Promise<void>; resolve: () => void } | null = null;

  constructor(client_conn: Client, server_conn: Server, timestamp_created: number, live = false) {
    this.client_conn = client_conn;
    this.server_conn = server_conn;
    this.timestamp_created = timestamp_created;
    this.live = live;
  }

  /** The type-specific keys, appended after the common ones. */
  protected abstract typeState(): StateDict;
  /** Restores the type-specific keys (used by `revert()`). */
  protected abstract setTypeState(state: StateDict): void;
  /** A new flow of the same class from a state dict (used by `copy()`). */
  protected abstract newFromState(state: StateDict): Flow;

  getState(): StateDict {
    return {
      version: FLOW_FORMAT_VERSION,
      type: this.type,
      id: this.id,
      error: this.error ? this.error.getState() : null,
      client_conn: this.client_conn.getState(),
      server_conn: this.server_conn.getState(),
      intercepted: this.intercepted,
      is_replay: this.is_replay,
      marked: this.marked,
      metadata: cloneState(this.metadata),
      comment: this.comment,
      timestamp_created: this.timestamp_created,
      backup: this.#backup ? cloneState(this.#backup) : null,
      ...this.typeState(),
    };
  }

  /** Sets every serialised field from `state` (version and type must match). */
  setState(state: StateDict): void {
    const version = state.version;
    if (version !== FLOW_FORMAT_VERSION) {
      throw new StateError(
        `flow format version ${JSON.stringify(version ?? null)} is not ${FLOW_FORMAT_VERSION}` +
          " (migrate old flows first)",
      );
    }
    if (state.type !== this.type) {
      throw new StateError(`flow type ${JSON.stringify(state.type)} is not "${this.type}"`);
    }
    this.id = asStr(state.id, "id");
    this.error = orNull(state.error, "error", FlowError.fromState);
    this.client_conn = Client.fromState(state.client_conn);
    this.server_conn = Server.fromState(state.server_conn);
    this.intercepted = asBool(state.intercepted, "intercepted");
    const replay = orNull(state.is_replay, "is_replay", asStr);
    if (replay !== null && replay !== "request" && replay !== "response") {
      throw new StateError(`is_replay: expected "request", "response" or null, got ${replay}`);
    }
    this.is_replay = replay;
    this.marked = asStr(state.marked, "marked");
    this.metadata = cloneState(asDict(state.metadata, "metadata"));
    this.comment = asStr(state.comment ?? "", "comment");
    this.timestamp_created = asNum(state.timestamp_created, "timestamp_created");
    const backup = state.backup ?? null;
    this.#backup = backup === null ? null : cloneState(asDict(backup, "backup"));
    this.setTypeState(state);
  }

  /** A copy with a new id; not live. */
  copy(): this {
    const state = this.getState();
    state.id = crypto.randomUUID();
    const f = this.newFromState(state) as this;
    f.live = false;
    return f;
  }

  /** Saves the current state for `revert()`, unless a backup exists (or `force`). */
  backup(force = false): void {
    if (!this.#backup || force) {
      const s = this.getState();
      s.backup = null;
      // Bodies are shared with the live flow; copy so in-place edits cannot reach the backup.
      this.#backup = cloneState(s);
    }
  }

  /** Restores the backed-up state and drops the backup. */
  revert(): void {
    if (this.#backup) {
      const b = this.#backup;
      this.#backup = null;
      this.setState({ ...b, backup: null });
    }
  }

  /** True if there is a backup and the flow differs from it. */
  modified(): boolean {
    if (!this.#backup) return false;
    const now = this.getState();
    now.backup = null;
    return !stateEquals(this.#backup, now);
  }

  get killable(): boolean {
    return this.live && !(this.error && this.error.msg === KILLED_MESSAGE);
  }

  /** Kills the flow: the current message is not forwarded. Wakes any `waitForResume()`. */
  kill(timestamp: number = nowSeconds()): void {
    if (!this.killable) throw new FlowControlError("Flow is not killable.");
    this.error = new FlowError(KILLED_MESSAGE, timestamp);
    this.intercepted = false;
    this.live = false;
    this.#wake();
  }

  /** Pauses the flow until `resume()` (or `kill()`). */
  intercept(): void {
    if (this.intercepted) return;
    this.intercepted = true;
  }

  resume(): void {
    if (!this.intercepted) return;
    this.intercepted = false;
    this.#wake();
  }

  /** Resolves once the flow is no longer intercepted (at once if it is not). */
  waitForResume(): Promise<void> {
    if (!this.intercepted) return Promise.resolve();
    if (!this.#resume) {
      const { promise, resolve } = Promise.withResolvers<void>();
      this.#resume = { promise, resolve };
    }
    return this.#resume.promise;
  }

  #wake(): void {
    const r = this.#resume;
    this.#resume = null;
    r?.resolve();
  }
}

/** Checks that `state` is a dict and returns it (for `fromState` entry points). */
export function flowStateDict(state: StateValue): StateDict {
  if (!isStateDict(state)) throw new StateError("flow state: expected dict");
  return state;
}
