import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { latin1Decode, utf8Encode } from "../../../codecs/bytes.ts";
import { httpieCommand } from "../../../core/export/httpie.ts";
import { ttcpflow } from "../flow/tflow.ts";
import { getRequest, patchRequest, postRequest, runWithFakeTools, withBody } from "./flows.ts";

// mitmproxy's goldens, except that bodies are piped in with printf rather than `<<<`
// (a here-string appends a newline to the body).

Deno.test("httpie: GET", () => {
  strictEqual(
    httpieCommand(getRequest()),
    "http GET 'http://address:22/path?a=foo&a=bar&b=baz' 'header: qvalue'",
  );
});

Deno.test("httpie: POST with a text body", () => {
  strictEqual(
    httpieCommand(withBody(postRequest(), "nobinarysupport")),
    "printf %s nobinarysupport | http POST http://address:22/path",
  );
});

Deno.test("httpie: PATCH", () => {
  strictEqual(
    httpieCommand(patchRequest()),
    "printf %s content | http PATCH 'http://address:22/path?query=param' 'header: qvalue'",
  );
});

Deno.test("httpie: single quotes in the body", async () => {
  const cmd = httpieCommand(withBody(postRequest(), "'&#"));
  strictEqual(cmd, `printf %s ''"'"'&#' | http POST http://address:22/path`);
  strictEqual(new TextDecoder().decode((await runWithFakeTools(cmd)).body), "'&#");
});

Deno.test("httpie: the Host header stays when it differs from the host", () => {
  const f = getRequest();
  f.request.headers.set("host", "domain:22");
  strictEqual(
    httpieCommand(f),
    "http GET 'http://domain:22/path?a=foo&a=bar&b=baz' 'header: qvalue' 'host: domain:22'",
  );
});

Deno.test("httpie: binary body and odd headers arrive byte for byte", async () => {
  const f = postRequest();
  const uni = latin1Decode(utf8Encode("Ünïcode ✓"));
  f.request.headers.fields = [["X-Uni", uni], ["X-Empty", ""], ["X-Q", `"it's"`]];
  const run = await runWithFakeTools(httpieCommand(f));
  deepStrictEqual(run.body, Uint8Array.from({ length: 256 }, (_, i) => i));
  deepStrictEqual(run.args, [
    "POST",
    "http://address:22/path",
    `X-Uni: ${uni}`,
    "X-Empty;",
    `X-Q: "it's"`,
  ]);
});

Deno.test("httpie: a trailing newline in the body is kept", async () => {
  const run = await runWithFakeTools(httpieCommand(withBody(postRequest(), "line\n")));
  strictEqual(new TextDecoder().decode(run.body), "line\n");
});

Deno.test("httpie: TCP flows are refused with a clear error", () => {
  throws(() => httpieCommand(ttcpflow()), {
    message: "Can't export a TCP flow as httpie: only HTTP flows can be exported.",
  });
});
