/**
 * `curl` export (mitmproxy's `curl_command`): `curl [--resolve ...] -H 'k: v'... [-X M] URL`.
 *
 * As in mitmproxy: the body is decoded, Content-Length and a Host equal to the request's
 * host are left to curl, an Accept-Encoding header becomes `--compressed` (curl then asks
 * for what it can decode and decodes it), a non-GET request without a body gets
 * `content-length: 0` (curl sends none, and nginx refuses a POST without one), and with
 * `preserve_original_ip` `--resolve host:port:[ip]` pins the address the flow went to.
 *
 * Unlike mitmproxy the body is sent byte for byte: `--data-binary 'text'` for paste-safe
 * UTF-8, else `printf '<octal escapes>' | curl ... --data-binary @-` (also for a body that
 * starts with `@`, which curl would read as a file name). mitmproxy's `-d "$(printf ...)"`
 * re-encodes latin-1 text as UTF-8, loses trailing newlines and reads `%` as a format.
 * A GET with a body gets `-X GET`, since a body alone makes curl send POST.
 */

import type { Flow } from "../flow/flow.ts";
import { cleanupRequest, type ExportOptions, popHeaders } from "./flow_parts.ts";
import { printfCommand, shellQuote, shellWord } from "./shell_quote.ts";
import { isPasteSafe, utf8OrNull } from "./text.ts";

export function curlCommand(flow: Flow, options: ExportOptions = {}): string {
  const request = cleanupRequest(flow, "curl");
  popHeaders(request);
  const words = ["curl"];

  const serverAddr = flow.server_conn.peername?.[0];
  if (options.preserve_original_ip && serverAddr && request.pretty_host !== serverAddr) {
    words.push("--resolve", shellQuote(`${request.pretty_host}:${request.port}:[${serverAddr}]`));
  }

  for (const [name, value] of request.headers) {
    if (name.toLowerCase() === "accept-encoding") words.push("--compressed");
    else words.push("-H", shellWord(`${name}: ${value}`));
  }

  const body = request.raw_content ?? new Uint8Array(0);
  if (request.method !== "GET") {
    if (body.length === 0) words.push("-H", shellQuote("content-length: 0"));
    words.push("-X", shellWord(request.method));
  } else if (body.length > 0) {
    words.push("-X", "GET");
  }

  words.push(shellWord(request.pretty_url));
  if (body.length === 0) return words.join(" ");

  const text = utf8OrNull(body);
  if (text !== null && isPasteSafe(text) && !text.startsWith("@")) {
    return `${words.join(" ")} --data-binary ${shellQuote(text)}`;
  }
  return `${printfCommand(body)} | ${words.join(" ")} --data-binary @-`;
}
