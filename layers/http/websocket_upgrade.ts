/** Whether a 101 response opened a WebSocket that the proxy can decode. */
import { isWebSocketAccept, negotiatedExtensions } from "../../codecs/websocket/handshake.ts";
import type { PerMessageDeflateParams } from "../../codecs/websocket/permessage_deflate.ts";
import type { HttpFlow } from "../../core/flow/http.ts";
import { WebSocketData } from "../../core/flow/websocket.ts";

/** A WebSocket to decode: its handshake flow and the permessage-deflate settings agreed on. */
export interface WebSocketUpgrade {
  readonly flow: HttpFlow;
  readonly deflate: PerMessageDeflateParams | null;
}

/**
 * For a flow whose response is a 101: the upgrade to decode (and `flow.websocket` set), or
 * why it is passed through undecoded (an extension we cannot decode), or null when it is not
 * an accepted WebSocket handshake or decoding is off (the `websocket` option).
 */
export function websocketUpgrade(
  flow: HttpFlow,
  decode: boolean,
): WebSocketUpgrade | string | null {
  const response = flow.response!;
  const requestHeaders = flow.request.headers.fields;
  if (
    !decode || !isWebSocketAccept(requestHeaders, response.headers.fields, response.status_code)
  ) {
    return null;
  }
  const agreed = negotiatedExtensions(response.headers.fields, requestHeaders);
  if ("error" in agreed) return agreed.error;
  flow.websocket = new WebSocketData();
  return { flow, deflate: agreed.permessageDeflate };
}
