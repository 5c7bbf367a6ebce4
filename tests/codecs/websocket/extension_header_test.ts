import assert from "node:assert/strict";
import {
  formatExtensionHeader,
  parseExtensionHeader,
} from "../../../codecs/websocket/extension_header.ts";

Deno.test("parses lists, parameters, quoted values and several header lines", () => {
  assert.deepEqual(
    parseExtensionHeader([
      'permessage-deflate; client_max_window_bits; server_max_window_bits="10"',
      " , X-Foo ;a=b\t; C , ",
    ]),
    [
      {
        name: "permessage-deflate",
        params: [["client_max_window_bits", true], ["server_max_window_bits", "10"]],
      },
      { name: "x-foo", params: [["a", "b"], ["c", true]] },
    ],
  );
  assert.deepEqual(parseExtensionHeader(""), []);
  assert.deepEqual(parseExtensionHeader('a; b="\\c"'), [{ name: "a", params: [["b", "c"]] }]);
});

Deno.test("malformed headers are errors naming the offset", () => {
  for (
    const [value, message] of [
      ["; a", /expected an extension name at offset 0/],
      ["a; ", /expected a parameter name/],
      ["a; b=", /expected a parameter value/],
      ['a; b="c', /unterminated quoted string/],
      ['a; b="c d"', /quoted parameter value is not a token/],
      ['a; b=""', /not a token/],
      ["a b", /unexpected "b"/],
      ["a; b=c=d", /unexpected "="/],
    ] as const
  ) {
    const result = parseExtensionHeader(value);
    assert.ok("error" in result, value);
    assert.match(result.error, message);
  }
});

Deno.test("formats what it parses", () => {
  const text = "permessage-deflate; client_max_window_bits=10; server_no_context_takeover, x";
  const parsed = parseExtensionHeader(text);
  assert.ok(!("error" in parsed));
  assert.equal(formatExtensionHeader(parsed), text);
});
