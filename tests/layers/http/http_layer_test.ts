import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { Response } from "../../../core/flow/http.ts";
import { ConnectionClosed, DataReceived, Wakeup } from "../../../layers/events.ts";
import { CancelWakeup, RequestWakeup } from "../../../layers/commands.ts";
import {
  bytes,
  checkPlaybook,
  closeConnection,
  hook,
  openConnection,
  placeholder,
  playbook,
  sendData,
  where,
} from "../../playbook.ts";
import { tctx } from "../../tctx.ts";
import {
  flowPlaceholder,
  GET_REQUEST,
  GET_UPSTREAM,
  OK_RESPONSE,
  regularHttpLayer,
  serverPlaceholder,
} from "./http_helpers.ts";

Deno.test("regular proxy: GET is forwarded in origin form, response returned", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .in(() => new DataReceived(server.value, bytes(OK_RESPONSE)))
      .out(hook("responseheaders", flow)).reply()
      .out(hook("response", flow)).reply()
      .out(sendData(ctx.client, OK_RESPONSE))
      .do(() => {
        assertEquals(flow.value.request.host, "example.com");
        assertEquals(flow.value.response?.text, "Hello World!");
        assertEquals(flow.value.live, false);
        assertEquals(server.value.address, ["example.com", 80]);
      });
  });
});

Deno.test("keep-alive: a second request reuses the idle server connection", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx), { hooks: false })
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .in(() => new DataReceived(server.value, bytes(OK_RESPONSE)))
      .out(sendData(ctx.client, OK_RESPONSE))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(sendData(server, GET_UPSTREAM))
      .in(() => new DataReceived(server.value, bytes(OK_RESPONSE)))
      .out(sendData(ctx.client, OK_RESPONSE));
  });
});

Deno.test("pipelined requests are answered in order, one at a time", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx), { hooks: false })
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST + GET_REQUEST)))
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .in(() => new DataReceived(server.value, bytes(OK_RESPONSE)))
      .out(sendData(ctx.client, OK_RESPONSE))
      .out(sendData(server, GET_UPSTREAM))
      .in(() => new DataReceived(server.value, bytes(OK_RESPONSE)))
      .out(sendData(ctx.client, OK_RESPONSE));
  });
});

Deno.test("request bodies: Content-Length and chunked with trailers", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const server = serverPlaceholder();
    const flow = flowPlaceholder();
    const chunked = "POST http://example.com/up HTTP/1.1\r\nHost: example.com\r\n" +
      "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Sum: 1\r\n\r\n";
    return playbook(regularHttpLayer(ctx), { hooks: false })
      .in(new DataReceived(ctx.client, bytes(chunked)))
      .out(openConnection(server)).reply(null)
      .out(sendData(server, (text) => text.endsWith("b\r\nhello world\r\n0\r\nX-Sum: 1\r\n\r\n")))
      .in(() => new DataReceived(server.value, bytes(OK_RESPONSE)))
      .out(sendData(ctx.client, OK_RESPONSE))
      .in(
        new DataReceived(
          ctx.client,
          bytes("PUT http://example.com/x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"),
        ),
      )
      .out(sendData(server, "PUT /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\nabc"))
      .in(() => new DataReceived(server.value, bytes(OK_RESPONSE)))
      .out(sendData(ctx.client, OK_RESPONSE))
      .do(() => void flow);
  });
});

Deno.test("Expect: 100-continue is answered by the proxy", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx), { hooks: false })
      .in(
        new DataReceived(
          ctx.client,
          bytes(
            "POST http://example.com/ HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n",
          ),
        ),
      )
      .out(sendData(ctx.client, "HTTP/1.1 100 Continue\r\n\r\n"))
      .in(new DataReceived(ctx.client, bytes("hi")))
      .out(openConnection(server)).reply(null)
      .out(sendData(server, "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nhi"))
      .in(() => new DataReceived(server.value, bytes(OK_RESPONSE)))
      .out(sendData(ctx.client, OK_RESPONSE));
  });
});

Deno.test("upstream connect failure: error hook and a 502 naming the cause", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow)).reply()
      .out(openConnection(() => true)).reply("connection refused")
      .out(hook("error", flow)).reply()
      .out(sendData(ctx.client, (text) =>
        text.startsWith("HTTP/1.1 502 Bad Gateway\r\n") &&
        text.includes("Could not connect to example.com:80: connection refused")))
      .out(closeConnection(ctx.client))
      .do(() => assertEquals(flow.value.error?.msg.includes("connection refused"), true));
  });
});

Deno.test("server closes mid-body: error hook and 502", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .in(() =>
        new DataReceived(server.value, bytes("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"))
      )
      .out(hook("responseheaders", flow)).reply()
      .in(() => new ConnectionClosed(server.value))
      .out(closeConnection(server))
      .out(hook("error", flow)).reply()
      .out(sendData(ctx.client, (t) => t.startsWith("HTTP/1.1 502") && t.includes("mid-response")))
      .out(closeConnection(ctx.client));
  });
});

Deno.test("close-delimited response body ends when the server closes", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const server = serverPlaceholder();
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .in(() => new DataReceived(server.value, bytes("HTTP/1.1 200 OK\r\n\r\nall of it")))
      .out(hook("responseheaders", flow)).reply()
      .in(() => new ConnectionClosed(server.value))
      .out(closeConnection(server))
      .out(hook("response", flow)).reply()
      .out(sendData(ctx.client, "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nall of it"))
      .do(() => assertEquals(flow.value.response?.text, "all of it"));
  });
});

Deno.test("HEAD, 204 and 304 responses have no body", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx), { hooks: false })
      .in(new DataReceived(ctx.client, bytes("HEAD http://example.com/ HTTP/1.1\r\n\r\n")))
      .out(openConnection(server)).reply(null)
      .out(sendData(server, "HEAD / HTTP/1.1\r\nHost: example.com\r\n\r\n"))
      .in(() =>
        new DataReceived(server.value, bytes("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"))
      )
      .out(sendData(ctx.client, "HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n"))
      .in(new DataReceived(ctx.client, bytes("GET http://example.com/ HTTP/1.1\r\n\r\n")))
      .out(sendData(server, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"))
      .in(() => new DataReceived(server.value, bytes("HTTP/1.1 204 No Content\r\n\r\n")))
      .out(sendData(ctx.client, "HTTP/1.1 204 No Content\r\n\r\n"))
      .in(new DataReceived(ctx.client, bytes("GET http://example.com/ HTTP/1.1\r\n\r\n")))
      .out(sendData(server, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"))
      .in(() =>
        new DataReceived(
          server.value,
          bytes("HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n"),
        )
      )
      .out(sendData(ctx.client, "HTTP/1.1 304 Not Modified\r\nContent-Length: 7\r\n\r\n"));
  });
});

Deno.test("HTTP/1.0 request: the client connection closes after the response", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx), { hooks: false })
      .in(new DataReceived(ctx.client, bytes("GET http://example.com/ HTTP/1.0\r\n\r\n")))
      .out(openConnection(server)).reply(null)
      .out(sendData(server, "GET / HTTP/1.0\r\n\r\n"))
      .in(() => new DataReceived(server.value, bytes(OK_RESPONSE)))
      .out(sendData(ctx.client, OK_RESPONSE))
      .out(closeConnection(ctx.client));
  });
});

Deno.test("malformed request line: 400 and close, no flow", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes("GARBAGE\r\n\r\n")))
      .out(sendData(ctx.client, (t) => t.startsWith("HTTP/1.1 400 Bad Request\r\n")))
      .out(closeConnection(ctx.client));
  });
});

Deno.test("oversized request head: 431", () => {
  checkPlaybook(() => {
    const ctx = tctx({ max_head_size: 1024 });
    const big = `GET http://example.com/ HTTP/1.1\r\nX-Big: ${"a".repeat(2000)}\r\n\r\n`;
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(big)))
      .out(sendData(ctx.client, (t) => t.startsWith("HTTP/1.1 431 ")))
      .out(closeConnection(ctx.client));
  }, [3, 9]);
});

Deno.test("invalid chunk size: error hook and 400", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(
        new DataReceived(
          ctx.client,
          bytes("POST http://example.com/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
        ),
      )
      .out(hook("requestheaders", flow)).reply()
      .out(hook("error", flow)).reply()
      .out(sendData(ctx.client, (t) => t.startsWith("HTTP/1.1 400 ")))
      .out(closeConnection(ctx.client));
  });
});

Deno.test("client disconnects mid-body: the flow ends with an error", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(
        new DataReceived(
          ctx.client,
          bytes("POST http://example.com/ HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
        ),
      )
      .out(hook("requestheaders", flow)).reply()
      .in(new ConnectionClosed(ctx.client))
      .out(hook("error", flow)).reply()
      .out(sendData(ctx.client, (t) => t.startsWith("HTTP/1.1 400 ")))
      .out(closeConnection(ctx.client))
      .do(() => assertEquals(/client disconnected/.test(flow.value.error?.msg ?? ""), true));
  });
});

Deno.test("an addon's response short-circuits the server", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow))
      .do(() => (flow.value.response = Response.make(200, "from the proxy", [], 1)))
      .reply()
      .out(hook("responseheaders", flow)).reply()
      .out(hook("response", flow)).reply()
      .out(
        sendData(
          ctx.client,
          (t) => t.startsWith("HTTP/1.1 200 OK\r\n") && t.endsWith("\r\n\r\nfrom the proxy"),
        ),
      );
  });
});

Deno.test("a killed flow closes the connection", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow))
      .do(() => flow.value.kill())
      .reply()
      .out(hook("error", flow)).reply()
      .out(closeConnection(ctx.client));
  });
});

Deno.test("relative-form request in regular mode: 400 explaining the proxy setup", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n")))
      .out(hook("error", flow)).reply()
      .out(sendData(ctx.client, (t) => t.startsWith("HTTP/1.1 400 ") && t.includes("HTTP proxy")))
      .out(closeConnection(ctx.client));
  });
});

Deno.test("finished exchanges leave nothing behind (no per-request retention)", () => {
  const ctx = tctx({ response_timeout: 30 });
  const server = serverPlaceholder();
  const layer = regularHttpLayer(ctx);
  const pb = playbook(layer, { hooks: false })
    .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
    .out(openConnection(server)).reply(null)
    .out(sendData(server, GET_UPSTREAM))
    .out(where("RequestWakeup", (c) => c instanceof RequestWakeup))
    .in(() => new DataReceived(server.value, bytes(OK_RESPONSE)))
    .out(where("CancelWakeup", (c) => c instanceof CancelWakeup))
    .out(sendData(ctx.client, OK_RESPONSE));
  pb.check();
  assertEquals(layer.retained, { streams: 0, sources: 0, connectors: 0 });
});

Deno.test("a server that never answers: 504 after response_timeout", () => {
  checkPlaybook(() => {
    const ctx = tctx({ response_timeout: 30 });
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    const timer = placeholder<RequestWakeup>("timer");
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .out(
        where(
          "RequestWakeup(30)",
          (c) => c instanceof RequestWakeup && c.delay === 30 && timer.matches(c),
        ),
      )
      .in(() => new Wakeup(timer.value))
      .out(closeConnection(server))
      .out(hook("error", flow)).reply()
      .out(
        sendData(
          ctx.client,
          (t) => t.startsWith("HTTP/1.1 504 Gateway Timeout") && t.includes("30 seconds"),
        ),
      )
      .out(closeConnection(ctx.client));
  });
});

Deno.test("an addon answering at requestheaders: hooks run, connection closes if a body was coming", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(
        new DataReceived(
          ctx.client,
          bytes("POST http://example.com/ HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"),
        ),
      )
      .out(hook("requestheaders", flow))
      .do(() => (flow.value.response = Response.make(403, "no", [], 1)))
      .reply()
      .out(hook("responseheaders", flow)).reply()
      .out(hook("response", flow)).reply()
      .out(sendData(ctx.client, (t) => t.startsWith("HTTP/1.1 403 ") && t.endsWith("no")))
      .out(closeConnection(ctx.client));
  });
});

Deno.test("Content-Length: 0 on request and response completes at once", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx), { hooks: false })
      .in(
        new DataReceived(
          ctx.client,
          bytes(
            "POST http://example.com/ HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n",
          ),
        ),
      )
      .out(openConnection(server)).reply(null)
      .out(sendData(server, "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n"))
      .in(() =>
        new DataReceived(server.value, bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
      )
      .out(sendData(ctx.client, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  });
});

Deno.test("an empty chunked request is forwarded with its last chunk", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const server = serverPlaceholder();
    const head = "POST /x HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n";
    return playbook(regularHttpLayer(ctx), { hooks: false })
      .in(
        new DataReceived(
          ctx.client,
          bytes(head.replace("POST /x", "POST http://example.com/x") + "0\r\n\r\n"),
        ),
      )
      .out(openConnection(server)).reply(null)
      .out(sendData(server, head + "0\r\n\r\n"));
  });
});

Deno.test("Content-Length with Transfer-Encoding is refused (request smuggling)", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    return playbook(regularHttpLayer(ctx))
      .in(
        new DataReceived(
          ctx.client,
          bytes(
            "POST http://example.com/ HTTP/1.1\r\nContent-Length: 13\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
          ),
        ),
      )
      .out(
        sendData(ctx.client, (t) => t.startsWith("HTTP/1.1 400 ") && t.includes("Content-Length")),
      )
      .out(closeConnection(ctx.client));
  });
});

Deno.test("a client that leaves while waiting ends the flow and the server connection", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .in(new ConnectionClosed(ctx.client))
      .out(hook("error", flow)).reply()
      .out(closeConnection(server))
      .out(sendData(ctx.client, (t) => t.includes("Client disconnected.")))
      .out(closeConnection(ctx.client))
      .do(() => assertEquals(flow.value.error?.msg, "Client disconnected."));
  });
});
