import assert from "node:assert/strict";
import {
  connectionClose,
  connectionTokens,
  expectsContinue,
  isUpgrade,
  requestBodyFraming,
  responseBodyFraming,
} from "../../../codecs/http1/body_framing.ts";
import type { HeaderFields, RequestHead, ResponseHead } from "../../../codecs/http1/types.ts";
import { assertParseError } from "./test_util.ts";

function request(headers: HeaderFields, method = "POST", httpVersion = "HTTP/1.1"): RequestHead {
  return {
    method,
    target: "/",
    form: "origin",
    scheme: "",
    authority: "",
    host: "",
    port: 0,
    path: "/",
    httpVersion,
    headers,
  };
}

function response(statusCode: number, headers: HeaderFields): ResponseHead {
  return { httpVersion: "HTTP/1.1", statusCode, reason: "", headers };
}

Deno.test("request framing: none, length, chunked", () => {
  assert.deepEqual(requestBodyFraming(request([])), { kind: "none" });
  assert.deepEqual(requestBodyFraming(request([["Content-Length", "5"]])), {
    kind: "length",
    length: 5,
  });
  assert.deepEqual(requestBodyFraming(request([["content-length", "0"]])), {
    kind: "length",
    length: 0,
  });
  assert.deepEqual(requestBodyFraming(request([["Transfer-Encoding", "chunked"]])), {
    kind: "chunked",
  });
  assert.deepEqual(requestBodyFraming(request([["TRANSFER-ENCODING", " Chunked "]])), {
    kind: "chunked",
  });
  for (const te of ["gzip, chunked", "gzip,chunked", "x-gzip , deflate,  chunked", ",chunked,"]) {
    assert.deepEqual(requestBodyFraming(request([["Transfer-Encoding", te]])), { kind: "chunked" });
  }
  assert.deepEqual(
    requestBodyFraming(request([["Transfer-Encoding", "gzip"], ["Transfer-Encoding", "chunked"]])),
    { kind: "chunked" },
  );
});

Deno.test("Transfer-Encoding wins over Content-Length", () => {
  const h: HeaderFields = [["Content-Length", "10"], ["Transfer-Encoding", "chunked"]];
  assert.deepEqual(requestBodyFraming(request(h)), { kind: "chunked" });
  assert.deepEqual(responseBodyFraming("GET", response(200, h)), { kind: "chunked" });
});

Deno.test("request Transfer-Encoding errors: 400 and 501", () => {
  for (const te of ["gzip", "chunked, gzip", "chunked, chunked", "identity"]) {
    assertParseError(requestBodyFraming(request([["Transfer-Encoding", te]])), 400);
  }
  assertParseError(requestBodyFraming(request([["Transfer-Encoding", ""]])), 400);
  assertParseError(requestBodyFraming(request([["Transfer-Encoding", "chu nked"]])), 400);
  assertParseError(requestBodyFraming(request([["Transfer-Encoding", "chunked\xe9"]])), 400);
  const e = requestBodyFraming(request([["Transfer-Encoding", "br, chunked"]]));
  assertParseError(e, 501);
  assert.match(e.error, /Unsupported transfer coding "br"/);
  // Non-ASCII must not be folded into "chunked" (e.g. by a Unicode-aware lowercasing).
  assertParseError(requestBodyFraming(request([["Transfer-Encoding", "chunke\u212a"]])), 400);
});

Deno.test("Content-Length validation", () => {
  const cl = (...values: string[]) =>
    requestBodyFraming(request(values.map((v): [string, string] => ["Content-Length", v])));
  assert.deepEqual(cl("7", "7"), { kind: "length", length: 7 });
  assert.deepEqual(cl("7, 7"), { kind: "length", length: 7 });
  assert.deepEqual(cl("9007199254740991"), { kind: "length", length: 9007199254740991 });
  for (const bad of ["", "-1", "+5", "0x10", "5a", "1.0", " ", "9007199254740992", "1e3"]) {
    assert.match((cl(bad) as { error: string }).error, /Invalid Content-Length/, bad);
  }
  assert.match((cl("5", "6") as { error: string }).error, /Conflicting Content-Length/);
  assert.match((cl("5, 6") as { error: string }).error, /Conflicting Content-Length/);
  assertParseError(cl("12345678901234567"), 400);
});

Deno.test("response framing: no body for HEAD, 1xx, 204, 304, 2xx to CONNECT", () => {
  const h: HeaderFields = [["Content-Length", "10"]];
  assert.deepEqual(responseBodyFraming("HEAD", response(200, h)), { kind: "none" });
  for (const code of [100, 101, 103, 199, 204, 304]) {
    assert.deepEqual(responseBodyFraming("GET", response(code, h)), { kind: "none" }, `${code}`);
  }
  assert.deepEqual(responseBodyFraming("CONNECT", response(200, h)), { kind: "none" });
  assert.deepEqual(responseBodyFraming("CONNECT", response(407, h)), {
    kind: "length",
    length: 10,
  });
  assert.deepEqual(responseBodyFraming("GET", response(205, h)), { kind: "length", length: 10 });
});

Deno.test("response framing: close-delimited cases", () => {
  assert.deepEqual(responseBodyFraming("GET", response(200, [])), { kind: "close" });
  for (const te of ["gzip", "chunked, gzip", "br", "identity"]) {
    assert.deepEqual(
      responseBodyFraming("GET", response(200, [["Transfer-Encoding", te]])),
      { kind: "close" },
      te,
    );
  }
  assert.deepEqual(
    responseBodyFraming("GET", response(200, [["Transfer-Encoding", "br, chunked"]])),
    {
      kind: "chunked",
    },
  );
  assertParseError(
    responseBodyFraming("GET", response(200, [["Transfer-Encoding", "chunked, chunked"]])),
    400,
  );
  assertParseError(
    responseBodyFraming("GET", response(200, [["Content-Length", "1"], ["Content-Length", "2"]])),
    400,
  );
});

Deno.test("connectionTokens, connectionClose", () => {
  const h: HeaderFields = [["Connection", "Keep-Alive, Upgrade"], ["connection", " close ,,x"]];
  assert.deepEqual([...connectionTokens(h)], ["keep-alive", "upgrade", "close", "x"]);
  assert.equal(connectionTokens([]).size, 0);
  assert.equal(connectionClose("HTTP/1.1", []), false);
  assert.equal(connectionClose("HTTP/1.1", [["Connection", "close"]]), true);
  assert.equal(connectionClose("HTTP/1.0", []), true);
  assert.equal(connectionClose("HTTP/1.0", [["Connection", "keep-alive"]]), false);
});

Deno.test("expectsContinue", () => {
  assert.equal(expectsContinue(request([["Expect", "100-Continue"]])), true);
  assert.equal(expectsContinue(request([["expect", " 100-continue "]])), true);
  assert.equal(expectsContinue(request([["Expect", "200-ok"]])), false);
  assert.equal(expectsContinue(request([])), false);
  assert.equal(expectsContinue(request([["Expect", "100-continue"]], "POST", "HTTP/1.0")), false);
});

Deno.test("isUpgrade needs both Connection: upgrade and an Upgrade header", () => {
  assert.equal(isUpgrade([["Connection", "Upgrade"], ["Upgrade", "websocket"]]), true);
  assert.equal(isUpgrade([["Connection", "keep-alive, upgrade"], ["upgrade", "h2c"]]), true);
  assert.equal(isUpgrade([["Upgrade", "websocket"]]), false);
  assert.equal(isUpgrade([["Connection", "upgrade"]]), false);
  assert.equal(isUpgrade([["Connection", "upgrade"], ["Upgrade", " "]]), false);
});
