/**
 * The HTTPS load client (wrk cannot CONNECT): opens TCP to the proxy, sends `CONNECT`, upgrades
 * the tunnel to TLS with `Deno.startTls` (SNI = the name the client asks for, verified against
 * the CA the peer signs with), then sends HTTP/1.1 GETs and reads the responses. Two loads:
 *
 * - `keepAliveLoad`: N connections opened first, then GETs back to back on each for a fixed time
 *   (requests/s, per-request latency);
 * - `newConnectionLoad`: N workers that each loop "connect, CONNECT, handshake, one GET, close"
 *   for a fixed time (handshakes/s, per-connection latency), with a fresh name per connection
 *   or always the same one.
 */

const encoder = new TextEncoder();
const HEAD_END = encoder.encode("\r\n\r\n");

export interface TlsTarget {
  /** Port of the proxy, or of the origin itself for "direct" (no CONNECT). */
  connectPort: number;
  viaProxy: boolean;
  /** `CONNECT` request target for a given TLS name (peers route differently, see tls_peers). */
  connectTarget(name: string): string;
  /** CA certificate(s) the client trusts, PEM. */
  caPem: string;
  /** Host header of the GETs. */
  hostHeader: string;
  path: string;
}

export interface LoadResult {
  /** Completed requests (keep-alive) or completed connections (new-connection load). */
  completed: number;
  durationS: number;
  perSecond: number;
  latencyP50Ms: number;
  latencyP90Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  errors: number;
  /** The first few distinct error messages. */
  errorSamples: string[];
  /** Responses that were not 200. */
  non200: number;
  bytesRead: number;
}

class Stats {
  latencies: number[] = [];
  completed = 0;
  errors = 0;
  non200 = 0;
  bytesRead = 0;
  samples = new Set<string>();
  counting = false;

  error(e: unknown): void {
    if (!this.counting) return;
    this.errors++;
    if (this.samples.size < 5) this.samples.add(e instanceof Error ? e.message : String(e));
  }

  result(durationS: number): LoadResult {
    const sorted = Float64Array.from(this.latencies).sort();
    const q = (p: number) =>
      sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
    return {
      completed: this.completed,
      durationS,
      perSecond: this.completed / durationS,
      latencyP50Ms: q(0.5),
      latencyP90Ms: q(0.9),
      latencyP99Ms: q(0.99),
      latencyMaxMs: sorted.length === 0 ? 0 : sorted[sorted.length - 1],
      errors: this.errors,
      errorSamples: [...this.samples],
      non200: this.non200,
      bytesRead: this.bytesRead,
    };
  }
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

async function writeAll(conn: Deno.Conn | Deno.TlsConn, data: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < data.length) offset += await conn.write(data.subarray(offset));
}

/** A connection with a read buffer, for reading HTTP/1 responses. */
class Reader {
  #buf = new Uint8Array(0);
  readonly #chunk = new Uint8Array(64 * 1024);
  bytesRead = 0;

  constructor(readonly conn: Deno.Conn | Deno.TlsConn) {}

  async #fill(): Promise<void> {
    const n = await this.conn.read(this.#chunk);
    if (n === null) throw new Error("connection closed by the peer");
    this.bytesRead += n;
    const next = new Uint8Array(this.#buf.length + n);
    next.set(this.#buf);
    next.set(this.#chunk.subarray(0, n), this.#buf.length);
    this.#buf = next;
  }

  async head(): Promise<string> {
    let end: number;
    while ((end = indexOf(this.#buf, HEAD_END)) < 0) {
      if (this.#buf.length > 64 * 1024) throw new Error("response head larger than 64 KiB");
      await this.#fill();
    }
    const head = new TextDecoder().decode(this.#buf.subarray(0, end));
    this.#buf = this.#buf.subarray(end + HEAD_END.length);
    return head;
  }

  async line(): Promise<string> {
    let end: number;
    while ((end = indexOf(this.#buf, HEAD_END.subarray(0, 2))) < 0) await this.#fill();
    const line = new TextDecoder().decode(this.#buf.subarray(0, end));
    this.#buf = this.#buf.subarray(end + 2);
    return line;
  }

  async skip(n: number): Promise<void> {
    while (this.#buf.length < n) await this.#fill();
    this.#buf = this.#buf.subarray(n);
  }

  /** Bytes read but not consumed (must be none after a CONNECT reply). */
  get pending(): number {
    return this.#buf.length;
  }
}

/** Reads one response; returns its status. Content-Length and chunked bodies. */
async function readResponse(reader: Reader): Promise<number> {
  const head = await reader.head();
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
  if (!Number.isFinite(status)) throw new Error(`bad status line: ${head.split("\r\n")[0]}`);
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length !== null) {
    await reader.skip(Number(length[1]));
  } else if (/\r\ntransfer-encoding:[^\r]*chunked/i.test(head)) {
    while (true) {
      const size = parseInt((await reader.line()).split(";")[0], 16);
      if (!Number.isFinite(size)) throw new Error("bad chunk size");
      if (size === 0) {
        while ((await reader.line()) !== "") {
          // Trailers.
        }
        break;
      }
      await reader.skip(size + 2);
    }
  } else if (status !== 204 && status !== 304) {
    throw new Error(`response without Content-Length or chunked framing (status ${status})`);
  }
  return status;
}

/** TCP to the proxy, CONNECT, TLS with `name` as SNI and verified name. */
export async function openTls(target: TlsTarget, name: string): Promise<Deno.TlsConn> {
  const tcp = await Deno.connect({ hostname: "127.0.0.1", port: target.connectPort });
  try {
    tcp.setNoDelay(true);
    if (target.viaProxy) {
      const authority = target.connectTarget(name);
      await writeAll(
        tcp,
        encoder.encode(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`),
      );
      const reader = new Reader(tcp);
      const head = await reader.head();
      if (!/^HTTP\/1\.[01] 200/.test(head)) throw new Error(`CONNECT: ${head.split("\r\n")[0]}`);
      if (reader.pending > 0) throw new Error("bytes after the CONNECT reply");
    }
    const conn = await Deno.startTls(tcp, { hostname: name, caCerts: [target.caPem] });
    await conn.handshake();
    return conn;
  } catch (e) {
    try {
      tcp.close();
    } catch {
      // Already closed.
    }
    throw e;
  }
}

function closeQuietly(conn: Deno.Conn | Deno.TlsConn): void {
  try {
    conn.close();
  } catch {
    // Already closed.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface KeepAliveOptions {
  connections: number;
  warmupS: number;
  durationS: number;
  name: string;
  /** Called when the measured window starts and ends (CPU sampling). */
  onWindow?: (edge: "start" | "end") => void;
}

/** N keep-alive connections, GETs back to back on each. */
export async function keepAliveLoad(
  target: TlsTarget,
  options: KeepAliveOptions,
): Promise<LoadResult> {
  const stats = new Stats();
  const request = encoder.encode(
    `GET ${target.path} HTTP/1.1\r\nHost: ${target.hostHeader}\r\n\r\n`,
  );
  const conns: Deno.TlsConn[] = [];
  try {
    // Open in small batches: a burst of 50 handshakes is not what this test measures.
    for (let i = 0; i < options.connections; i += 10) {
      const batch = Math.min(10, options.connections - i);
      conns.push(
        ...(await Promise.all(Array.from({ length: batch }, () => openTls(target, options.name)))),
      );
    }
    let stop = false;
    const worker = async (conn: Deno.TlsConn) => {
      const reader = new Reader(conn);
      while (!stop) {
        const t0 = performance.now();
        try {
          await writeAll(conn, request);
          const status = await readResponse(reader);
          if (!stats.counting) continue;
          stats.latencies.push(performance.now() - t0);
          stats.completed++;
          if (status !== 200) stats.non200++;
        } catch (e) {
          if (!stop) stats.error(e);
          return;
        }
      }
      stats.bytesRead += reader.bytesRead;
    };
    const workers = conns.map(worker);
    await sleep(options.warmupS * 1000);
    stats.counting = true;
    options.onWindow?.("start");
    const started = performance.now();
    await sleep(options.durationS * 1000);
    stats.counting = false;
    options.onWindow?.("end");
    const elapsed = (performance.now() - started) / 1000;
    stop = true;
    await Promise.race([Promise.allSettled(workers), sleep(5000)]);
    return stats.result(elapsed);
  } finally {
    for (const conn of conns) closeQuietly(conn);
  }
}

export interface NewConnectionOptions {
  concurrency: number;
  warmupS: number;
  durationS: number;
  /**
   * A fresh name per connection (`<prefix>w<N>.<suffix>` in the warm-up, `<prefix>h<N>...`
   * measured) or always `<prefix>same.<suffix>`. A prefix unique to the run keeps a peer's
   * certificate cache (http-mitm-proxy's is on disk) from serving an earlier run's names.
   */
  distinctNames: boolean;
  namePrefix: string;
  nameSuffix: string;
  onWindow?: (edge: "start" | "end") => void;
}

/** Workers that each loop: new connection, CONNECT, TLS handshake, one GET, close. */
export async function newConnectionLoad(
  target: TlsTarget,
  options: NewConnectionOptions,
): Promise<LoadResult> {
  const stats = new Stats();
  const request = encoder.encode(
    `GET ${target.path} HTTP/1.1\r\nHost: ${target.hostHeader}\r\n\r\n`,
  );
  let counter = 0;
  let stop = false;
  const worker = async () => {
    while (!stop) {
      const phase = stats.counting ? "h" : "w";
      const name = options.distinctNames
        ? `${options.namePrefix}${phase}${counter++}.${options.nameSuffix}`
        : `${options.namePrefix}same.${options.nameSuffix}`;
      const t0 = performance.now();
      let conn: Deno.TlsConn | null = null;
      try {
        conn = await openTls(target, name);
        await writeAll(conn, request);
        const reader = new Reader(conn);
        const status = await readResponse(reader);
        if (stats.counting && !stop) {
          stats.latencies.push(performance.now() - t0);
          stats.completed++;
          stats.bytesRead += reader.bytesRead;
          if (status !== 200) stats.non200++;
        }
      } catch (e) {
        if (!stop) stats.error(e);
        // A refusing proxy must not turn this into a busy loop.
        await sleep(10);
      } finally {
        if (conn !== null) closeQuietly(conn);
      }
    }
  };
  const workers = Array.from({ length: options.concurrency }, worker);
  await sleep(options.warmupS * 1000);
  stats.counting = true;
  options.onWindow?.("start");
  const started = performance.now();
  await sleep(options.durationS * 1000);
  stats.counting = false;
  options.onWindow?.("end");
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await Promise.race([Promise.allSettled(workers), sleep(10_000)]);
  return stats.result(elapsed);
}
