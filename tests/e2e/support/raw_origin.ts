/**
 * An origin server on `Deno.listen` whose answers are written byte by byte, for what nginx
 * cannot do on demand: chunked responses with trailers, closing mid-body, never answering,
 * garbage, close-delimited bodies, 1xx before the final response, slow answers.
 *
 * Routes are matched on the request path (query ignored). Every request it reads is recorded
 * in `requests`, with the number of the connection it came on.
 */
import { BufferedConn, utf8 } from "./buffered_conn.ts";
import { readRequest, type WireRequest } from "./http_wire.ts";

/** What to do with the connection after a route ran. */
export type RouteResult = "keep" | "close";
export interface RecordedRequest extends WireRequest {
  /** 1 for the first connection the origin accepted, and so on. */
  connection: number;
}

export type Route = (
  req: RecordedRequest,
  conn: BufferedConn,
  origin: RawOrigin,
) => Promise<RouteResult>;

function response(status: string, headers: [string, string][], body: string): string {
  const head = [`HTTP/1.1 ${status}`, ...headers.map(([n, v]) => `${n}: ${v}`)].join("\r\n");
  return `${head}\r\n\r\n${body}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The built-in routes. */
export const DEFAULT_ROUTES: Record<string, Route> = {
  /** JSON description of the request as the origin saw it. */
  "/echo": async (req, conn) => {
    const body = JSON.stringify({
      method: req.method,
      target: req.target,
      version: req.version,
      headers: req.headers,
      body: new TextDecoder().decode(req.body),
      bodyLength: req.body.length,
      chunked: req.chunked,
      trailers: req.trailers,
      connection: req.connection,
    });
    const bytes = utf8(body);
    await conn.write(
      response("200 OK", [
        ["Content-Type", "application/json"],
        ["Content-Length", String(bytes.length)],
      ], ""),
    );
    await conn.write(bytes);
    return "keep";
  },
  /** A chunked response in three chunks with two trailers. */
  "/chunked": async (_req, conn) => {
    await conn.write(
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n" +
        "Trailer: X-Checksum, X-Count\r\n\r\n",
    );
    await conn.write("6\r\nchunk1\r\n");
    await sleep(10);
    await conn.write("6\r\nchunk2\r\n7;ext=1\r\nchunk3!\r\n");
    await conn.write("0\r\nX-Checksum: abc123\r\nX-Count: 3\r\n\r\n");
    return "keep";
  },
  /** Promises 1000 bytes, sends 100, closes. */
  "/close-mid-body": async (_req, conn) => {
    await conn.write(response("200 OK", [["Content-Length", "1000"]], "x".repeat(100)));
    return "close";
  },
  /** A chunked response cut off after one chunk. */
  "/chunked-cut": async (_req, conn) => {
    await conn.write(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + "400\r\n" + "y".repeat(1024) +
        "\r\n",
    );
    return "close";
  },
  /** Reads the request and never answers; returns when the peer goes away or we stop. */
  "/hang": async (_req, conn, origin) => {
    origin.hanging++;
    if (await conn.waitForEof()) origin.hangsReleased++;
    return "close";
  },
  /** Not HTTP at all. */
  "/garbage": async (_req, conn) => {
    await conn.write(new Uint8Array([0x00, 0xff, 0x13, 0x37]));
    await conn.write("this is not http\r\n\r\n");
    return "close";
  },
  /** A body delimited by closing the connection (no Content-Length, not chunked). */
  "/close-delimited": async (_req, conn) => {
    await conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n");
    await conn.write("first part, ");
    await sleep(10);
    await conn.write("second part, end");
    return "close";
  },
  /** 100 Continue and 103 Early Hints before the 200. */
  "/interim": async (_req, conn) => {
    await conn.write("HTTP/1.1 100 Continue\r\n\r\n");
    await conn.write("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
    await conn.write(response("200 OK", [["Content-Length", "5"]], "final"));
    return "keep";
  },
  /** Answers after 500 ms. */
  "/slow": async (_req, conn, origin) => {
    origin.slowStarted++;
    await sleep(500);
    await conn.write(response("200 OK", [["Content-Length", "9"]], "slow done"));
    return "keep";
  },
  /** A 4 KiB body in 1 KiB writes. */
  "/bytes": async (_req, conn) => {
    await conn.write("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n");
    for (let i = 0; i < 4; i++) await conn.write("z".repeat(1024));
    return "keep";
  },
};

export class RawOrigin {
  readonly requests: RecordedRequest[] = [];
  connectionCount = 0;
  hanging = 0;
  hangsReleased = 0;
  slowStarted = 0;
  readonly #listener: Deno.Listener;
  readonly #conns = new Set<BufferedConn>();
  readonly #serving = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  readonly #routes: Record<string, Route>;

  constructor(routes: Record<string, Route> = {}) {
    this.#routes = { ...DEFAULT_ROUTES, ...routes };
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#accepting = this.#acceptLoop();
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  async #acceptLoop(): Promise<void> {
    while (true) {
      let conn: Deno.Conn;
      try {
        conn = await this.#listener.accept();
      } catch {
        return;
      }
      // Small writes (head, then body) must not wait for delayed ACKs.
      (conn as Deno.TcpConn).setNoDelay(true);
      const c = new BufferedConn(conn, 30_000);
      this.#conns.add(c);
      const serving: Promise<void> = this.#serve(c, ++this.connectionCount).finally(() => {
        this.#conns.delete(c);
        this.#serving.delete(serving);
      });
      this.#serving.add(serving);
    }
  }

  async #serve(c: BufferedConn, connection: number): Promise<void> {
    try {
      while (true) {
        const req = await readRequest(c);
        if (req === null) return;
        const recorded = { ...req, connection };
        this.requests.push(recorded);
        const path = req.target.replace(/^https?:\/\/[^/]*/, "").split("?")[0];
        const route = this.#routes[path];
        const result = route === undefined
          ? (await c.write(response("404 Not Found", [["Content-Length", "0"]], "")), "close")
          : await route(recorded, c, this);
        if (result === "close") return;
      }
    } catch {
      // The proxy went away or we are stopping: nothing to do for a test origin.
    } finally {
      c.close();
    }
  }

  async stop(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    await this.#accepting;
    for (const c of this.#conns) c.close();
    await Promise.allSettled([...this.#serving]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

export function startRawOrigin(routes: Record<string, Route> = {}): RawOrigin {
  return new RawOrigin(routes);
}
