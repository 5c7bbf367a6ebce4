/**
 * Per-message compression for permessage-deflate (RFC 7692 §7.2): raw DEFLATE flushed with
 * Z_SYNC_FLUSH after each message, the trailing `00 00 ff ff` stripped on send and appended
 * on receive.
 *
 * Context takeover needs one long-lived zlib stream per direction, used synchronously (the
 * codec answers `receiveData` and `send` at once). node:zlib's one-shot `*Sync` functions
 * start a new stream on every call, and its stream objects only work asynchronously, so this
 * drives the stream object's native handle with `writeSync`, as node:zlib's own `*Sync`
 * functions do internally. Output is pulled in bounded pieces, so a deflate bomb stops at the
 * caller's limit instead of filling memory.
 */

import zlib from "node:zlib";
import { concatBytes } from "../bytes.ts";
import { CloseCode } from "./close_code.ts";
import type { DeflateDirection } from "./permessage_deflate.ts";

/** The 4 octets a Z_SYNC_FLUSH ends with, which the wire omits (RFC 7692 §7.2.1). */
export const DEFLATE_TAIL: Uint8Array = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/** An empty stored block: what an empty message compresses to, tail removed (§7.2.3.6). */
const EMPTY_MESSAGE = new Uint8Array([0x00]);

const CHUNK = 16 * 1024;
const EMPTY = new Uint8Array(0);

interface NativeHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
  reset(): void;
  onerror: (message: string, errno: number) => void;
}

interface StreamInternals {
  _handle?: NativeHandle | null;
  /** [output space left, input left] after each writeSync. */
  _writeState?: Uint32Array;
  close(): void;
}

/** What one synchronous pass through zlib produced. */
interface Pass {
  chunks: Uint8Array[];
  size: number;
  /** Input zlib did not take: only non-zero after the stream's final block. */
  unconsumed: number;
}

/** A zlib stream driven synchronously; a zlib error (corrupt input) comes back as a value. */
class SyncZlibStream {
  readonly #stream: StreamInternals;
  readonly #handle: NativeHandle;
  readonly #state: Uint32Array;
  #error: string | null = null;
  #scratch: Uint8Array | null = null;

  constructor(stream: zlib.DeflateRaw | zlib.InflateRaw) {
    const internals = stream as unknown as StreamInternals;
    const handle = internals._handle;
    const state = internals._writeState;
    if (!handle || typeof handle.writeSync !== "function" || !(state instanceof Uint32Array)) {
      throw new Error(
        "node:zlib streams lack the native handle permessage-deflate drives synchronously: " +
          "this runtime's zlib is not supported (run without the extension)",
      );
    }
    this.#stream = internals;
    this.#handle = handle;
    this.#state = state;
    // Keep errors synchronous and away from the stream object, which would destroy itself.
    handle.onerror = (message: string) => {
      this.#error = message;
    };
  }

  /** Feeds `input` with Z_SYNC_FLUSH and collects at most `limit + 1` bytes of output. */
  pass(input: Uint8Array, limit: number): Pass | { error: string } {
    if (this.#error !== null) return { error: this.#error };
    const scratch = this.#scratch ??= new Uint8Array(CHUNK);
    const chunks: Uint8Array[] = [];
    let size = 0;
    let inOffset = 0;
    let inLength = input.length;
    for (;;) {
      const room = Math.min(scratch.length, limit + 1 - size);
      this.#handle.writeSync(
        zlib.constants.Z_SYNC_FLUSH,
        input,
        inOffset,
        inLength,
        scratch,
        0,
        room,
      );
      if (this.#error !== null) return { error: this.#error };
      const produced = room - this.#state[0];
      const inLeft = this.#state[1];
      inOffset += inLength - inLeft;
      inLength = inLeft;
      if (produced > 0) {
        chunks.push(scratch.slice(0, produced));
        size += produced;
      }
      // Output space left over means zlib has nothing more to give for this input.
      if (this.#state[0] !== 0 || size > limit) break;
    }
    return { chunks, size, unconsumed: inLength };
  }

  reset(): void {
    this.#handle.reset();
  }

  close(): void {
    this.#stream.close();
  }
}

/**
 * zlib refuses raw streams with an 8-bit window and would silently use 9, which a peer limited
 * to 8 cannot inflate: such a sender sends its messages uncompressed, which RFC 7692 allows.
 */
export function canDeflate(direction: DeflateDirection): boolean {
  return direction.maxWindowBits >= 9;
}

/** Compresses whole messages for one direction. */
export class MessageDeflater {
  readonly #stream: SyncZlibStream;
  readonly #noContextTakeover: boolean;

  constructor(direction: DeflateDirection, level: number = zlib.constants.Z_DEFAULT_COMPRESSION) {
    if (!canDeflate(direction)) {
      throw new Error("an 8-bit window cannot be produced by zlib: check canDeflate() first");
    }
    this.#stream = new SyncZlibStream(
      zlib.createDeflateRaw({ windowBits: direction.maxWindowBits, level, memLevel: 8 }),
    );
    this.#noContextTakeover = direction.noContextTakeover;
  }

  /** The message's compressed payload, without the trailing `00 00 ff ff`. */
  compress(data: Uint8Array): Uint8Array {
    // zlib answers a second empty flush in a row with no output at all.
    if (data.length === 0) return EMPTY_MESSAGE;
    const pass = this.#stream.pass(data, Number.MAX_SAFE_INTEGER);
    if ("error" in pass) throw new Error(`deflate failed: ${pass.error}`);
    const out = concatBytes(pass.chunks);
    const n = out.length;
    if (
      n < 4 || out[n - 4] !== 0 || out[n - 3] !== 0 || out[n - 2] !== 0xff || out[n - 1] !== 0xff
    ) {
      throw new Error("zlib's Z_SYNC_FLUSH output does not end in 00 00 ff ff");
    }
    if (this.#noContextTakeover) this.#stream.reset();
    return out.subarray(0, n - DEFLATE_TAIL.length);
  }

  dispose(): void {
    this.#stream.close();
  }
}

/** Why a compressed message was refused: 1007 for corrupt data, 1009 past the size limit. */
export interface InflateError {
  error: string;
  code: number;
}

/** Decompresses the messages of one direction, fragment by fragment. */
export class MessageInflater {
  readonly #stream: SyncZlibStream;
  readonly #noContextTakeover: boolean;
  /** The current message's DEFLATE data reached a block with BFINAL set. */
  #ended = false;

  constructor(direction: DeflateDirection) {
    // Inflating with the largest window accepts every smaller one the sender may use.
    this.#stream = new SyncZlibStream(zlib.createInflateRaw({ windowBits: 15 }));
    this.#noContextTakeover = direction.noContextTakeover;
  }

  /** Inflates the next fragment of a compressed message; at most `limit` bytes may come out. */
  push(data: Uint8Array, limit: number): Uint8Array | InflateError {
    return this.#inflate(data, limit);
  }

  /** Ends the message: inflates the omitted `00 00 ff ff` and drops the window if asked to. */
  finish(limit: number): Uint8Array | InflateError {
    const out = this.#inflate(DEFLATE_TAIL, limit);
    // After a final block (§7.2.3.4) the next message starts a new stream, so the window goes.
    if (this.#noContextTakeover || this.#ended) this.#stream.reset();
    this.#ended = false;
    return out;
  }

  #inflate(data: Uint8Array, limit: number): Uint8Array | InflateError {
    // Bytes after a final block (such as the padding octet of RFC 7692's own example) are
    // past the end of the DEFLATE stream and carry nothing.
    if (this.#ended) return EMPTY;
    const pass = this.#stream.pass(data, limit);
    if ("error" in pass) {
      return {
        error: `compressed message is not valid DEFLATE data: ${pass.error}`,
        code: CloseCode.INVALID_PAYLOAD_DATA,
      };
    }
    if (pass.size > limit) {
      return {
        error: `decompressed message exceeds the maximum message size (${limit} bytes left)`,
        code: CloseCode.MESSAGE_TOO_BIG,
      };
    }
    if (pass.unconsumed > 0) this.#ended = true;
    return concatBytes(pass.chunks);
  }

  dispose(): void {
    this.#stream.close();
  }
}
