import assert from "node:assert/strict";
import {
  validateRequest,
  validateResponse,
  validateTrailers,
} from "../../../codecs/http2/header_validation.ts";
import { REQUEST } from "./test_util.ts";

Deno.test("valid requests give method and content-length", () => {
  assert.deepEqual(validateRequest(REQUEST, false), { method: "GET", contentLength: -1 });
  assert.deepEqual(
    validateRequest([...REQUEST, ["content-length", "5, 5"], ["te", "trailers"]], false),
    {
      method: "GET",
      contentLength: 5,
    },
  );
  assert.deepEqual(validateRequest([[":method", "CONNECT"], [":authority", "a:443"]], false), {
    method: "CONNECT",
    contentLength: -1,
  });
  const ws: [string, string][] = [
    [":method", "CONNECT"],
    [":protocol", "websocket"],
    [":scheme", "https"],
    [":path", "/"],
    [":authority", "a"],
  ];
  assert.ok(!("error" in validateRequest(ws, true)));
  assert.ok("error" in validateRequest(ws, false));
});

Deno.test("latin1 values above 0x7f are allowed; names must be tokens", () => {
  assert.ok(!("error" in validateRequest([...REQUEST, ["x-latin1", "caf\xe9"]], false)));
  const r = validateRequest([...REQUEST, ["x-caf\xe9", "1"]], false);
  assert.ok("error" in r && /invalid character 0xe9/.test(r.error));
});

Deno.test("responses: :status required, three digits, not 101", () => {
  assert.deepEqual(validateResponse([[":status", "204"]]), { status: 204, contentLength: -1 });
  for (
    const bad of [[], [[":status", "20"]], [[":status", "101"]], [[":status", "200"], [
      ":path",
      "/",
    ]], [[":status", "200"], [":status", "200"]]] as [string, string][][]
  ) {
    assert.ok("error" in validateResponse(bad), JSON.stringify(bad));
  }
});

Deno.test("trailers: regular fields only", () => {
  assert.equal(validateTrailers([["grpc-status", "0"]]), null);
  assert.ok(validateTrailers([[":status", "200"]]));
  assert.ok(validateTrailers([["transfer-encoding", "chunked"]]));
});
