/**
 * A TCP connection with a read buffer and a deadline on every read, for the raw clients and
 * the raw origin. A read that takes longer than `timeoutMs` closes the socket and throws, so a
 * misbehaving proxy fails a test instead of hanging it.
 */

const CRLF = new Uint8Array([0x0d, 0x0a]);
const encoder = new TextEncoder();

export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

export class UnexpectedEof extends Error {
  override name = "UnexpectedEof";
}

export class BufferedConn {
  #buf: Uint8Array = new Uint8Array(0);
  #eof = false;
  #closed = false;
  /** The peer reset the connection (seen as the end of the stream). */
  reset = false;

  constructor(readonly conn: Deno.Conn, readonly timeoutMs = 15_000) {}

  static async connect(port: number, timeoutMs?: number): Promise<BufferedConn> {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    return new BufferedConn(conn, timeoutMs);
  }

  get eof(): boolean {
    return this.#eof && this.#buf.length === 0;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Reads more bytes into the buffer; false at the end of the stream. */
  async #fill(): Promise<boolean> {
    if (this.#eof) return false;
    if (this.#closed) throw new Error("read on a closed connection");
    const chunk = new Uint8Array(64 * 1024);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.timeoutMs);
    });
    const read = this.conn.read(chunk).then(
      (n) => n,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
    const result = await Promise.race([read, timeout]);
    clearTimeout(timer);
    if (result === "timeout") {
      this.close();
      await read;
      throw new Error(`read timed out after ${this.timeoutMs} ms`);
    }
    if (result instanceof Error) {
      if (result instanceof Deno.errors.ConnectionReset) {
        this.reset = true;
        this.#eof = true;
        return false;
      }
      throw result;
    }
    if (result === null) {
      this.#eof = true;
      return false;
    }
    this.#buf = this.#buf.length === 0 ? chunk.slice(0, result) : concat([
      this.#buf,
      chunk.subarray(0, result),
    ]);
    return true;
  }

  #take(n: number): Uint8Array {
    const out = this.#buf.slice(0, n);
    this.#buf = this.#buf.slice(n);
    return out;
  }

  /** Bytes up to and including `delim`; null at a clean end of stream; throws on a partial. */
  async readUntil(delim: Uint8Array | string, max = 1 << 20): Promise<Uint8Array | null> {
    const needle = typeof delim === "string" ? utf8(delim) : delim;
    let searched = 0;
    while (true) {
      const at = indexOf(this.#buf, needle, searched - needle.length + 1);
      if (at >= 0) return this.#take(at + needle.length);
      if (this.#buf.length > max) throw new Error(`no ${JSON.stringify(delim)} in ${max} bytes`);
      searched = this.#buf.length;
      if (!(await this.#fill())) {
        if (this.#buf.length === 0) return null;
        throw new UnexpectedEof(`stream ended inside a line (${this.#buf.length} bytes pending)`);
      }
    }
  }

  /** One CRLF-terminated line as latin1 without the CRLF; null at a clean end of stream. */
  async readLine(): Promise<string | null> {
    const line = await this.readUntil(CRLF);
    return line === null ? null : latin1(line.subarray(0, line.length - 2));
  }

  async readExact(n: number): Promise<Uint8Array> {
    while (this.#buf.length < n) {
      if (!(await this.#fill())) {
        throw new UnexpectedEof(`stream ended after ${this.#buf.length} of ${n} bytes`);
      }
    }
    return this.#take(n);
  }

  /** Everything until the peer closes (or resets) the connection. */
  async readToEnd(): Promise<Uint8Array> {
    while (await this.#fill()) {
      // keep reading
    }
    return this.#take(this.#buf.length);
  }

  /** Waits for the end of the stream, discarding data; true if it came within the timeout. */
  async waitForEof(): Promise<boolean> {
    try {
      await this.readToEnd();
      return true;
    } catch {
      return false;
    }
  }

  async write(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? utf8(data) : data;
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  async closeWrite(): Promise<void> {
    try {
      await this.conn.closeWrite();
    } catch {
      // The peer is already gone.
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
