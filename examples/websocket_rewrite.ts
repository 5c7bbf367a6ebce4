/**
 * Rewrites WebSocket messages as they pass: client messages that start with "Hello" start
 * with "HAPPY" instead, and server messages containing "FOOBAR" are dropped.
 * (mitmproxy's `websocket-simple.py`; the hook names are mitmproxy's.)
 *
 *     mitmdeno dump -s examples/websocket_rewrite.ts
 */
import { ctx, defineAddon } from "mitmdeno";

export default defineAddon({
  websocket_message(flow) {
    // The message that just arrived is the last one.
    const message = flow.websocket!.messages.at(-1)!;
    if (message.from_client) {
      ctx.log.info(`Client sent a message: ${message.text}`);
      if (message.is_text) message.text = message.text.replace(/^Hello/, "HAPPY");
    } else if (message.text.includes("FOOBAR")) {
      message.drop();
    }
  },
});
