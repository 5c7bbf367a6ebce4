/**
 * A gate in front of the proxy for clients that phone home (Chromium asks Google for the time,
 * updates and accounts in the background): only `CONNECT` to a loopback name is forwarded to
 * the proxy, byte for byte; anything else gets a 403 without any name being resolved, so no
 * traffic ever leaves the machine. Refused request lines are kept in `refused`.
 */

const LOOPBACK_TARGET = /^CONNECT (localhost|127\.0\.0\.1|\[::1\]):\d+ HTTP\/1\.[01]$/i;
const HEAD_END = new TextEncoder().encode("\r\n\r\n");
const MAX_HEAD = 16 * 1024;

function headLength(data: Uint8Array): number {
  outer: for (let i = 0; i + HEAD_END.length <= data.length; i++) {
    for (let j = 0; j < HEAD_END.length; j++) if (data[i + j] !== HEAD_END[j]) continue outer;
    return i + HEAD_END.length;
  }
  return -1;
}

function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

export class LoopbackGate {
  readonly refused: string[] = [];
  readonly #listener: Deno.Listener;
  readonly #conns = new Set<Deno.Conn>();
  readonly #handlers = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;

  constructor(readonly proxyPort: number) {
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#accepting = this.#accept();
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  async #accept(): Promise<void> {
    for await (const conn of this.#listener) {
      this.#conns.add(conn);
      const handler: Promise<void> = this.#serve(conn).finally(() => {
        this.#conns.delete(conn);
        this.#handlers.delete(handler);
      });
      this.#handlers.add(handler);
    }
  }

  async #serve(client: Deno.Conn): Promise<void> {
    let upstream: Deno.Conn | null = null;
    try {
      let head = new Uint8Array(0);
      const buf = new Uint8Array(4096);
      while (headLength(head) < 0) {
        const n = await client.read(buf);
        if (n === null || head.length > MAX_HEAD) return;
        const next = new Uint8Array(head.length + n);
        next.set(head);
        next.set(buf.subarray(0, n), head.length);
        head = next;
      }
      const line = new TextDecoder().decode(head).split("\r\n")[0];
      if (!LOOPBACK_TARGET.test(line)) {
        this.refused.push(line);
        await client.write(
          new TextEncoder().encode(
            "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
          ),
        );
        return;
      }
      upstream = await Deno.connect({ hostname: "127.0.0.1", port: this.proxyPort });
      this.#conns.add(upstream);
      await upstream.write(head);
      const up = upstream;
      await Promise.allSettled([
        client.readable.pipeTo(up.writable, { preventClose: true }).finally(() => closeQuietly(up)),
        up.readable.pipeTo(client.writable, { preventClose: true }).finally(() =>
          closeQuietly(client)
        ),
      ]);
    } catch {
      // A peer went away: the browser or the proxy closed the connection.
    } finally {
      closeQuietly(client);
      if (upstream !== null) {
        this.#conns.delete(upstream);
        closeQuietly(upstream);
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    await this.#accepting.catch(() => {});
    for (const conn of this.#conns) closeQuietly(conn);
    await Promise.allSettled([...this.#handlers]);
  }
}
