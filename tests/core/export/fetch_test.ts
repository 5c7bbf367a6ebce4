import { strictEqual, throws } from "node:assert/strict";
import { latin1Decode, utf8Encode } from "../../../codecs/bytes.ts";
import { fetchSnippet, jsString } from "../../../core/export/fetch.ts";
import { Request } from "../../../core/flow/http.ts";
import { ttcpflow } from "../flow/tflow.ts";
import { flowOf, getRequest, patchRequest, postRequest, withBody } from "./flows.ts";

Deno.test("fetch: GET", () => {
  strictEqual(
    fetchSnippet(getRequest()),
    `const response = await fetch("http://address:22/path?a=foo&a=bar&b=baz", {
  method: "GET",
  headers: {
    "header": "qvalue",
  },
});`,
  );
});

Deno.test("fetch: text body with a Content-Type is a string literal", () => {
  const f = patchRequest();
  f.request.headers.add("Content-Type", "application/json");
  withBody(f, `{"a": "it's", "b": "line\nbreak ✓"}`);
  strictEqual(
    fetchSnippet(f),
    `const response = await fetch("http://address:22/path?query=param", {
  method: "PATCH",
  headers: {
    "header": "qvalue",
    "Content-Type": "application/json",
  },
  body: "{\\"a\\": \\"it's\\", \\"b\\": \\"line\\nbreak ✓\\"}",
});`,
  );
});

Deno.test("fetch: text body without Content-Type is encoded, so fetch adds none", () => {
  strictEqual(
    fetchSnippet(withBody(postRequest(), "nobinarysupport")),
    `const response = await fetch("http://address:22/path", {
  method: "POST",
  body: new TextEncoder().encode("nobinarysupport"),
});`,
  );
});

Deno.test("fetch: binary body is base64", () => {
  strictEqual(
    fetchSnippet(withBody(postRequest(), new Uint8Array([0, 1, 0xff, 0xfe]))),
    `const response = await fetch("http://address:22/path", {
  method: "POST",
  body: Uint8Array.from(atob("AAH//g=="), (c) => c.charCodeAt(0)),
});`,
  );
});

Deno.test("fetch: header values are latin1 ByteStrings; duplicates fold; Host is dropped", () => {
  const f = getRequest();
  f.request.headers.fields = [
    ["Host", "example.com:8080"],
    ["X-Uni", latin1Decode(utf8Encode("Ü✓"))],
    ["X-Quote", `"it's"`],
    ["Accept", "a"],
    ["accept", "b"],
    ["Cookie", "a=1"],
    ["cookie", "b=2"],
    ["Transfer-Encoding", "chunked"],
    ["content-length", "0"],
  ];
  strictEqual(
    fetchSnippet(f),
    `const response = await fetch("http://example.com:8080/path?a=foo&a=bar&b=baz", {
  method: "GET",
  headers: {
    "X-Uni": "Ã\\u009câ\\u009c\\u0093",
    "X-Quote": "\\"it's\\"",
    "Accept": "a, b",
    "Cookie": "a=1; b=2",
  },
});`,
  );
});

Deno.test("fetch: non-ASCII URL bytes are percent-encoded", () => {
  const req = Request.make("GET", "http://example.com/");
  req.path = "/caf\xe9/\xc3\xa9 x";
  strictEqual(
    fetchSnippet(flowOf(req)).split("\n")[0],
    `const response = await fetch("http://example.com/caf%E9/%C3%A9%20x", {`,
  );
});

Deno.test("fetch: what fetch() refuses is an ExportError", () => {
  throws(() => fetchSnippet(withBody(getRequest(), "x")), {
    name: "ExportError",
    message: "Can't export a GET request with a body as fetch: fetch() allows no body on GET.",
  });
  const f = getRequest();
  f.request.method = "TRACE";
  throws(() => fetchSnippet(f), {
    message: "Can't export a TRACE request as fetch: fetch() refuses TRACE.",
  });
  throws(() => fetchSnippet(ttcpflow()), {
    message: "Can't export a TCP flow as fetch: only HTTP flows can be exported.",
  });
});

Deno.test("jsString: escapes what JSON leaves and a JS source should not hold", () => {
  strictEqual(jsString("a\u2028b\u0085c\x7f"), `"a\\u2028b\\u0085c\\u007f"`);
  strictEqual(eval(jsString("\u2028\u0000\"'\\")), "\u2028\u0000\"'\\");
});
