import assert from "node:assert/strict";
import tls from "node:tls";
import {
  ClientHelloReader,
  looksLikeTls,
  parseClientHello,
} from "../../../codecs/tls/client_hello.ts";
import type { ClientHello, ClientHelloResult } from "../../../codecs/tls/types.ts";
import {
  NODE_TLS_HELLO,
  OPENSSL_TLS12_NO_SNI_HELLO,
  OPENSSL_TLS13_HELLO,
} from "./client_hello_fixtures.ts";
import { splitAt } from "./tls_test_util.ts";

function helloOf(result: ClientHelloResult): ClientHello {
  if (result.kind !== "hello") throw new Error(`expected a hello, got ${JSON.stringify(result)}`);
  return result.hello;
}

const FIXTURES = [
  ["openssl TLS 1.3", OPENSSL_TLS13_HELLO],
  ["node:tls", NODE_TLS_HELLO],
  ["openssl TLS 1.2 without SNI", OPENSSL_TLS12_NO_SNI_HELLO],
] as const;

Deno.test("openssl s_client hello: SNI, ALPN, versions, suites, extensions", () => {
  const r = parseClientHello(OPENSSL_TLS13_HELLO);
  const hello = helloOf(r);
  assert.equal(r.kind === "hello" && r.length, 336);
  assert.equal(hello.sni, "example.test");
  assert.deepEqual(hello.alpnProtocols, ["h2", "http/1.1"]);
  assert.equal(hello.legacyVersion, 0x0303);
  assert.deepEqual(hello.supportedVersions, [0x0304, 0x0303, 0x0302, 0x0301]);
  assert.deepEqual(hello.cipherSuites.slice(0, 3), [0x1302, 0x1303, 0x1301]);
  assert.equal(hello.cipherSuites.length, 31);
  assert.equal(hello.cipherSuites.at(-1), 0x00ff);
  assert.equal(hello.sessionId.length, 32);
  assert.deepEqual(
    hello.extensions.map(([type]) => type),
    [0, 11, 10, 35, 16, 22, 23, 13, 43, 45, 51],
  );
  assert.deepEqual(hello.raw, OPENSSL_TLS13_HELLO.subarray(5));
  const [, sniData] = hello.extensions[0];
  assert.equal(sniData.length, 17);
});

Deno.test("node:tls hello (rustls underneath): SNI and ALPN", () => {
  const hello = helloOf(parseClientHello(NODE_TLS_HELLO));
  assert.equal(hello.sni, "node.example.test");
  assert.deepEqual(hello.alpnProtocols, ["h2", "http/1.1"]);
  assert.deepEqual(hello.supportedVersions, [0x0304, 0x0303]);
  assert.equal(hello.raw.length, NODE_TLS_HELLO.length - 5);
});

Deno.test("TLS 1.2 hello without SNI or ALPN", () => {
  const hello = helloOf(parseClientHello(OPENSSL_TLS12_NO_SNI_HELLO));
  assert.equal(hello.sni, null);
  assert.deepEqual(hello.alpnProtocols, []);
  assert.deepEqual(hello.supportedVersions, []);
  assert.equal(hello.cipherSuites.length, 28);
});

Deno.test("raw is a copy: mutating the input afterwards does not change the hello", () => {
  const input = OPENSSL_TLS13_HELLO.slice();
  const hello = helloOf(parseClientHello(input));
  input.fill(0);
  assert.equal(hello.sni, "example.test");
  assert.deepEqual(hello.raw, OPENSSL_TLS13_HELLO.subarray(5));
});

for (const [name, bytes] of FIXTURES) {
  Deno.test(`${name}: every proper prefix is incomplete`, () => {
    for (let i = 0; i < bytes.length; i++) {
      assert.deepEqual(parseClientHello(bytes.subarray(0, i)), { kind: "incomplete" }, `at ${i}`);
    }
  });

  Deno.test(`${name}: split into two reads at every byte gives the same hello`, () => {
    const whole = parseClientHello(bytes);
    for (let i = 0; i <= bytes.length; i++) {
      const reader = new ClientHelloReader();
      const [a, b] = splitAt(bytes, [i]);
      const first = reader.feed(a);
      if (i < bytes.length) assert.equal(first.kind, "incomplete", `at ${i}`);
      assert.deepEqual(reader.feed(b), whole, `at ${i}`);
    }
  });

  Deno.test(`${name}: one byte per read gives the same hello`, () => {
    const reader = new ClientHelloReader();
    let last: ClientHelloResult = { kind: "incomplete" };
    for (const byte of bytes) last = reader.feed(Uint8Array.of(byte));
    assert.deepEqual(last, parseClientHello(bytes));
  });
}

Deno.test("looksLikeTls: 0x16 0x03 0x00..0x04, judged on the bytes present", () => {
  assert.equal(looksLikeTls(Uint8Array.of()), true);
  assert.equal(looksLikeTls(Uint8Array.of(0x16)), true);
  assert.equal(looksLikeTls(Uint8Array.of(0x16, 0x03)), true);
  for (let minor = 0; minor <= 4; minor++) {
    assert.equal(looksLikeTls(Uint8Array.of(0x16, 0x03, minor, 0x01)), true);
  }
  assert.equal(looksLikeTls(Uint8Array.of(0x16, 0x03, 0x05)), false);
  assert.equal(looksLikeTls(Uint8Array.of(0x16, 0x02, 0x00)), false);
  assert.equal(looksLikeTls(new TextEncoder().encode("GET / HTTP/1.1\r\n")), false);
  assert.equal(looksLikeTls(Uint8Array.of(0x80, 0x2e, 0x01)), false); // SSLv2-style hello
  assert.equal(looksLikeTls(OPENSSL_TLS13_HELLO), true);
});

// Live captures: what today's openssl and node:tls send, read through the incremental reader.

async function captureFirstHello(connect: (port: number) => () => Promise<void>) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const stop = connect((listener.addr as Deno.NetAddr).port);
  const conn = await listener.accept();
  const reader = new ClientHelloReader();
  const buf = new Uint8Array(4096);
  let result: ClientHelloResult = { kind: "incomplete" };
  try {
    for (let reads = 0; reads < 64 && result.kind === "incomplete"; reads++) {
      const n = await conn.read(buf);
      if (n === null) break;
      result = reader.feed(buf.slice(0, n));
    }
  } finally {
    conn.close();
    listener.close();
    await stop();
  }
  return result;
}

Deno.test("live: openssl s_client -servername x -alpn h2,http/1.1", async () => {
  const result = await captureFirstHello((port) => {
    const child = new Deno.Command("openssl", {
      args: [
        "s_client",
        "-connect",
        `127.0.0.1:${port}`,
        "-servername",
        "live.example.test",
        "-alpn",
        "h2,http/1.1",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    return async () => {
      try {
        child.kill();
      } catch { /* already gone */ }
      await child.status;
    };
  });
  const hello = helloOf(result);
  assert.equal(hello.sni, "live.example.test");
  assert.deepEqual(hello.alpnProtocols, ["h2", "http/1.1"]);
  assert.ok(hello.supportedVersions.includes(0x0304));
});

Deno.test("live: node:tls client in Deno", async () => {
  const result = await captureFirstHello((port) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      servername: "node-live.example.test",
      ALPNProtocols: ["http/1.1"],
    });
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    return async () => {
      socket.destroy();
      await closed;
    };
  });
  const hello = helloOf(result);
  assert.equal(hello.sni, "node-live.example.test");
  assert.deepEqual(hello.alpnProtocols, ["http/1.1"]);
});
