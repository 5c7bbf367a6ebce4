import assert from "node:assert/strict";
import { parseHeaderFields } from "../../../codecs/http1/header_fields.ts";
import { DEFAULT_LIMITS } from "../../../codecs/http1/types.ts";
import { assertParseError } from "./test_util.ts";

Deno.test("parses from an offset up to the blank line", () => {
  const text = "IGNORED\r\nA: 1\r\nb:2 \r\nC:\r\n\r\n";
  assert.deepEqual(parseHeaderFields(text, 9, DEFAULT_LIMITS, "header"), [
    ["A", "1"],
    ["b", "2"],
    ["C", ""],
  ]);
  assert.deepEqual(parseHeaderFields("", 0, DEFAULT_LIMITS, "header"), []);
  assert.deepEqual(parseHeaderFields("\r\n", 0, DEFAULT_LIMITS, "trailer"), []);
  assert.deepEqual(parseHeaderFields("A: 1", 0, DEFAULT_LIMITS, "header"), [["A", "1"]]);
});

Deno.test("errors name the section", () => {
  const e = parseHeaderFields("A : 1\r\n\r\n", 0, DEFAULT_LIMITS, "trailer");
  assertParseError(e, 400);
  assert.equal(e.error, 'Whitespace before colon in trailer line: "A : 1"');
  const many = parseHeaderFields("A: 1\nB: 2\n\n", 0, { maxHeadSize: 99, maxHeaderCount: 1 }, "x");
  assertParseError(many, 431);
  assert.equal(many.error, "Too many x fields (more than 1)");
});

Deno.test("values with only whitespace become empty; inner whitespace is kept", () => {
  assert.deepEqual(parseHeaderFields("A: \t \r\nB: x \t y\r\n", 0, DEFAULT_LIMITS, "header"), [
    ["A", ""],
    ["B", "x \t y"],
  ]);
});
