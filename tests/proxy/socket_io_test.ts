import assert from "node:assert/strict";
import { SocketIo, type Transport } from "../../proxy/socket_io.ts";

/** Serves scripted chunks to reads (split when a read's buffer is smaller) and records writes. */
class ScriptedTransport implements Transport {
  readonly readSizes: number[] = [];
  readonly written: Uint8Array[] = [];
  constructor(readonly chunks: Uint8Array[]) {}
  read(buffer: Uint8Array): Promise<number | null> {
    this.readSizes.push(buffer.length);
    const next = this.chunks.shift();
    if (next === undefined) return Promise.resolve(null);
    const n = Math.min(next.length, buffer.length);
    buffer.set(next.subarray(0, n));
    if (n < next.length) this.chunks.unshift(next.subarray(n));
    return Promise.resolve(n);
  }
  write(data: Uint8Array): Promise<number> {
    this.written.push(data.slice());
    return Promise.resolve(data.length);
  }
  closeWrite(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

function filled(size: number, value: number): Uint8Array {
  return new Uint8Array(size).fill(value);
}

async function readAll(transport: ScriptedTransport): Promise<Uint8Array[]> {
  const got: Uint8Array[] = [];
  const error = await new SocketIo(transport).readLoop((d) => got.push(d), () => {});
  assert.equal(error, null);
  return got;
}

Deno.test("socket io: small reads share buffers and no chunk is overwritten by a later read", async () => {
  const sizes = Array.from({ length: 400 }, (_, i) => 50 + (i * 37) % 300);
  const got = await readAll(new ScriptedTransport(sizes.map((n, i) => filled(n, i % 251))));
  assert.equal(got.length, sizes.length);
  got.forEach((chunk, i) => {
    assert.equal(chunk.length, sizes[i]);
    assert.ok(chunk.every((b) => b === i % 251), `chunk ${i} changed after later reads`);
  });
  const buffers = new Set(got.map((c) => c.buffer)).size;
  assert.ok(buffers < sizes.length / 10, `${buffers} buffers for ${sizes.length} small reads`);
});

Deno.test("socket io: full reads grow the buffer and are handed over whole", async () => {
  const transport = new ScriptedTransport([
    filled(16 * 1024, 1),
    filled(32 * 1024, 2),
    filled(10, 3),
  ]);
  const got = await readAll(transport);
  assert.deepEqual(transport.readSizes.slice(0, 3), [16 * 1024, 32 * 1024, 64 * 1024]);
  assert.deepEqual(got.map((c) => [c.length, c[0]]), [[16 * 1024, 1], [32 * 1024, 2], [10, 3]]);
  assert.ok(got[0].every((b) => b === 1) && got[1].every((b) => b === 2));
});

Deno.test("socket io: a read that fills a shared buffer's rest is followed by a fresh buffer", async () => {
  // 100 bytes, then a bulk transfer: the second read gets the rest of the first buffer.
  const transport = new ScriptedTransport([filled(100, 1), filled(40 * 1024, 2)]);
  const got = await readAll(transport);
  assert.equal(transport.readSizes[0], 16 * 1024);
  assert.equal(transport.readSizes[1], 16 * 1024 - 100);
  assert.equal(transport.readSizes[2], 16 * 1024);
  assert.equal(got.reduce((n, c) => n + c.length, 0), 100 + 40 * 1024);
  assert.ok(got[0].every((b) => b === 1));
  assert.ok(got.slice(1).every((c) => c.every((b) => b === 2)));
});

Deno.test("socket io: writes queued in one turn leave in one write, bytes in order", async () => {
  const transport = new ScriptedTransport([]);
  const io = new SocketIo(transport);
  io.write(filled(150, 1));
  io.write(filled(100, 2));
  io.write(filled(3, 3));
  await io.closeAfterFlush();
  assert.equal(transport.written.length, 1);
  assert.deepEqual(
    transport.written[0],
    new Uint8Array([...filled(150, 1), ...filled(100, 2), 3, 3, 3]),
  );
  assert.equal(io.queuedBytes, 0);
});
