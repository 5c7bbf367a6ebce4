/** WebSocket data attached to the HTTP flow of its handshake (mitmproxy `websocket.py`). */

import { utf8Decode, utf8Encode } from "../../codecs/bytes.ts";
import {
  asBool,
  asBytes,
  asDict,
  asList,
  asNum,
  asStr,
  orNull,
  type StateDict,
  StateError,
  type StateValue,
} from "./state.ts";

/** WebSocket frame opcodes that carry messages. */
export const Opcode = { TEXT: 1, BINARY: 2 } as const;
export type MessageOpcode = (typeof Opcode)[keyof typeof Opcode];

export class WebSocketMessage {
  constructor(
    public type: MessageOpcode,
    public from_client: boolean,
    public content: Uint8Array,
    public timestamp: number,
    public dropped = false,
    public injected = false,
  ) {}

  get is_text(): boolean {
    return this.type === Opcode.TEXT;
  }

  /** The content as UTF-8 text (for text messages). */
  get text(): string {
    return utf8Decode(this.content);
  }

  set text(value: string) {
    this.content = utf8Encode(value);
  }

  /** Do not forward this message. */
  drop(): void {
    this.dropped = true;
  }

  /** `[type, from_client, content, timestamp, dropped, injected]`. */
  getState(): StateValue[] {
    return [this.type, this.from_client, this.content, this.timestamp, this.dropped, this.injected];
  }

  static fromState(state: StateValue, where = "message"): WebSocketMessage {
    const l = asList(state, where);
    const type = asNum(l[0], `${where}[0]`);
    if (type !== Opcode.TEXT && type !== Opcode.BINARY) {
      throw new StateError(`${where}[0]: expected opcode 1 or 2, got ${type}`);
    }
    return new WebSocketMessage(
      type,
      asBool(l[1], `${where}[1]`),
      asBytes(l[2], `${where}[2]`),
      asNum(l[3], `${where}[3]`),
      asBool(l[4], `${where}[4]`),
      // Files written before the 14->15 migration have no `injected`.
      l.length > 5 ? asBool(l[5], `${where}[5]`) : false,
    );
  }
}

export class WebSocketData {
  messages: WebSocketMessage[] = [];
  closed_by_client: boolean | null = null;
  close_code: number | null = null;
  close_reason: string | null = null;
  timestamp_end: number | null = null;

  getState(): StateDict {
    return {
      messages: this.messages.map((m) => m.getState()),
      closed_by_client: this.closed_by_client,
      close_code: this.close_code,
      close_reason: this.close_reason,
      timestamp_end: this.timestamp_end,
    };
  }

  static fromState(state: StateValue, where = "websocket"): WebSocketData {
    const s = asDict(state, where);
    const w = new WebSocketData();
    w.messages = asList(s.messages, `${where}.messages`).map((m, i) =>
      WebSocketMessage.fromState(m, `${where}.messages[${i}]`)
    );
    w.closed_by_client = orNull(s.closed_by_client, `${where}.closed_by_client`, asBool);
    w.close_code = orNull(s.close_code, `${where}.close_code`, asNum);
    w.close_reason = orNull(s.close_reason, `${where}.close_reason`, asStr);
    w.timestamp_end = orNull(s.timestamp_end, `${where}.timestamp_end`, asNum);
    return w;
  }
}
