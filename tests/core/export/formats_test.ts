import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { exportFlow, exportFormats, exportText, FORMATS } from "../../../core/export/formats.ts";
import { ExportError } from "../../../core/export/flow_parts.ts";
import { tflow, ttcpflow } from "../flow/tflow.ts";
import { getRequest, getResponse, postRequest } from "./flows.ts";

Deno.test("formats: mitmproxy's five plus fetch and python-requests, sorted", () => {
  deepStrictEqual(exportFormats(), [
    "curl",
    "fetch",
    "httpie",
    "python-requests",
    "raw",
    "raw_request",
    "raw_response",
  ]);
  deepStrictEqual(Object.keys(FORMATS).sort(), exportFormats());
});

Deno.test("exportFlow: text formats give strings, raw formats bytes", () => {
  const f = getResponse();
  f.request.method = "POST"; // fetch() refuses a GET with a body
  for (const name of exportFormats()) {
    const value = exportFlow(name, f);
    strictEqual(typeof value === "string", !name.startsWith("raw"), name);
  }
});

Deno.test("exportFlow: unknown formats and prototype names are refused", () => {
  for (const name of ["nonexistent", "toString", "__proto__", ""]) {
    throws(() => exportFlow(name, tflow()), {
      name: "ExportError",
      message: `No such export format: ${name} ` +
        "(formats: curl, fetch, httpie, python-requests, raw, raw_request, raw_response)",
    });
  }
});

Deno.test("exportFlow: every format refuses TCP flows with an ExportError", () => {
  for (const name of exportFormats()) {
    throws(() => exportFlow(name, ttcpflow()), (e) => e instanceof ExportError, name);
  }
});

Deno.test("exportFlow: options reach curl", () => {
  const f = getRequest();
  f.request.headers.set("host", "domain:22");
  strictEqual(
    (exportFlow("curl", f, { preserve_original_ip: true }) as string).startsWith(
      "curl --resolve 'domain:22:[192.168.0.1]' ",
    ),
    true,
  );
});

Deno.test("exportText: bytes that are not UTF-8 become \\xNN", () => {
  const f = postRequest();
  f.request.headers.fields = [];
  f.request.content = new Uint8Array([0x41, 0xff, 0xc3, 0xbc, 0x00]);
  strictEqual(
    exportText("raw_request", f),
    "POST /path HTTP/1.1\r\ncontent-length: 5\r\n\r\nA\\xffü\0",
  );
  strictEqual(exportText("curl", getRequest()), exportFlow("curl", getRequest()));
});
