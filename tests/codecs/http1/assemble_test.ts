import assert from "node:assert/strict";
import fc from "fast-check";
import {
  assembleRequestHead,
  assembleResponseHead,
  encodeChunk,
  encodeLastChunk,
} from "../../../codecs/http1/assemble.ts";
import { parseRequestHead, parseResponseHead } from "../../../codecs/http1/parse_head.ts";
import type { HeaderFields } from "../../../codecs/http1/types.ts";
import {
  assertOk,
  concat,
  dec,
  driveRequests,
  enc,
  headersArb,
  pathArb,
  splitAt,
  tokenArb,
} from "./test_util.ts";

Deno.test("assembleRequestHead writes headers exactly as given", () => {
  const h: HeaderFields = [["Host", "a"], ["x-Dup", "1"], ["X-DUP", "2"], ["Empty", ""]];
  assert.equal(
    dec(assembleRequestHead("GET", "/p?q", "HTTP/1.1", h)),
    "GET /p?q HTTP/1.1\r\nHost: a\r\nx-Dup: 1\r\nX-DUP: 2\r\nEmpty: \r\n\r\n",
  );
  assert.equal(
    dec(assembleRequestHead("OPTIONS", "*", "HTTP/1.0", [])),
    "OPTIONS * HTTP/1.0\r\n\r\n",
  );
});

Deno.test("assembleResponseHead, including empty reason and latin1 bytes", () => {
  assert.equal(
    dec(assembleResponseHead("HTTP/1.1", 200, "OK", [["A", "caf\xe9"]])),
    "HTTP/1.1 200 OK\r\nA: caf\xe9\r\n\r\n",
  );
  const bytes = assembleResponseHead("HTTP/1.1", 204, "", []);
  assert.equal(dec(bytes), "HTTP/1.1 204 \r\n\r\n");
  const r = parseResponseHead(assembleResponseHead("HTTP/1.1", 404, "Not Found", [["A", "\xff"]]));
  assertOk(r);
  assert.deepEqual(r, {
    httpVersion: "HTTP/1.1",
    statusCode: 404,
    reason: "Not Found",
    headers: [["A", "\xff"]],
  });
});

Deno.test("encodeChunk and encodeLastChunk", () => {
  assert.equal(dec(encodeChunk(enc("hello"))), "5\r\nhello\r\n");
  assert.equal(dec(encodeChunk(new Uint8Array(255))), "ff\r\n" + "\0".repeat(255) + "\r\n");
  assert.equal(encodeChunk(new Uint8Array(0)).length, 0);
  assert.equal(dec(encodeLastChunk()), "0\r\n\r\n");
  assert.equal(dec(encodeLastChunk([])), "0\r\n\r\n");
  assert.equal(dec(encodeLastChunk([["X-Sum", "1"], ["Y", "2"]])), "0\r\nX-Sum: 1\r\nY: 2\r\n\r\n");
  // The shared last chunk can't be corrupted by a caller.
  encodeLastChunk()[0] = 0x41;
  assert.equal(dec(encodeLastChunk()), "0\r\n\r\n");
});

Deno.test("property: assembled requests with bodies round-trip through the readers", () => {
  const messageArb = fc.record({
    method: tokenArb,
    path: pathArb,
    headers: headersArb.map((hs) =>
      hs.filter(([n]) => !/^(content-length|transfer-encoding)$/i.test(n))
    ),
    body: fc.array(fc.uint8Array({ minLength: 1, maxLength: 30 }), { maxLength: 4 }),
    framing: fc.constantFrom("length", "chunked"),
    trailers: headersArb,
  });
  fc.assert(
    fc.property(
      fc.array(messageArb, { minLength: 1, maxLength: 3 }),
      fc.array(fc.nat(600), { maxLength: 10 }),
      (messages, cuts) => {
        const wire: Uint8Array[] = [];
        for (const m of messages) {
          const body = concat(m.body);
          const headers: HeaderFields = [...m.headers];
          if (m.framing === "length") headers.push(["Content-Length", String(body.length)]);
          else headers.push(["Transfer-Encoding", "chunked"]);
          wire.push(assembleRequestHead(m.method, m.path, "HTTP/1.1", headers));
          if (m.framing === "length") wire.push(body);
          else {
            for (const piece of m.body) wire.push(encodeChunk(piece));
            wire.push(encodeLastChunk(m.trailers));
          }
        }
        const { requests, error } = driveRequests(splitAt(concat(wire), cuts));
        assert.equal(error, undefined);
        assert.equal(requests.length, messages.length);
        messages.forEach((m, i) => {
          const got = requests[i];
          assert.equal(got.head.method, m.method);
          assert.equal(got.head.path, m.path);
          assert.equal(got.body, dec(concat(m.body)));
          const trailers = m.framing === "chunked" && m.trailers.length > 0
            ? m.trailers
            : undefined;
          assert.deepEqual(got.trailers, trailers);
        });
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("parse then assemble reproduces a canonical head byte for byte", () => {
  const text = "PUT http://h:1/x HTTP/1.1\r\nA: 1\r\nb: two words\r\n\r\n";
  const r = parseRequestHead(enc(text));
  assertOk(r);
  assert.equal(dec(assembleRequestHead(r.method, r.target, r.httpVersion, r.headers)), text);
});
