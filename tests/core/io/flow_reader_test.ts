import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { concatBytes, latin1Encode } from "../../../codecs/bytes.ts";
import type { Flow } from "../../../core/flow/flow.ts";
import type { HttpFlow } from "../../../core/flow/http.ts";
import type { TcpFlow } from "../../../core/flow/tcp.ts";
import { FlowReadError, type FlowSource, readFlows } from "../../../core/io/flow_reader.ts";
import { encodeFlowState } from "../../../core/io/flow_writer.ts";
import { tflow, ttcpflow } from "../flow/tflow.ts";
import { dumpfile } from "./fixtures.ts";

async function readAll(
  source: FlowSource,
  name?: string,
): Promise<{ flows: Flow[]; warnings: string[] }> {
  const warnings: string[] = [];
  const flows: Flow[] = [];
  for await (const f of readFlows(source, { name, onWarning: (m) => warnings.push(m) })) {
    flows.push(f);
  }
  return { flows, warnings };
}

function streamOf(bytes: Uint8Array, chunk = 7): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    pull(c) {
      if (i >= bytes.length) return c.close();
      c.enqueue(bytes.slice(i, i += chunk));
    },
  });
}

const http = (flows: Flow[], i: number) => flows[i] as HttpFlow;

Deno.test("fixture 0.11 (bytes keys) reads", async () => {
  const { flows, warnings } = await readAll(dumpfile("dumpfile-011.mitm"));
  strictEqual(flows.length, 1);
  deepStrictEqual(warnings, []);
  const f = http(flows, 0);
  strictEqual(f.request.method, "GET");
  strictEqual(f.request.host, "example.com");
  strictEqual(f.request.url, "https://example.com/");
  strictEqual(f.request.http_version, "HTTP/1.1");
  strictEqual(f.response?.status_code, 200);
  strictEqual(f.response?.reason, "OK");
  strictEqual(f.response?.raw_content?.length, 1270);
  deepStrictEqual(f.client_conn.peername, ["127.0.0.1", 60786]);
  deepStrictEqual(f.server_conn.address, ["example.com", 443]);
  strictEqual(f.server_conn.certificate_list.length, 1);
  strictEqual(f.server_conn.sni, "example.com");
  strictEqual(f.id, "e072a53a-711a-46b7-aaa5-ad61ac7e4459");
  strictEqual(f.marked, "");
  strictEqual(f.timestamp_created, 1469208634.706);
});

Deno.test("fixture 0.18 reads (old upstream 'via' connection is dropped)", async () => {
  const { flows } = await readAll(dumpfile("dumpfile-018.mitm"));
  strictEqual(flows.length, 1);
  const f = http(flows, 0);
  strictEqual(f.request.url, "https://www.example.com/");
  strictEqual(f.response?.status_code, 200);
  strictEqual(f.server_conn.via, null);
  deepStrictEqual(f.server_conn.peername, ["93.184.216.34", 443]);
  // 13 -> 14 fills in the missing response timestamps.
  strictEqual(f.response?.timestamp_start, f.request.timestamp_end);
});

Deno.test("fixture 'dumpfile-019' (format 7) reads: HTTP/2 request without response", async () => {
  const { flows } = await readAll(dumpfile("dumpfile-019.mitm"));
  strictEqual(flows.length, 1);
  const f = http(flows, 0);
  ok(f.request.url.startsWith("https://webrv.rtb-seller.com/"));
  strictEqual(f.request.http_version, "HTTP/2.0");
  strictEqual(f.response, null);
  deepStrictEqual(f.client_conn.peername, ["::ffff:127.0.0.1", 53976]);
  strictEqual(f.client_conn.alpn, "h2");
  strictEqual(f.client_conn.cipher, "TLS_AES_256_GCM_SHA384");
  strictEqual(f.client_conn.proxy_mode, "regular");
});

Deno.test("fixture 7 (format 11) reads two flows", async () => {
  const { flows } = await readAll(dumpfile("dumpfile-7.mitm"));
  strictEqual(flows.length, 2);
  strictEqual(http(flows, 0).request.url, "http://example.com/");
  strictEqual(http(flows, 1).request.url, "https://example.com/");
  strictEqual(http(flows, 1).request.authority, "example.com");
  strictEqual(http(flows, 1).response?.http_version, "HTTP/2.0");
  // sni=True (old "use the address") became the host name.
  strictEqual(http(flows, 0).server_conn.sni, "example.com");
  deepStrictEqual(http(flows, 1).client_conn.alpn_offers, ["h2", "http/1.1"]);
});

Deno.test("fixture 7-websocket: legacy WebSocket flows are merged into HTTP flows", async () => {
  const { flows } = await readAll(dumpfile("dumpfile-7-websocket.mitm"));
  strictEqual(flows.length, 6);
  ok(flows.every((f) => f.type === "http"));
  const ws = flows.map((f) => (f as HttpFlow).websocket);
  deepStrictEqual(ws.map((w) => w?.messages.length ?? null), [null, 2, 2, null, 2, null]);
  const merged = http(flows, 1);
  strictEqual(merged.id, http(flows, 0).id);
  strictEqual(merged.request.url, "http://echo.websocket.org/?encoding=text");
  strictEqual(merged.response?.status_code, 101);
  const [m0, m1] = merged.websocket!.messages;
  strictEqual(m0.text, "Rock it with HTML5 WebSocket");
  strictEqual(m0.from_client, true);
  strictEqual(m1.from_client, false);
  strictEqual(m0.injected, false);
  strictEqual(merged.websocket!.closed_by_client, true);
  strictEqual(merged.websocket!.close_code, 1005);
  ok(String(merged.metadata.duplicated).includes("duplicated"));
  // The second WebSocket flow of the same handshake gets a made-up handshake, as in mitmproxy.
  strictEqual(http(flows, 2).request.host, "unknown");
  ok(http(flows, 5).request.url.startsWith("https://echo.websocket.org/"));
});

Deno.test("fixture 10 reads: marked=True becomes ':default:'", async () => {
  const { flows } = await readAll(dumpfile("dumpfile-10.mitm"));
  strictEqual(flows.length, 1);
  const f = http(flows, 0);
  strictEqual(f.request.url, "https://example.com/");
  strictEqual(f.marked, ":default:");
  strictEqual(f.client_conn.timestamp_start, 0);
});

Deno.test("fixture 19 (format 20, HTTP/3 over QUIC) reads", async () => {
  const { flows } = await readAll(dumpfile("dumpfile-19.mitm"));
  strictEqual(flows.length, 1);
  const f = http(flows, 0);
  strictEqual(f.request.url, "https://cloudflare-quic.com/");
  strictEqual(f.request.http_version, "HTTP/3");
  strictEqual(f.response?.status_code, 200);
  strictEqual(f.response?.raw_content?.length, 125959);
  strictEqual(f.client_conn.tls_version, "QUICv1");
  strictEqual(f.client_conn.transport_protocol, "udp");
  strictEqual(f.client_conn.proxy_mode, "reverse:https://cloudflare-quic.com/");
});

Deno.test("fixture 0.10 is too old: a clear error naming the file and offset", async () => {
  const path = dumpfile("dumpfile-010.mitm");
  await rejects(readAll(path), (e) => {
    ok(e instanceof FlowReadError);
    strictEqual(e.offset, 0);
    strictEqual(
      e.message,
      `${path.pathname}: flow at byte 0: flow file version 0.10 is too old to read`,
    );
    return true;
  });
});

Deno.test("stdin-like streams, open files and paths read alike", async () => {
  const bytes = concatBytes([
    encodeFlowState(tflow({ resp: true }).getState()),
    encodeFlowState(ttcpflow().getState()),
  ]);
  const fromStream = await readAll(streamOf(bytes, 3));
  strictEqual(fromStream.flows.length, 2);
  strictEqual(fromStream.flows[1].type, "tcp");
  strictEqual((fromStream.flows[1] as TcpFlow).messages.length, 2);
  const path = await Deno.makeTempFile({ suffix: ".mitm" });
  try {
    await Deno.writeFile(path, bytes);
    using file = await Deno.open(path);
    strictEqual((await readAll(file)).flows.length, 2);
    // The caller's file stays open.
    strictEqual(await file.seek(0, Deno.SeekMode.Start), 0);
    strictEqual((await readAll(path)).flows.length, 2);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("an empty source has no flows", async () => {
  deepStrictEqual(await readAll(streamOf(new Uint8Array(0))), { flows: [], warnings: [] });
});

Deno.test("a truncated last flow is skipped with a warning; earlier flows are kept", async () => {
  const one = encodeFlowState(tflow({ resp: true }).getState());
  const bytes = concatBytes([one, one, one.subarray(0, 100)]);
  const { flows, warnings } = await readAll(streamOf(bytes, 1000), "dump.mitm");
  strictEqual(flows.length, 2);
  strictEqual(warnings.length, 1);
  ok(warnings[0].startsWith("dump.mitm: skipped a truncated flow"), warnings[0]);
  ok(warnings[0].includes(`at byte ${2 * one.length}`), warnings[0]);
});

Deno.test("corruption: flows before it are yielded, then an error with file and offset", async () => {
  const one = encodeFlowState(tflow().getState());
  const bad = one.slice();
  bad[bad.length - 1] = 0x3f; // "?" instead of "}"
  const got: Flow[] = [];
  await rejects(
    (async () => {
      for await (const f of readFlows(streamOf(concatBytes([one, bad])), { name: "x.mitm" })) {
        got.push(f);
      }
    })(),
    (e) => {
      ok(e instanceof FlowReadError);
      strictEqual(e.offset, 2 * one.length - 1);
      strictEqual(
        e.message,
        `x.mitm: invalid tnetstring at byte ${2 * one.length - 1}: unknown type tag "?"`,
      );
      return true;
    },
  );
  strictEqual(got.length, 1);
});

Deno.test("a value that is not a flow, or malformed state, is an error at its offset", async () => {
  await rejects(readAll(streamOf(latin1Encode("0:~")), "n.mitm"), {
    message: "n.mitm: flow at byte 0 is not a dict but None",
  });
  const s = tflow().getState();
  s.request = null;
  await rejects(readAll(streamOf(encodeFlowState(s)), "n.mitm"), {
    message: "n.mitm: flow at byte 0: request: expected dict, got null",
  });
});

Deno.test("flow types we do not model are skipped with a warning", async () => {
  const dns = tflow().getState();
  dns.type = "dns";
  const bytes = concatBytes([encodeFlowState(dns), encodeFlowState(tflow().getState())]);
  const { flows, warnings } = await readAll(streamOf(bytes), "d.mitm");
  strictEqual(flows.length, 1);
  deepStrictEqual(warnings, ['d.mitm: skipped flow at byte 0: flow type "dns" is not supported']);
});

Deno.test("HAR files (optionally with a BOM) are read as HAR, even when tiny", async () => {
  for (const text of ['{"log": {"entries": []}}', '\ufeff{"log": {"entries": []}}']) {
    const { flows, warnings } = await readAll(streamOf(new TextEncoder().encode(text), 1), "a.har");
    deepStrictEqual([flows, warnings], [[], []]);
  }
  for (const [text, problem] of [["{", "invalid JSON"], ["{}", "missing log"]]) {
    await rejects(readAll(streamOf(new TextEncoder().encode(text), 1), "a.har"), (e) => {
      ok(e instanceof FlowReadError);
      ok(e.message.startsWith(`a.har: not a HAR file: ${problem}`), e.message);
      return true;
    });
  }
});

Deno.test("stopping early cancels the stream", async () => {
  let cancelled = false;
  const one = encodeFlowState(tflow().getState());
  const source = new ReadableStream<Uint8Array>({
    pull(c) {
      c.enqueue(one);
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const _ of readFlows(source)) break;
  strictEqual(cancelled, true);
});
