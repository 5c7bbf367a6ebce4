/**
 * Streaming bodies, and what that means for modifying them.
 *
 * mitmproxy's `http-stream-modify.py` sets `flow.response.stream` to a function that rewrites
 * each chunk as it passes. mitmdeno's `stream` is a switch: `true` forwards the body as it
 * arrives, without buffering, and the `response` hook then sees no body. Chunk callbacks
 * cannot cross into a sandbox (each chunk would be a round trip), so this script does what
 * works here: it streams large bodies untouched and rewrites the small ones, which are
 * buffered, in `response`.
 *
 *     mitmdeno dump -s examples/http_stream_modify.ts --set stream_threshold=1048576
 */
import { ctx, defineAddon } from "mitmdeno";

export default defineAddon({
  load(loader) {
    loader.add_option(
      "stream_threshold",
      "int",
      1024 * 1024,
      "Stream response bodies larger than this (bytes) instead of rewriting them.",
    );
  },
  responseheaders(flow) {
    const length = Number(flow.response!.headers.get("content-length") ?? "NaN");
    // Unknown length (chunked) or large: stream it, unmodified.
    if (!(length <= (ctx.options.stream_threshold as number))) flow.response!.stream = true;
  },
  response(flow) {
    const response = flow.response!;
    if (response.stream) return;
    const text = response.getText(false);
    if (text !== null) response.text = text.replaceAll("foo", "bar");
  },
});
