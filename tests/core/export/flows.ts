/** Flows for the export tests, shaped like the fixtures of mitmproxy's `test_export.py`. */

import { latin1Decode } from "../../../codecs/bytes.ts";
import { Headers } from "../../../core/flow/headers.ts";
import { HttpFlow, Request, Response } from "../../../core/flow/http.ts";
import { tclient, tserver } from "../flow/tflow.ts";

const enc = (s: string) => new TextEncoder().encode(s);

/** mitmproxy `tutils.treq`: a request to address:22 with the given parts. */
export function treq(
  opts: {
    method?: string;
    path?: string;
    headers?: [string, string][];
    content?: Uint8Array | null;
  } = {},
): Request {
  return new Request({
    host: "address",
    port: 22,
    method: opts.method ?? "GET",
    scheme: "http",
    authority: "",
    path: opts.path ?? "/path",
    http_version: "HTTP/1.1",
    headers: new Headers(opts.headers ?? [["header", "qvalue"], ["content-length", "7"]]),
    content: opts.content === undefined ? enc("content") : opts.content,
    trailers: null,
    timestamp_start: 946681200,
    timestamp_end: 946681201,
  });
}

/** mitmproxy `tutils.tresp`, without trailers. */
export function tresp(opts: { status_code?: number; content?: Uint8Array | null } = {}): Response {
  return new Response({
    http_version: "HTTP/1.1",
    status_code: opts.status_code ?? 200,
    reason: "OK",
    headers: new Headers([["header-response", "svalue"], ["content-length", "7"]]),
    content: opts.content === undefined ? enc("message") : opts.content,
    trailers: null,
    timestamp_start: 946681202,
    timestamp_end: 946681203,
  });
}

export function flowOf(request: Request, response: Response | null = null): HttpFlow {
  const f = new HttpFlow(tclient(), tserver(), 946681200, request);
  f.response = response;
  return f;
}

/** `get_request`: GET /path?a=foo&a=bar&b=baz, `header: qvalue`, empty body. */
export function getRequest(): HttpFlow {
  return flowOf(treq({
    path: "/path?a=foo&a=bar&b=baz",
    headers: [["header", "qvalue"], ["content-length", "0"]],
    content: new Uint8Array(0),
  }));
}

/** `get_response`: the default request and a 404 with a text body. */
export function getResponse(): HttpFlow {
  return flowOf(treq(), tresp({ status_code: 404, content: enc("Test Response Body") }));
}

/** `post_request`: POST /path, no headers, body bytes 0..255. */
export function postRequest(): HttpFlow {
  const content = Uint8Array.from({ length: 256 }, (_, i) => i);
  return flowOf(treq({ method: "POST", headers: [], content }));
}

/** `patch_request`: PATCH /path?query=param with body "content". */
export function patchRequest(): HttpFlow {
  return flowOf(treq({ method: "PATCH", path: "/path?query=param" }));
}

/** Sets the body like mitmproxy's `request.content = ...` (Content-Length follows). */
export function withBody(flow: HttpFlow, body: string | Uint8Array | null): HttpFlow {
  flow.request.content = typeof body === "string" ? enc(body) : body;
  return flow;
}

/** Runs a shell command line with `curl` and `http` replaced by functions that print each
 * argument NUL-terminated and copy stdin to `$BODY_FILE`, so tests see exactly what the
 * tool would have received (arguments as latin1, like header values). */
export async function runWithFakeTools(
  command: string,
): Promise<{ args: string[]; body: Uint8Array }> {
  const dir = await Deno.makeTempDir({ prefix: "mitmdeno-export-" });
  try {
    const bodyFile = `${dir}/body`;
    const fake = (name: string) =>
      `${name}() { for a in "$@"; do printf '%s\\0' "$a"; done; cat > "$BODY_FILE"; }`;
    const out = await new Deno.Command("bash", {
      args: ["-c", `${fake("curl")}\n${fake("http")}\n${command}`],
      env: { BODY_FILE: bodyFile },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    if (!out.success || stderr) throw new Error(`bash failed (${out.code}): ${stderr}`);
    const args = latin1Decode(out.stdout).split("\0").slice(0, -1);
    return { args, body: await Deno.readFile(bodyFile) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
