import assert from "node:assert/strict";
import {
  type Addon,
  HOOK_NAMES,
  type HookArgs,
  type HookName,
  HOOKS,
  type HooksTableCheck,
  isHookName,
} from "../../core/hooks.ts";

Deno.test("an object literal with a misspelled hook does not compile", () => {
  const good: Addon = {
    name: "good",
    request(flow) {
      void flow;
    },
    configure(updated) {
      void updated.has("x");
    },
  };
  const bad: Addon = {
    name: "bad",
    // @ts-expect-error: "reqeust" is not a hook
    reqeust() {},
  };
  const badArgs: Addon = {
    // @ts-expect-error: configure takes a set of names, not a number
    configure(updated: number) {
      void updated;
    },
  };
  assert.ok(good && bad && badArgs);
});

Deno.test("hook handlers get their declared argument types", () => {
  type RequestFlow = HookArgs["request"][0];
  const a: Addon = {
    running() {},
    async done() {},
    server_connect(data) {
      // Both connections are there, typed.
      void data.server;
      void data.client;
    },
    next_layer(data) {
      data.layer = null;
      const bytes: Uint8Array = data.dataClient();
      void bytes;
    },
  };
  const check: (f: RequestFlow) => void = (f) => void f;
  assert.ok(a && check);
});

Deno.test("HOOKS lists every hook once, in groups, with argument text", () => {
  const table: HooksTableCheck = true;
  assert.ok(table);
  const names = HOOKS.map((h) => h.name);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(HOOK_NAMES, names);
  const expected: HookName[] = [
    "load",
    "configure",
    "running",
    "done",
    "client_connected",
    "client_disconnected",
    "server_connect",
    "server_connected",
    "server_connect_error",
    "server_disconnected",
    "next_layer",
    "http_connect",
    "http_connected",
    "http_connect_error",
    "requestheaders",
    "request",
    "responseheaders",
    "response",
    "error",
    "websocket_start",
    "websocket_message",
    "websocket_end",
    "tcp_start",
    "tcp_message",
    "tcp_end",
    "tcp_error",
    "tls_clienthello",
    "tls_start_client",
    "tls_start_server",
    "tls_established_client",
    "tls_established_server",
    "tls_failed_client",
    "tls_failed_server",
  ];
  assert.deepEqual(names, expected);
  for (const h of HOOKS) {
    assert.ok(h.description.length > 10, h.name);
    assert.ok(!h.description.includes("\n"), h.name);
  }
  const request = HOOKS.find((h) => h.name === "request")!;
  assert.deepEqual(request.args, [{ name: "flow", type: "HttpFlow" }]);
  assert.equal(HOOKS.find((h) => h.name === "tcp_message")!.group, "tcp");
  assert.ok(isHookName("response"));
  assert.ok(!isHookName("reqeust"));
});
