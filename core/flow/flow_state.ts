/** Builds a flow of the right class from its state dict. */

import type { Flow } from "./flow.ts";
import { HttpFlow } from "./http.ts";
import { FLOW_FORMAT_VERSION, isStateDict, StateError, type StateValue } from "./state.ts";
import { TcpFlow } from "./tcp.ts";

export { FLOW_FORMAT_VERSION };

/** `HttpFlow` or `TcpFlow` by the state's `type`. Throws `StateError` for other types, other
 * format versions (migrate first) or malformed state. */
export function flowFromState(state: StateValue): Flow {
  if (!isStateDict(state)) throw new StateError("flow state: expected dict");
  switch (state.type) {
    case "http":
      return HttpFlow.fromState(state);
    case "tcp":
      return TcpFlow.fromState(state);
    default:
      throw new StateError(
        `unsupported flow type ${JSON.stringify(state.type ?? null)} (supported: "http", "tcp")`,
      );
  }
}
