/**
 * Frames on the channel between the proxy and a script's sandbox worker (the sandbox
 * process's stdin and stdout, which the worker reads and writes itself).
 *
 * Layout, written once (integers little endian):
 *
 *     frame = magic "MDS2" | u32 payload length | value
 *     value = tag u8 | body
 *       NULL 0 | FALSE 1 | TRUE 2          no body
 *       INT 3                               i32
 *       FLOAT 4                             f64
 *       STR 5                               u32 byte length | UTF-8
 *       BYTES 6                             u32 length | bytes
 *       LIST 7                              u32 count | value*
 *       DICT 8                              u32 count | (key value)*
 *     key   = u8 index into `KEYS` | 0xff, u32 byte length, UTF-8
 *
 * A message is one value, usually a dict; a flow travels as its state object (the flow file
 * layout), bodies and header fields as BYTES, so nothing is base64'd or copied into JSON.
 * Dict keys that every message repeats (state field names) are one byte. The encoding is
 * canonical: equal values written the same way give equal bytes, which lets the worker find
 * what a hook changed by comparing encodings (`flow_delta.ts`).
 *
 * Decoding checks every length, tag and nesting depth; a bad frame is a `WireError` that
 * names the problem, never a crash. Several frames may share one pipe write, and a frame
 * may arrive in pieces (`FrameSplitter`).
 */

export type WireValue =
  | null
  | boolean
  | number
  | string
  | Uint8Array
  | WireValue[]
  | { [key: string]: WireValue };

export class WireError extends Error {
  override name = "WireError";
}

export const MAGIC = 0x3253444d; // "MDS2" read as a little-endian u32
export const FRAME_HEADER = 8;
/** Larger frames are refused: a corrupted length must not make us allocate gigabytes. */
export const MAX_FRAME = 1 << 30;
/** Deeper values are refused (a cycle when writing, a hostile frame when reading). */
export const MAX_DEPTH = 200;

export const T_NULL = 0;
export const T_FALSE = 1;
export const T_TRUE = 2;
export const T_INT = 3;
export const T_FLOAT = 4;
export const T_STR = 5;
export const T_BYTES = 6;
export const T_LIST = 7;
export const T_DICT = 8;

export const LONG_KEY = 0xff;

/** Keys written as one byte: the protocol's and the flow state's field names. */
export const KEYS: readonly string[] = [
  // Protocol (protocol.ts).
  "t",
  "id",
  "hook",
  "flow",
  "rt",
  "errors",
  "warnings",
  "changed",
  "state",
  "result",
  "invalid",
  "name",
  "message",
  "stack",
  "level",
  "msg",
  "client",
  "server",
  "updated",
  "values",
  "path",
  "args",
  "options",
  "hooks",
  "commands",
  "live",
  "request_stream",
  "response_stream",
  // Flow (core/flow/flow.ts, http.ts, message.ts, websocket.ts, tcp.ts).
  "version",
  "type",
  "error",
  "client_conn",
  "server_conn",
  "intercepted",
  "is_replay",
  "marked",
  "metadata",
  "comment",
  "timestamp_created",
  "backup",
  "request",
  "response",
  "websocket",
  "messages",
  "http_version",
  "headers",
  "content",
  "trailers",
  "timestamp_start",
  "timestamp_end",
  "host",
  "port",
  "method",
  "scheme",
  "authority",
  "status_code",
  "reason",
  "closed_by_client",
  "close_code",
  "close_reason",
  "timestamp",
  // Connections (core/flow/connection.ts).
  "peername",
  "sockname",
  "transport_protocol",
  "tls",
  "certificate_list",
  "alpn",
  "alpn_offers",
  "cipher",
  "cipher_list",
  "tls_version",
  "sni",
  "timestamp_tls_setup",
  "mitmcert",
  "proxy_mode",
  "address",
  "timestamp_tcp_setup",
  "via",
];

/** Key -> its one-byte index. */
export const KEY_INDEX: ReadonlyMap<string, number> = new Map(KEYS.map((k, i) => [k, i]));

/** The little-endian u32 at `p` (the caller has checked that four bytes are there). */
export function u32(b: Uint8Array, p: number): number {
  return (b[p] | (b[p + 1] << 8) | (b[p + 2] << 16) | (b[p + 3] << 24)) >>> 0;
}

/**
 * Cuts a byte stream into frames. A frame that lies within one chunk is returned as a view
 * into it (so a chunk must not be reused once pushed); one that spans chunks is assembled
 * in a buffer of its own that grows as the bytes arrive (a forged length costs nothing
 * until the bytes are really sent).
 */
export class FrameSplitter {
  /** The first bytes of a frame whose header has not fully arrived. */
  readonly #head = new Uint8Array(FRAME_HEADER);
  #headLen = 0;
  /** A frame being assembled across chunks, its size, and how much of it has arrived. */
  #frame: Uint8Array<ArrayBuffer> | null = null;
  #frameTotal = 0;
  #frameLen = 0;

  /** Adds bytes; returns the frames now complete. Throws `WireError` on a bad header. */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#frame !== null) {
        const n = Math.min(this.#frameTotal - this.#frameLen, chunk.length - pos);
        this.#grow(this.#frameLen + n);
        this.#frame.set(chunk.subarray(pos, pos + n), this.#frameLen);
        this.#frameLen += n;
        pos += n;
        this.#maybeDone(frames);
        continue;
      }
      if (this.#headLen === 0 && chunk.length - pos >= FRAME_HEADER) {
        const total = frameSize(chunk, pos);
        if (chunk.length - pos >= total) {
          frames.push(chunk.subarray(pos, pos + total));
          pos += total;
          continue;
        }
      }
      // A frame starts here but does not end in this chunk: collect its header, then it.
      const n = Math.min(FRAME_HEADER - this.#headLen, chunk.length - pos);
      this.#head.set(chunk.subarray(pos, pos + n), this.#headLen);
      this.#headLen += n;
      pos += n;
      if (this.#headLen === FRAME_HEADER) {
        this.#frameTotal = frameSize(this.#head, 0);
        this.#frame = new Uint8Array(Math.min(this.#frameTotal, 64 * 1024));
        this.#frame.set(this.#head);
        this.#frameLen = FRAME_HEADER;
        this.#headLen = 0;
        this.#maybeDone(frames);
      }
    }
    return frames;
  }

  #grow(size: number): void {
    const frame = this.#frame!;
    if (size <= frame.length) return;
    const grown = new Uint8Array(Math.min(this.#frameTotal, Math.max(size, frame.length * 2)));
    grown.set(frame.subarray(0, this.#frameLen));
    this.#frame = grown;
  }

  #maybeDone(frames: Uint8Array[]): void {
    if (this.#frameLen < this.#frameTotal) return;
    frames.push(this.#frame!);
    this.#frame = null;
  }

  /** Bytes waiting for the rest of their frame. */
  get pending(): number {
    return this.#headLen + (this.#frame === null ? 0 : this.#frameLen);
  }
}

/** The size of the frame whose header is at `pos`; checks the magic and the limit. */
function frameSize(b: Uint8Array, pos: number): number {
  if (u32(b, pos) !== MAGIC) throw new WireError("not a frame (bad magic)");
  const total = FRAME_HEADER + u32(b, pos + 4);
  if (total > MAX_FRAME) throw new WireError(`frame of ${total} bytes exceeds ${MAX_FRAME}`);
  return total;
}
