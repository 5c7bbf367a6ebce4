/** Raw TCP flows (mitmproxy `tcp.py`). */

import { Client, Server } from "./connection.ts";
import { Flow, flowStateDict } from "./flow.ts";
import { asBool, asBytes, asList, asNum, type StateDict, type StateValue } from "./state.ts";

export class TcpMessage {
  constructor(
    public from_client: boolean,
    public content: Uint8Array,
    public timestamp: number,
  ) {}

  /** `[from_client, content, timestamp]`. */
  getState(): StateValue[] {
    return [this.from_client, this.content, this.timestamp];
  }

  static fromState(state: StateValue, where = "message"): TcpMessage {
    const l = asList(state, where);
    return new TcpMessage(
      asBool(l[0], `${where}[0]`),
      asBytes(l[1], `${where}[1]`),
      asNum(l[2], `${where}[2]`),
    );
  }
}

export class TcpFlow extends Flow {
  readonly type = "tcp";
  messages: TcpMessage[] = [];

  protected typeState(): StateDict {
    return { messages: this.messages.map((m) => m.getState()) };
  }

  protected setTypeState(state: StateDict): void {
    this.messages = asList(state.messages, "messages").map((m, i) =>
      TcpMessage.fromState(m, `messages[${i}]`)
    );
  }

  protected newFromState(state: StateDict): TcpFlow {
    return TcpFlow.fromState(state);
  }

  static fromState(state: StateValue): TcpFlow {
    const s = flowStateDict(state);
    const f = new TcpFlow(
      Client.fromState(s.client_conn),
      Server.fromState(s.server_conn),
      asNum(s.timestamp_created, "timestamp_created"),
    );
    f.setState(s);
    return f;
  }
}
