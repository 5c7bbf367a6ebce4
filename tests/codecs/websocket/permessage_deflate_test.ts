import assert from "node:assert/strict";
import { parseExtensionHeader } from "../../../codecs/websocket/extension_header.ts";
import {
  formatPerMessageDeflateOffer,
  negotiatePerMessageDeflate,
  parsePerMessageDeflateOffer,
  parsePerMessageDeflateResponse,
  type PerMessageDeflateParams,
  senderSettings,
} from "../../../codecs/websocket/permessage_deflate.ts";

function item(text: string) {
  const items = parseExtensionHeader(text);
  if ("error" in items) throw new Error(items.error);
  return items[0];
}

const DEFAULTS: PerMessageDeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

Deno.test("offers: every parameter, once, with valid values", () => {
  assert.deepEqual(
    parsePerMessageDeflateOffer(item(
      "permessage-deflate; server_no_context_takeover; client_no_context_takeover; " +
        "server_max_window_bits=10; client_max_window_bits",
    )),
    {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: true,
    },
  );
  for (
    const [params, message] of [
      ["server_max_window_bits=7", /must be 8-15, got "7"/],
      ["server_max_window_bits=16", /must be 8-15/],
      ["server_max_window_bits=09", /must be 8-15/],
      ["server_max_window_bits", /must be 8-15, got no value/],
      ["client_max_window_bits=x", /must be 8-15/],
      ["server_no_context_takeover=1", /takes no value/],
      ["server_no_context_takeover; server_no_context_takeover", /given twice/],
      ["x_unknown", /unknown parameter x_unknown/],
    ] as const
  ) {
    const result = parsePerMessageDeflateOffer(item(`permessage-deflate; ${params}`));
    assert.ok("error" in result, params);
    assert.match(result.error, message);
  }
});

Deno.test("responses: defaults for what is left out, checked against the offer", () => {
  assert.deepEqual(parsePerMessageDeflateResponse(item("permessage-deflate")), DEFAULTS);
  assert.deepEqual(
    parsePerMessageDeflateResponse(item(
      "permessage-deflate; client_no_context_takeover; client_max_window_bits=9",
    )),
    { ...DEFAULTS, clientNoContextTakeover: true, clientMaxWindowBits: 9 },
  );
  const bare = parsePerMessageDeflateResponse(item("permessage-deflate; client_max_window_bits"));
  assert.match((bare as { error: string }).error, /needs a value in a response/);
  const offer = parsePerMessageDeflateOffer(item("permessage-deflate; server_max_window_bits=10"));
  assert.ok(!("error" in offer));
  const cases = [
    ["permessage-deflate; server_max_window_bits=12", /exceeds the offered 10/],
    ["permessage-deflate", /exceeds the offered 10/],
    ["permessage-deflate; server_max_window_bits=10; client_max_window_bits=10", /did not allow/],
  ] as const;
  for (const [text, message] of cases) {
    const result = parsePerMessageDeflateResponse(item(text), offer);
    assert.match((result as { error: string }).error, message, text);
  }
  assert.deepEqual(
    parsePerMessageDeflateResponse(item("permessage-deflate; server_max_window_bits=9"), offer),
    { ...DEFAULTS, serverMaxWindowBits: 9 },
  );
});

Deno.test("servers take the first acceptable offer and answer what they agreed to", () => {
  assert.deepEqual(negotiatePerMessageDeflate("permessage-deflate"), {
    params: DEFAULTS,
    response: "permessage-deflate",
  });
  assert.deepEqual(
    negotiatePerMessageDeflate(
      "x-webkit-deflate-frame, permessage-deflate; bogus, " +
        "permessage-deflate; client_max_window_bits; server_max_window_bits=15",
      { clientMaxWindowBits: 10, serverNoContextTakeover: true },
    ),
    {
      params: { ...DEFAULTS, serverNoContextTakeover: true, clientMaxWindowBits: 10 },
      response: "permessage-deflate; server_no_context_takeover; server_max_window_bits=15; " +
        "client_max_window_bits=10",
    },
  );
  // The server cannot limit a client that did not offer client_max_window_bits.
  assert.deepEqual(
    negotiatePerMessageDeflate("permessage-deflate", { clientMaxWindowBits: 10 }),
    { params: DEFAULTS, response: "permessage-deflate" },
  );
  assert.equal(negotiatePerMessageDeflate("x-other"), null);
  assert.equal(negotiatePerMessageDeflate("permessage-deflate; server_max_window_bits=99"), null);
  assert.ok("error" in (negotiatePerMessageDeflate(";;") as object));
});

Deno.test("what a server answers, the client reads back as the same parameters", () => {
  const offers = [
    "permessage-deflate",
    "permessage-deflate; client_max_window_bits",
    "permessage-deflate; client_max_window_bits=12; server_max_window_bits=11",
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
  ];
  for (const offerText of offers) {
    for (const options of [{}, { clientMaxWindowBits: 9, serverMaxWindowBits: 10 }]) {
      const result = negotiatePerMessageDeflate(offerText, options);
      assert.ok(result && !("error" in result));
      const offer = parsePerMessageDeflateOffer(item(offerText));
      assert.ok(!("error" in offer));
      assert.deepEqual(parsePerMessageDeflateResponse(item(result.response), offer), result.params);
    }
  }
});

Deno.test("client offers format as header values", () => {
  assert.equal(formatPerMessageDeflateOffer(), "permessage-deflate; client_max_window_bits");
  assert.equal(
    formatPerMessageDeflateOffer({
      clientNoContextTakeover: true,
      serverMaxWindowBits: 10,
      clientMaxWindowBits: null,
    }),
    "permessage-deflate; client_no_context_takeover; server_max_window_bits=10",
  );
});

Deno.test("each sender's settings come from its own side's parameters", () => {
  const params = { ...DEFAULTS, clientNoContextTakeover: true, serverMaxWindowBits: 9 };
  assert.deepEqual(senderSettings(params, "client"), {
    noContextTakeover: true,
    maxWindowBits: 15,
  });
  assert.deepEqual(senderSettings(params, "server"), {
    noContextTakeover: false,
    maxWindowBits: 9,
  });
});
