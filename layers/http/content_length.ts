/** Keeps a message's Content-Length true to the body the proxy sends. */
import type { Request, Response } from "../../core/flow/http.ts";

/**
 * Sets Content-Length to the body's size where it is wrong or missing (addons may have changed
 * the body); leaves alone chunked messages, responses that have no body (HEAD, 1xx, 204, 304),
 * and bodiless messages without the header.
 */
export function fixContentLength(message: Request | Response, isHeadResponse: boolean): void {
  if (isHeadResponse) return;
  if ("status_code" in message) {
    const code = message.status_code;
    if (code < 200 || code === 204 || code === 304) return;
  }
  const headers = message.headers;
  const te = headers.get("transfer-encoding");
  if (te !== undefined && /chunked\s*$/i.test(te)) return;
  const size = message.raw_content?.length ?? 0;
  const current = headers.get("content-length");
  if (current !== undefined ? current !== String(size) : size > 0) {
    headers.set("content-length", String(size));
  }
}
