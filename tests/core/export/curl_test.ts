import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { latin1Decode, utf8Encode } from "../../../codecs/bytes.ts";
import { curlCommand } from "../../../core/export/curl.ts";
import { ExportError } from "../../../core/export/flow_parts.ts";
import { Request } from "../../../core/flow/http.ts";
import { ttcpflow } from "../flow/tflow.ts";
import {
  flowOf,
  getRequest,
  patchRequest,
  postRequest,
  runWithFakeTools,
  withBody,
} from "./flows.ts";

// Goldens from mitmproxy's test_export.py, with `-d` spelled `--data-binary`.

Deno.test("curl: GET", () => {
  strictEqual(
    curlCommand(getRequest()),
    "curl -H 'header: qvalue' 'http://address:22/path?a=foo&a=bar&b=baz'",
  );
});

Deno.test("curl: POST with a text body", () => {
  strictEqual(
    curlCommand(withBody(postRequest(), "nobinarysupport")),
    "curl -X POST http://address:22/path --data-binary nobinarysupport",
  );
});

Deno.test("curl: POST without a body sends content-length: 0", () => {
  strictEqual(
    curlCommand(withBody(postRequest(), null)),
    "curl -H 'content-length: 0' -X POST http://address:22/path",
  );
  strictEqual(
    curlCommand(withBody(postRequest(), "")),
    "curl -H 'content-length: 0' -X POST http://address:22/path",
  );
});

Deno.test("curl: PATCH", () => {
  strictEqual(
    curlCommand(patchRequest()),
    "curl -H 'header: qvalue' -X PATCH 'http://address:22/path?query=param' --data-binary content",
  );
});

Deno.test("curl: single quotes in the body", () => {
  const cmd = curlCommand(withBody(postRequest(), "'&#"));
  strictEqual(cmd, `curl -X POST http://address:22/path --data-binary ''"'"'&#'`);
});

Deno.test("curl: Host and :authority equal to the host and Accept-Encoding are left to curl", () => {
  const f = getRequest();
  f.request.headers.fields = [["host", "address"], [":authority", "address"], [
    "accept-encoding",
    "br",
  ]];
  strictEqual(curlCommand(f), "curl --compressed 'http://address:22/path?a=foo&a=bar&b=baz'");
});

Deno.test("curl: the URL uses the Host header; --resolve pins the original IP when asked", () => {
  const f = getRequest();
  f.request.headers.set("host", "domain:22");
  strictEqual(
    curlCommand(f),
    "curl -H 'header: qvalue' -H 'host: domain:22' 'http://domain:22/path?a=foo&a=bar&b=baz'",
  );
  strictEqual(
    curlCommand(f, { preserve_original_ip: true }),
    "curl --resolve 'domain:22:[192.168.0.1]' -H 'header: qvalue' -H 'host: domain:22' " +
      "'http://domain:22/path?a=foo&a=bar&b=baz'",
  );
  // Nothing to pin when the host already is the address, or no address is known.
  f.request.headers.set("host", "192.168.0.1:22");
  strictEqual(curlCommand(f, { preserve_original_ip: true }).includes("--resolve"), false);
  f.request.headers.set("host", "domain:22");
  f.server_conn.peername = null;
  strictEqual(curlCommand(f, { preserve_original_ip: true }).includes("--resolve"), false);
});

Deno.test("curl: TCP flows are refused with a clear error", () => {
  throws(() => curlCommand(ttcpflow()), {
    name: "ExportError",
    message: "Can't export a TCP flow as curl: only HTTP flows can be exported.",
  });
  throws(() => curlCommand(ttcpflow()), ExportError);
});

Deno.test("curl: binary body goes through printf and stdin, byte for byte", async () => {
  const f = postRequest();
  const body = f.request.raw_content!;
  const cmd = curlCommand(f);
  strictEqual(cmd.startsWith("printf '\\000\\001\\002"), true, cmd);
  strictEqual(cmd.endsWith(" | curl -X POST http://address:22/path --data-binary @-"), true, cmd);
  const run = await runWithFakeTools(cmd);
  deepStrictEqual(run.args, ["-X", "POST", "http://address:22/path", "--data-binary", "@-"]);
  deepStrictEqual(run.body, body);
});

Deno.test("curl: control characters, trailing newlines, % and a leading @ stay exact", async () => {
  for (
    const text of ["foo\nbar", "a\r\nb\r\n\r\n", "100% \\x41 %s", "@/etc/passwd", "-n", "\n\n"]
  ) {
    const cmd = curlCommand(withBody(postRequest(), text));
    const run = await runWithFakeTools(cmd);
    const sent = run.args.at(-1) === "@-" ? new TextDecoder().decode(run.body) : run.args.at(-1);
    strictEqual(sent, text, cmd);
  }
  strictEqual(
    curlCommand(withBody(postRequest(), "foo\nbar")),
    "curl -X POST http://address:22/path --data-binary 'foo\nbar'",
  );
  strictEqual(
    curlCommand(withBody(postRequest(), "a\r\nb")),
    "printf 'a\\r\\nb' | curl -X POST http://address:22/path --data-binary @-",
  );
  strictEqual(
    curlCommand(withBody(postRequest(), "@file")),
    "printf %s @file | curl -X POST http://address:22/path --data-binary @-",
  );
});

Deno.test("curl: headers with quotes, UTF-8 and non-UTF-8 bytes", async () => {
  const uni = latin1Decode(utf8Encode("Ünïcode ✓"));
  const f = getRequest();
  f.request.headers.fields = [
    ["X-Quote", `it's "quoted" $HOME \`x\``],
    ["X-Uni", uni],
    ["X-Bad", "\xff\xfe"],
  ];
  const cmd = curlCommand(f);
  strictEqual(
    cmd,
    `curl -H 'X-Quote: it'"'"'s "quoted" $HOME \`x\`' -H 'X-Uni: Ünïcode ✓' ` +
      `-H "$(printf 'X-Bad: \\377\\376')" 'http://address:22/path?a=foo&a=bar&b=baz'`,
  );
  const run = await runWithFakeTools(cmd);
  deepStrictEqual(run.args, [
    "-H",
    `X-Quote: it's "quoted" $HOME \`x\``,
    "-H",
    `X-Uni: ${uni}`,
    "-H",
    "X-Bad: \xff\xfe",
    "http://address:22/path?a=foo&a=bar&b=baz",
  ]);
});

Deno.test("curl: a GET with a body keeps its method", () => {
  strictEqual(
    curlCommand(withBody(getRequest(), "q")),
    "curl -H 'header: qvalue' -X GET 'http://address:22/path?a=foo&a=bar&b=baz' --data-binary q",
  );
});

Deno.test("curl: the body is exported decoded, without Content-Encoding", () => {
  const req = Request.make("POST", "https://example.com/up", new Uint8Array(0), [
    ["content-encoding", "gzip"],
    ["content-type", "text/plain"],
  ]);
  req.raw_content = gzipSync("hello gzip");
  strictEqual(
    curlCommand(flowOf(req)),
    "curl -H 'content-type: text/plain' -X POST https://example.com/up --data-binary 'hello gzip'",
  );
  strictEqual(req.headers.get("content-encoding"), "gzip", "the flow itself is not changed");
});
