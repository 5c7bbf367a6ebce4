import assert from "node:assert/strict";
import zlib from "node:zlib";
import type { WebSocketConnectionOptions } from "../../../codecs/websocket/connection.ts";
import { encodeFrame } from "../../../codecs/websocket/frame.ts";
import { MessageDeflater, MessageInflater } from "../../../codecs/websocket/message_deflate.ts";
import { Opcode } from "../../../codecs/websocket/opcode.ts";
import type { PerMessageDeflateParams } from "../../../codecs/websocket/permessage_deflate.ts";
import { client, concat, hex, protocolError, server, text, utf8 } from "./test_util.ts";

const PARAMS: PerMessageDeflateParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

function deflateOptions(
  params: Partial<PerMessageDeflateParams> = {},
): Partial<WebSocketConnectionOptions> {
  return { extensions: { permessageDeflate: { ...PARAMS, ...params } } };
}

function hello(frames: number, compressed = true) {
  return { type: "Message", opcode: "text", data: utf8("Hello"), compressed, frames };
}

/** An unmasked frame with RSV1 as given. */
function frame(opcode: number, payload: Uint8Array, fin = true, rsv1 = false): Uint8Array {
  return encodeFrame({ fin, rsv1, rsv2: false, rsv3: false, opcode, payload }, null);
}

Deno.test('RFC 7692 §7.2.3.1: "Hello" compresses to f2 48 cd c9 c9 07 00, one frame or two', () => {
  assert.deepEqual(server(deflateOptions()).send("Hello"), hex("c1 07 f2 48 cd c9 c9 07 00"));
  assert.deepEqual(client(deflateOptions()).receiveData(hex("c1 07 f2 48 cd c9 c9 07 00")), [
    hello(1),
  ]);
  assert.deepEqual(
    client(deflateOptions()).receiveData(hex("41 03 f2 48 cd  80 04 c9 c9 07 00")),
    [hello(2)],
  );
  // RSV1 only on the first frame of what we send, too.
  assert.deepEqual(
    server({ ...deflateOptions(), fragmentOutgoing: 3 }).send("Hello"),
    hex("41 03 f2 48 cd  00 03 c9 c9 07  80 01 00"),
  );
});

Deno.test('RFC 7692 §7.2.3.2: context takeover shrinks the second "Hello" to f2 00 11 00 00', () => {
  const sender = server(deflateOptions());
  const receiver = client(deflateOptions());
  const first = sender.send("Hello");
  const second = sender.send("Hello");
  assert.deepEqual(first, hex("c1 07 f2 48 cd c9 c9 07 00"));
  assert.deepEqual(second, hex("c1 05 f2 00 11 00 00"));
  assert.deepEqual(receiver.receiveData(concat([first, second])), [hello(1), hello(1)]);
  // Without context takeover both messages compress alike, and a receiver that drops its
  // window cannot read a message that refers back.
  const forgetful = server(deflateOptions({ serverNoContextTakeover: true }));
  assert.deepEqual(forgetful.send("Hello"), first);
  assert.deepEqual(forgetful.send("Hello"), first);
  const dropsWindow = client(deflateOptions({ serverNoContextTakeover: true }));
  const events = dropsWindow.receiveData(concat([first, second]));
  assert.deepEqual(events[0], hello(1));
  assert.equal(protocolError(events).code, 1007);
});

Deno.test("RFC 7692 §7.2.3.3-5: stored blocks, BFINAL blocks and two blocks in one message", () => {
  const cases = [
    "c1 0b 00 05 00 fa ff 48 65 6c 6c 6f 00",
    "c1 08 f3 48 cd c9 c9 07 00 00",
    "c1 0d f2 48 05 00 00 00 ff ff ca c9 c9 07 00",
  ];
  for (const bytes of cases) {
    const c = client(deflateOptions());
    // Twice: after a BFINAL block the next message starts a fresh stream.
    assert.deepEqual(c.receiveData(concat([hex(bytes), hex(bytes)])), [hello(1), hello(1)], bytes);
  }
});

Deno.test("RFC 7692 §7.2.3.6: an empty final fragment", () => {
  const c = client(deflateOptions());
  const wire = concat([
    frame(Opcode.TEXT, hex("f2 48 cd c9 c9 07 00 00 00 ff ff"), false, true),
    frame(Opcode.CONTINUATION, hex("00")),
  ]);
  assert.deepEqual(c.receiveData(wire), [hello(2)]);
  assert.deepEqual(server(deflateOptions()).send(""), hex("c1 01 00"));
  assert.deepEqual(client(deflateOptions()).receiveData(hex("c1 01 00 c1 01 00")), [
    { type: "Message", opcode: "text", data: new Uint8Array(0), compressed: true, frames: 1 },
    { type: "Message", opcode: "text", data: new Uint8Array(0), compressed: true, frames: 1 },
  ]);
});

Deno.test("uncompressed messages may be mixed in; compress: false sends one", () => {
  const s = server(deflateOptions());
  const c = client(deflateOptions());
  const wire = concat([
    s.send("Hello"),
    s.send({ opcode: "text", data: "Hello", compress: false }),
    s.send("Hello"),
  ]);
  assert.deepEqual(wire.subarray(9, 16), hex("81 05 48 65 6c 6c 6f"));
  assert.deepEqual(c.receiveData(wire), [hello(1), hello(1, false), hello(1)]);
});

Deno.test("RSV1 rules with the extension: continuation and control frames never carry it", () => {
  const c = () => client(deflateOptions());
  assert.match(
    protocolError(
      c().receiveData(
        concat([frame(Opcode.TEXT, hex("f2"), false, true), frame(0, hex("00"), true, true)]),
      ),
    )
      .message,
    /RSV1 bit set on a CONTINUATION frame/,
  );
  assert.match(
    protocolError(c().receiveData(frame(Opcode.PING, hex(""), true, true))).message,
    /PING/,
  );
  assert.equal(protocolError(client().receiveData(hex("c1 07 f2 48 cd c9 c9 07 00"))).code, 1002);
});

Deno.test("corrupt DEFLATE data is 1007", () => {
  const events = client(deflateOptions()).receiveData(
    frame(Opcode.BINARY, hex("ff ff ff"), true, true),
  );
  const error = protocolError(events);
  assert.equal(error.code, 1007);
  assert.match(error.message, /not valid DEFLATE data/);
});

Deno.test("a deflate bomb stops at maxMessageSize (1009) without inflating the rest", () => {
  const bomb = zlib.deflateRawSync(new Uint8Array(50 * 1024 * 1024), {
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  assert.ok(bomb.length < 100_000);
  const payload = bomb.subarray(0, bomb.length - 4);
  const limit = 1024 * 1024;
  const started = performance.now();
  const single = client({ ...deflateOptions(), maxMessageSize: limit });
  const error = protocolError(single.receiveData(frame(Opcode.BINARY, payload, true, true)));
  assert.equal(error.code, 1009);
  assert.match(error.message, /decompressed message exceeds the maximum message size/);
  // The same bomb in 1000-byte fragments: the limit holds across fragments.
  const fragmented = client({ ...deflateOptions(), maxMessageSize: limit });
  const parts: Uint8Array[] = [];
  for (let at = 0; at < payload.length; at += 1000) {
    const end = Math.min(at + 1000, payload.length);
    parts.push(
      frame(
        at === 0 ? Opcode.BINARY : 0,
        payload.subarray(at, end),
        end === payload.length,
        at === 0,
      ),
    );
  }
  assert.equal(protocolError(fragmented.receiveData(concat(parts))).code, 1009);
  assert.ok(performance.now() - started < 2000, "stopped early rather than inflating 50 MiB");
});

Deno.test("a message exactly at maxMessageSize still inflates", () => {
  const data = new Uint8Array(4096).map((_, i) => i % 7);
  const wire = server(deflateOptions()).send(data);
  const [event] = client({ ...deflateOptions(), maxMessageSize: 4096 }).receiveData(wire);
  assert.deepEqual(event, { type: "Message", opcode: "binary", data, compressed: true, frames: 1 });
  const over = client({ ...deflateOptions(), maxMessageSize: 4095 }).receiveData(wire);
  assert.equal(protocolError(over).code, 1009);
});

Deno.test("small windows: the compressor keeps within its window bits", async () => {
  // Repeats 1000 bytes apart: a 9-bit (512-byte) window cannot refer back that far.
  const block = new Uint8Array(1000).map((_, i) => (i * 7919) % 251);
  const data = concat([block, block, block]);
  const wide = server(deflateOptions()).send(data);
  const narrow = server(deflateOptions({ serverMaxWindowBits: 9 })).send(data);
  assert.ok(wide.length < narrow.length, `${wide.length} < ${narrow.length}`);
  // An independent inflater with a 512-byte window reads it.
  const tail = concat([narrow.subarray(4), hex("00 00 ff ff")]);
  const inflated = await new Promise<Uint8Array>((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const inflate = zlib.createInflateRaw({ windowBits: 9 });
    inflate.on("data", (c: Uint8Array) => chunks.push(c));
    inflate.on("error", reject);
    inflate.write(tail, () => inflate.flush(() => resolve(concat(chunks))));
  });
  assert.deepEqual(inflated, data);
});

Deno.test("an 8-bit window cannot be produced by zlib, so that side sends uncompressed", () => {
  const s = server(deflateOptions({ serverMaxWindowBits: 8 }));
  assert.deepEqual(s.send("Hello"), hex("81 05 48 65 6c 6c 6f"));
  // It still inflates what the client compresses.
  const c = client(deflateOptions({ serverMaxWindowBits: 8 }));
  const wire = c.send("Hello");
  assert.equal(wire[0], 0xc1);
  assert.deepEqual(s.receiveData(wire), [hello(1)]);
  assert.throws(
    () => new MessageDeflater({ noContextTakeover: false, maxWindowBits: 8 }),
    /canDeflate/,
  );
});

Deno.test("our context-takeover stream decodes with node:zlib's own streaming inflater", async () => {
  const s = server(deflateOptions());
  const messages = ["Hello", "Hello", "Hello, world", "world, Hello", "x".repeat(5000), ""];
  const payloads = messages.map((m) => {
    const wire = s.send(m);
    const headerSize = wire[1] === 126 ? 4 : 2;
    return wire.subarray(headerSize);
  });
  const inflate = zlib.createInflateRaw();
  const decoded: string[] = [];
  for (const payload of payloads) {
    const out = await new Promise<Uint8Array>((resolve, reject) => {
      const chunks: Uint8Array[] = [];
      const onData = (c: Uint8Array) => chunks.push(c);
      inflate.on("data", onData);
      inflate.once("error", reject);
      inflate.write(
        concat([payload, hex("00 00 ff ff")]),
        () =>
          inflate.flush(zlib.constants.Z_SYNC_FLUSH, () => {
            inflate.off("data", onData);
            resolve(concat(chunks));
          }),
      );
    });
    decoded.push(text(out));
  }
  inflate.close();
  assert.deepEqual(decoded, messages);
});

Deno.test("MessageInflater and MessageDeflater alone: limits per fragment and per message", () => {
  const deflater = new MessageDeflater({ noContextTakeover: false, maxWindowBits: 15 });
  const inflater = new MessageInflater({ noContextTakeover: false, maxWindowBits: 15 });
  const data = utf8("abcabcabcabcabcabc");
  const compressed = deflater.compress(data);
  const part = inflater.push(compressed, 100);
  assert.ok(part instanceof Uint8Array);
  const rest = inflater.finish(100 - part.length);
  assert.ok(rest instanceof Uint8Array);
  assert.deepEqual(concat([part, rest]), data);
  const again = inflater.push(deflater.compress(data), 5);
  assert.equal((again as { code: number }).code, 1009);
  deflater.dispose();
  inflater.dispose();
});

Deno.test("a closed connection frees its zlib streams and keeps working without them", () => {
  const s = server(deflateOptions());
  const c = client(deflateOptions());
  s.receiveData(c.sendClose(1000));
  s.sendClose(1000);
  assert.equal(s.state, "closed");
  // Disposed by hand: nothing more is read, and messages go out uncompressed.
  const wire = server(deflateOptions()).send("Hello");
  {
    using disposable = client(deflateOptions());
    disposable.dispose();
    assert.deepEqual(disposable.receiveData(wire), []);
    assert.equal(disposable.send("Hello")[0], 0x81);
  }
});
