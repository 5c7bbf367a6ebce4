/**
 * The export formats by name (mitmproxy's `formats` dict plus `fetch` and
 * `python-requests`) and the two ways to run one: `exportFlow` gives the format's own
 * value (text, or bytes for the raw formats); `exportText` always gives text, with bytes
 * that are not UTF-8 shown as `\xNN` (mitmproxy's `export` command does the same).
 *
 * @example
 * ```ts
 * import { exportFlow } from "./formats.ts";
 * import { HttpFlow, Request } from "../flow/http.ts";
 * import { Client, Server } from "../flow/connection.ts";
 * const request = Request.make("GET", "https://example.com/", "", { accept: "text/html" });
 * const client = new Client({ peername: ["127.0.0.1", 5000], sockname: null, timestamp_start: 0 });
 * const flow = new HttpFlow(client, new Server({ address: ["example.com", 443] }), 0, request);
 * const curl = exportFlow("curl", flow);
 * if (curl !== "curl -H 'accept: text/html' https://example.com/") throw new Error(String(curl));
 * ```
 */

import type { Flow } from "../flow/flow.ts";
import { utf8DecodeSurrogateEscape } from "../flow/charset.ts";
import { curlCommand } from "./curl.ts";
import { fetchSnippet } from "./fetch.ts";
import { ExportError, type ExportFn, type ExportOptions } from "./flow_parts.ts";
import { httpieCommand } from "./httpie.ts";
import { pythonRequestsSnippet } from "./python_requests.ts";
import { raw, rawRequest, rawResponse } from "./raw.ts";

/** Format name -> exporter, in the sorted order `export.formats` lists them. */
export const FORMATS: Readonly<Record<string, ExportFn>> = {
  curl: curlCommand,
  fetch: fetchSnippet,
  httpie: httpieCommand,
  "python-requests": pythonRequestsSnippet,
  raw,
  raw_request: rawRequest,
  raw_response: rawResponse,
};

/** The format names, sorted. */
export function exportFormats(): string[] {
  return Object.keys(FORMATS).sort();
}

/** Exports `flow` in `format`. Throws ExportError for an unknown format or a flow the format
 * cannot express. */
export function exportFlow(
  format: string,
  flow: Flow,
  options: ExportOptions = {},
): string | Uint8Array {
  if (!Object.hasOwn(FORMATS, format)) {
    throw new ExportError(
      `No such export format: ${format} (formats: ${exportFormats().join(", ")})`,
    );
  }
  return FORMATS[format](flow, options);
}

/** Like `exportFlow`, as text: bytes that are not valid UTF-8 become `\xNN`. */
export function exportText(format: string, flow: Flow, options: ExportOptions = {}): string {
  const value = exportFlow(format, flow, options);
  if (typeof value === "string") return value;
  return utf8DecodeSurrogateEscape(value).replace(
    /[\udc80-\udcff]/g,
    (c) => "\\x" + (c.charCodeAt(0) - 0xdc00).toString(16).padStart(2, "0"),
  );
}
