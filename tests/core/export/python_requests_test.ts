import { strictEqual, throws } from "node:assert/strict";
import { latin1Decode, utf8Encode } from "../../../codecs/bytes.ts";
import { pyBytes, pyString, pythonRequestsSnippet } from "../../../core/export/python_requests.ts";
import { ttcpflow } from "../flow/tflow.ts";
import { getRequest, patchRequest, postRequest, withBody } from "./flows.ts";

Deno.test("python-requests: GET", () => {
  strictEqual(
    pythonRequestsSnippet(getRequest()),
    `import requests

response = requests.request(
    "GET",
    "http://address:22/path?a=foo&a=bar&b=baz",
    headers={
        "header": "qvalue",
    },
)`,
  );
});

Deno.test("python-requests: ASCII body is a str, UTF-8 is encoded, binary is bytes", () => {
  strictEqual(
    pythonRequestsSnippet(patchRequest()).split("\n").slice(-2).join("\n"),
    `    data="content",\n)`,
  );
  strictEqual(
    pythonRequestsSnippet(withBody(postRequest(), `say "hé"\n\\ ✓`)),
    `import requests

response = requests.request(
    "POST",
    "http://address:22/path",
    data="say \\"hé\\"\\n\\\\ ✓".encode(),
)`,
  );
  strictEqual(
    pythonRequestsSnippet(withBody(postRequest(), new Uint8Array([0, 0x22, 0x5c, 0x41, 0xff]))),
    `import requests

response = requests.request(
    "POST",
    "http://address:22/path",
    data=b"\\x00\\"\\\\A\\xff",
)`,
  );
});

Deno.test("python-requests: headers: quotes, UTF-8 as bytes, other bytes as latin-1 escapes", () => {
  const f = getRequest();
  f.request.headers.fields = [
    ["X-Quote", `"it's"`],
    ["X-Uni", latin1Decode(utf8Encode("Ünï ✓"))],
    ["X-Bad", "\xff\x01"],
    ["x-dup", "1"],
    ["X-Dup", "2"],
    ["host", "address"],
  ];
  strictEqual(
    pythonRequestsSnippet(f),
    `import requests

response = requests.request(
    "GET",
    "http://address:22/path?a=foo&a=bar&b=baz",
    headers={
        "X-Quote": "\\"it's\\"",
        "X-Uni": "Ünï ✓".encode(),
        "X-Bad": "\\xff\\x01",
        "x-dup": "1, 2",
    },
)`,
  );
});

Deno.test("python-requests: TCP flows are refused", () => {
  throws(() => pythonRequestsSnippet(ttcpflow()), {
    message: "Can't export a TCP flow as python-requests: only HTTP flows can be exported.",
  });
});

Deno.test("pyString and pyBytes escape controls, quotes and backslashes", () => {
  strictEqual(pyString("a\tb\r\n\x00\x7f\x85\u2028é😀"), `"a\\tb\\r\\n\\x00\\x7f\\x85\\u2028é😀"`);
  strictEqual(pyString("é😀", true), `"\\xe9\\U0001f600"`);
  strictEqual(pyBytes(new Uint8Array([9, 10, 13, 0x27, 0x7f])), `b"\\t\\n\\r'\\x7f"`);
});
