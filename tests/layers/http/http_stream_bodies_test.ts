import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { DataReceived } from "../../../layers/events.ts";
import {
  bytes,
  checkPlaybook,
  closeConnection,
  hook,
  openConnection,
  playbook,
  sendData,
} from "../../playbook.ts";
import { tctx } from "../../tctx.ts";
import {
  builtinNextLayer,
  flowPlaceholder,
  GET_REQUEST,
  GET_UPSTREAM,
  regularHttpLayer,
  serverPlaceholder,
} from "./http_helpers.ts";

Deno.test("stream_large_bodies: a large response streams through before it ends", () => {
  checkPlaybook(() => {
    const ctx = tctx({ stream_large_bodies: 10 });
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .in(() =>
        new DataReceived(
          server.value,
          bytes("HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789"),
        )
      )
      .out(hook("responseheaders", flow)).reply()
      .out(sendData(ctx.client, "HTTP/1.1 200 OK\r\nContent-Length: 20\r\n\r\n0123456789"))
      .in(() => new DataReceived(server.value, bytes("abcdefghij")))
      .out(sendData(ctx.client, "abcdefghij"))
      .out(hook("response", flow)).reply()
      .do(() => {
        assertEquals(flow.value.response?.stream, true);
        assertEquals(flow.value.response?.raw_content, null);
      });
  }, []);
});

Deno.test("stream_large_bodies: chunked response of unknown size switches to streaming", () => {
  checkPlaybook(() => {
    const ctx = tctx({ stream_large_bodies: 4 });
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .in(() =>
        new DataReceived(
          server.value,
          bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"),
        )
      )
      .out(hook("responseheaders", flow)).reply()
      .in(() => new DataReceived(server.value, bytes("3\r\ndef\r\n0\r\n\r\n")))
      .out(
        sendData(
          ctx.client,
          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n",
        ),
      )
      .out(hook("response", flow)).reply()
      .out(sendData(ctx.client, "0\r\n\r\n"));
  }, []);
});

Deno.test("stream_large_bodies: a large request body streams to the server", () => {
  checkPlaybook(() => {
    const ctx = tctx({ stream_large_bodies: 5 });
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(
        new DataReceived(
          ctx.client,
          bytes("POST http://example.com/ HTTP/1.1\r\nContent-Length: 8\r\n\r\nabcd"),
        ),
      )
      .out(hook("requestheaders", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(
        sendData(server, "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 8\r\n\r\nabcd"),
      )
      .in(new DataReceived(ctx.client, bytes("efgh")))
      .out(sendData(server, "efgh"))
      .out(hook("request", flow)).reply()
      .in(() => new DataReceived(server.value, bytes("HTTP/1.1 204 No Content\r\n\r\n")))
      .out(hook("responseheaders", flow)).reply()
      .out(hook("response", flow)).reply()
      .out(sendData(ctx.client, "HTTP/1.1 204 No Content\r\n\r\n"));
  }, []);
});

Deno.test("body_size_limit: a too large request gets 413 and the error hook", () => {
  checkPlaybook(() => {
    const ctx = tctx({ body_size_limit: 3 });
    const flow = flowPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(
        new DataReceived(
          ctx.client,
          bytes("POST http://example.com/ HTTP/1.1\r\nContent-Length: 8\r\n\r\nabcdefgh"),
        ),
      )
      .out(hook("requestheaders", flow)).reply()
      .out(hook("error", flow)).reply()
      .out(
        sendData(ctx.client, (t) => t.startsWith("HTTP/1.1 413 ") && t.includes("body_size_limit")),
      )
      .out(closeConnection(ctx.client));
  });
});

Deno.test("body_size_limit: a too large response gets 502 and the error hook", () => {
  checkPlaybook(() => {
    const ctx = tctx({ body_size_limit: 3 });
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .in(() =>
        new DataReceived(
          server.value,
          bytes("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nabcdefgh"),
        )
      )
      .out(hook("responseheaders", flow)).reply()
      .out(hook("error", flow)).reply()
      .out(
        sendData(ctx.client, (t) => t.startsWith("HTTP/1.1 502 ") && t.includes("body_size_limit")),
      )
      .out(closeConnection(ctx.client));
  });
});

Deno.test("101 Switching Protocols hands both connections to a tunnel", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const server = serverPlaceholder();
    const upgrade =
      "GET http://example.com/ws HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n";
    const switching =
      "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n";
    return playbook(regularHttpLayer(ctx), { hooks: false, onHook: builtinNextLayer })
      .in(new DataReceived(ctx.client, bytes(upgrade)))
      .out(openConnection(server)).reply(null)
      .out(
        sendData(
          server,
          "GET /ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n",
        ),
      )
      .in(() => new DataReceived(server.value, bytes(switching)))
      .out(sendData(ctx.client, switching))
      .in(new DataReceived(ctx.client, bytes("\x00binary")))
      .out(sendData(server, "\x00binary"));
  }, []);
});

Deno.test("server-sent events stream through at once and are still recorded", () => {
  checkPlaybook(() => {
    const ctx = tctx();
    const flow = flowPlaceholder();
    const server = serverPlaceholder();
    const head =
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    return playbook(regularHttpLayer(ctx))
      .in(new DataReceived(ctx.client, bytes(GET_REQUEST)))
      .out(hook("requestheaders", flow)).reply()
      .out(hook("request", flow)).reply()
      .out(openConnection(server)).reply(null)
      .out(sendData(server, GET_UPSTREAM))
      .in(() => new DataReceived(server.value, bytes(head)))
      .out(hook("responseheaders", flow)).reply()
      .out(sendData(ctx.client, head))
      .in(() => new DataReceived(server.value, bytes("9\r\ndata: a\n\n\r\n")))
      .out(sendData(ctx.client, "9\r\ndata: a\n\n\r\n"))
      .in(() => new DataReceived(server.value, bytes("0\r\n\r\n")))
      .out(hook("response", flow)).reply()
      .out(sendData(ctx.client, "0\r\n\r\n"))
      .do(() => assertEquals(flow.value.response?.text, "data: a\n\n"));
  }, []);
});
