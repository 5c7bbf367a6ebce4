/**
 * HTTPie export (mitmproxy's `httpie_command`): `http METHOD URL 'k: v'...`, with the same
 * header clean-up as curl (`popHeaders`). httpie has no `--resolve`, so
 * `preserve_original_ip` does not apply (as in mitmproxy).
 *
 * Deviations, for byte-exact bodies: mitmproxy appends `<<< body`, but a here-string adds
 * a newline (and is not POSIX sh); we pipe the body in with `printf` instead. A header
 * with an empty value is written `'k;'`, httpie's syntax for that (`'k:'` would remove it).
 */

import type { Flow } from "../flow/flow.ts";
import { cleanupRequest, popHeaders } from "./flow_parts.ts";
import { printfCommand, shellWord } from "./shell_quote.ts";

export function httpieCommand(flow: Flow): string {
  const request = cleanupRequest(flow, "httpie");
  popHeaders(request);
  const words = ["http", shellWord(request.method), shellWord(request.pretty_url)];
  for (const [name, value] of request.headers) {
    words.push(shellWord(value === "" ? `${name};` : `${name}: ${value}`));
  }
  const command = words.join(" ");
  const body = request.raw_content;
  if (body === null || body.length === 0) return command;
  return `${printfCommand(body)} | ${command}`;
}
