import assert from "node:assert/strict";
import {
  acceptKey,
  type HeaderPairs,
  isWebSocketAccept,
  isWebSocketUpgrade,
  negotiatedExtensions,
  webSocketAcceptError,
} from "../../../codecs/websocket/handshake.ts";

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

const REQUEST: HeaderPairs = [
  ["Host", "server.example.com"],
  ["Upgrade", "websocket"],
  ["Connection", "Upgrade"],
  ["Sec-WebSocket-Key", KEY],
  ["Sec-WebSocket-Version", "13"],
  ["Sec-WebSocket-Protocol", "chat, superchat"],
  ["Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"],
];

const RESPONSE: HeaderPairs = [
  ["Upgrade", "websocket"],
  ["Connection", "Upgrade"],
  ["Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="],
];

Deno.test("acceptKey: RFC 6455 §1.3's example", () => {
  assert.equal(acceptKey(KEY), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
});

Deno.test("isWebSocketUpgrade: tokens in any case, in lists, over several lines", () => {
  assert.ok(isWebSocketUpgrade(REQUEST));
  assert.ok(isWebSocketUpgrade([
    ["connection", "keep-alive"],
    ["CONNECTION", "UPGRADE"],
    ["upgrade", "WebSocket"],
    ["sec-websocket-key", KEY],
  ]));
  const without = (name: string) => REQUEST.filter(([k]) => k !== name);
  assert.ok(!isWebSocketUpgrade(without("Upgrade")));
  assert.ok(!isWebSocketUpgrade(without("Connection")));
  assert.ok(!isWebSocketUpgrade(without("Sec-WebSocket-Key")));
  assert.ok(!isWebSocketUpgrade([...without("Upgrade"), ["Upgrade", "h2c"]]));
  assert.ok(!isWebSocketUpgrade([...REQUEST, ["Sec-WebSocket-Key", KEY]]), "two keys");
});

Deno.test("isWebSocketAccept: 101, Upgrade, Connection and the right accept key", () => {
  assert.ok(isWebSocketAccept(REQUEST, RESPONSE, 101));
  assert.equal(webSocketAcceptError(REQUEST, RESPONSE, 101), null);
  const replace = (name: string, value: string | null): HeaderPairs => [
    ...RESPONSE.filter(([k]) => k !== name),
    ...(value === null ? [] : [[name, value] as const]),
  ];
  const cases: [HeaderPairs, number, RegExp][] = [
    [RESPONSE, 200, /status 200 is not 101/],
    [replace("Upgrade", null), 101, /lacks Upgrade: websocket/],
    [replace("Connection", "keep-alive"), 101, /lacks Connection: upgrade/],
    [replace("Sec-WebSocket-Accept", "x"), 101, /Sec-WebSocket-Accept is "x", expected "s3pP/],
    [replace("Sec-WebSocket-Accept", null), 101, /is null/],
    [
      [...RESPONSE, ["Sec-WebSocket-Extensions", "x-unoffered"]],
      101,
      /x-unoffered, which the request did not offer/,
    ],
    [[...RESPONSE, ["Sec-WebSocket-Protocol", "other"]], 101, /subprotocol "other"/],
  ];
  for (const [response, status, message] of cases) {
    assert.match(webSocketAcceptError(REQUEST, response, status) ?? "", message);
    assert.ok(!isWebSocketAccept(REQUEST, response, status));
  }
  assert.ok(
    isWebSocketAccept(REQUEST, [...RESPONSE, ["Sec-WebSocket-Protocol", "superchat"]], 101),
  );
  assert.ok(
    isWebSocketAccept(
      REQUEST,
      [...RESPONSE, ["Sec-WebSocket-Extensions", "permessage-deflate"]],
      101,
    ),
  );
});

Deno.test("negotiatedExtensions: both directions as a proxy decodes them", () => {
  assert.deepEqual(negotiatedExtensions(RESPONSE), {
    permessageDeflate: null,
    clientToServer: null,
    serverToClient: null,
  });
  const response: HeaderPairs = [
    ...RESPONSE,
    [
      "Sec-WebSocket-Extensions",
      "permessage-deflate; client_no_context_takeover; client_max_window_bits=10",
    ],
  ];
  assert.deepEqual(negotiatedExtensions(response, REQUEST), {
    permessageDeflate: {
      serverNoContextTakeover: false,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 10,
    },
    clientToServer: { noContextTakeover: true, maxWindowBits: 10 },
    serverToClient: { noContextTakeover: false, maxWindowBits: 15 },
  });
});

Deno.test("negotiatedExtensions: what cannot be decoded or was not offered is an error", () => {
  const withExtensions = (
    value: string,
  ): HeaderPairs => [...RESPONSE, ["Sec-WebSocket-Extensions", value]];
  const cases: [HeaderPairs, HeaderPairs | undefined, RegExp][] = [
    [
      withExtensions("x-webkit-deflate-frame"),
      undefined,
      /x-webkit-deflate-frame is not supported/,
    ],
    [withExtensions("permessage-deflate, permessage-deflate"), undefined, /agreed to twice/],
    [withExtensions("permessage-deflate; client_max_window_bits"), undefined, /needs a value/],
    [withExtensions("permessage-deflate;"), undefined, /expected a parameter name/],
    [
      withExtensions("permessage-deflate"),
      REQUEST.filter(([k]) => k !== "Sec-WebSocket-Extensions"),
      /did not offer/,
    ],
    [
      withExtensions("permessage-deflate; client_max_window_bits=10"),
      [["Sec-WebSocket-Extensions", "permessage-deflate"]],
      /did not allow/,
    ],
  ];
  for (const [response, request, message] of cases) {
    const result = negotiatedExtensions(response, request);
    assert.ok("error" in result, message.source);
    assert.match(result.error, message);
  }
  // The answer only has to fit one of several offers.
  const offers: HeaderPairs = [[
    "Sec-WebSocket-Extensions",
    "permessage-deflate; server_max_window_bits=10, permessage-deflate",
  ]];
  assert.ok(!("error" in negotiatedExtensions(withExtensions("permessage-deflate"), offers)));
});
