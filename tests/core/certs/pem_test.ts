import assert from "node:assert/strict";
import { parsePem, pemEncode } from "../../../core/certs/pem.ts";

Deno.test("pemEncode/parsePem round-trip with 64-column lines", () => {
  const der = Uint8Array.from({ length: 100 }, (_, i) => i);
  const pem = pemEncode("CERTIFICATE", der);
  // 100 bytes = 136 base64 characters: 64 + 64 + 8.
  assert.deepEqual(pem.split("\n").map((l) => l.length), [27, 64, 64, 8, 25, 0]);
  const parsed = parsePem("junk before\n" + pem + "junk after");
  assert.ok("blocks" in parsed);
  assert.equal(parsed.blocks.length, 1);
  assert.equal(parsed.blocks[0].label, "CERTIFICATE");
  assert.deepEqual(parsed.blocks[0].der, der);
  assert.equal(parsed.blocks[0].text, pem.trimEnd());
});

Deno.test("parsePem: CRLF, RFC 1421 headers, and errors naming the block", () => {
  const crlf = "-----BEGIN X-----\r\nAAEC\r\n-----END X-----\r\n";
  const a = parsePem(crlf);
  assert.ok("blocks" in a);
  assert.deepEqual(a.blocks[0].der, Uint8Array.of(0, 1, 2));
  const headers = parsePem(
    "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAEC\n" +
      "-----END RSA PRIVATE KEY-----\n",
  );
  assert.ok("blocks" in headers);
  assert.deepEqual(headers.blocks[0].headers, {
    "Proc-Type": "4,ENCRYPTED",
    "DEK-Info": "AES-256-CBC,00",
  });
  assert.deepEqual(parsePem("-----BEGIN A-----\nAAEC\n-----END B-----\n"), {
    error: 'PEM block 1 (A) ends with "END B"',
  });
  assert.deepEqual(parsePem("-----BEGIN A-----\nAAE\n-----END A-----\n"), {
    error: "PEM block 1 (A) is not valid base64",
  });
  assert.deepEqual(parsePem("no pem"), { blocks: [] });
});
