/**
 * Reassembles the ClientHello from the first TLS records of a connection, fed in chunks of any
 * size. The hello may be split over several handshake records (RFC 8446 §5.1) and records may
 * be split over reads.
 *
 * Rules, checked as soon as the bytes that decide them arrive:
 * - record header: type 0x16 (handshake), version 0x03 0x00..0x04, length 1..2^14;
 *   the first header decides `not_tls`, later bad headers are `error`s;
 * - handshake header: type 1 (ClientHello), length <= MAX_CLIENT_HELLO_SIZE;
 * - once the handshake message is complete it is parsed by `parseClientHelloMessage`.
 * After a final result (`not_tls`, `error`, `hello`) every further feed returns that result.
 *
 * Buffers never rescan: a record body is copied once when it is complete, so total work is
 * O(bytes fed) however the input is chunked.
 */

import { concatBytes } from "../bytes.ts";
import { parseClientHelloMessage } from "./client_hello_body.ts";
import {
  type ClientHelloResult,
  CONTENT_TYPE_HANDSHAKE,
  HANDSHAKE_CLIENT_HELLO,
  HANDSHAKE_HEADER_SIZE,
  MAX_CLIENT_HELLO_SIZE,
  MAX_RECORD_FRAGMENT,
  RECORD_HEADER_SIZE,
} from "./types.ts";

const INCOMPLETE: ClientHelloResult = Object.freeze({ kind: "incomplete" });

/**
 * Checks the first bytes of a connection: a TLS handshake record starts `16 03 00..04`.
 * Fewer than three bytes are judged on what is there.
 */
export function looksLikeTls(firstBytes: Uint8Array): boolean {
  return notTlsReason(firstBytes) === null;
}

function notTlsReason(b: Uint8Array): string | null {
  if (b.length >= 1 && b[0] !== CONTENT_TYPE_HANDSHAKE) {
    return `First byte 0x${hex(b[0])} is not a TLS handshake record (0x16)`;
  }
  if (b.length >= 2 && b[1] !== 0x03) return `Record version major 0x${hex(b[1])} is not 0x03`;
  if (b.length >= 3 && b[2] > 0x04) return `Record version minor 0x${hex(b[2])} is above 0x04`;
  return null;
}

/** Incremental ClientHello reader; see the file header for the rules. */
export class ClientHelloReader {
  /** Bytes of the current, incomplete record (header included). */
  #pending: Uint8Array[] = [];
  #pendingLength = 0;
  /** Handshake bytes collected from complete records. */
  #handshake: Uint8Array[] = [];
  #handshakeLength = 0;
  /** Full handshake message size (header + body) once its header is known, else -1. */
  #messageSize = -1;
  /** Input bytes of complete records so far. */
  #consumed = 0;
  #records = 0;
  #final: ClientHelloResult | null = null;

  /** Feeds the next bytes from the connection. */
  feed(chunk: Uint8Array): ClientHelloResult {
    if (this.#final !== null) return this.#final;
    if (chunk.length === 0) return INCOMPLETE;
    if (this.#records === 0 && this.#pendingLength < 3) {
      const reason = notTlsReason(this.#peekStart(chunk));
      if (reason !== null) return this.#finish({ kind: "not_tls", reason });
    }
    this.#pending.push(chunk);
    this.#pendingLength += chunk.length;
    while (this.#pendingLength >= RECORD_HEADER_SIZE) {
      const head = this.#pendingPrefix(RECORD_HEADER_SIZE);
      const problem = this.#recordHeaderProblem(head);
      if (problem !== null) return this.#finish(problem);
      const recordSize = RECORD_HEADER_SIZE + ((head[3] << 8) | head[4]);
      if (this.#pendingLength < recordSize) return INCOMPLETE;
      const record = this.#takePending(recordSize);
      this.#consumed += recordSize;
      this.#records++;
      const done = this.#addFragment(record.subarray(RECORD_HEADER_SIZE));
      if (done !== null) return this.#finish(done);
    }
    return INCOMPLETE;
  }

  /** Up to the first three bytes of the connection, across the pending chunks and `chunk`. */
  #peekStart(chunk: Uint8Array): Uint8Array {
    return concatBytes([...this.#pending, chunk.subarray(0, 3)]).subarray(0, 3);
  }

  #recordHeaderProblem(head: Uint8Array): ClientHelloResult | null {
    const where = `TLS record ${this.#records + 1}`;
    if (head[0] !== CONTENT_TYPE_HANDSHAKE) {
      return error(`${where} has content type ${head[0]}, expected handshake (22)`);
    }
    if (head[1] !== 0x03 || head[2] > 0x04) {
      return error(`${where} has version 0x${hex(head[1])}${hex(head[2])}`);
    }
    const length = (head[3] << 8) | head[4];
    if (length === 0) return error(`${where} is empty`);
    if (length > MAX_RECORD_FRAGMENT) {
      return error(`${where} is ${length} bytes, more than 2^14`);
    }
    return null;
  }

  /** Adds a record fragment; returns the final result once the message is complete. */
  #addFragment(fragment: Uint8Array): ClientHelloResult | null {
    this.#handshake.push(fragment);
    this.#handshakeLength += fragment.length;
    if (this.#messageSize < 0 && this.#handshakeLength >= HANDSHAKE_HEADER_SIZE) {
      const all = concatBytes(this.#handshake);
      this.#handshake = [all];
      if (all[0] !== HANDSHAKE_CLIENT_HELLO) {
        return error(`Expected a ClientHello (handshake type 1), got handshake type ${all[0]}`);
      }
      const bodySize = (all[1] << 16) | (all[2] << 8) | all[3];
      if (bodySize > MAX_CLIENT_HELLO_SIZE) {
        return error(`ClientHello of ${bodySize} bytes exceeds the ${MAX_CLIENT_HELLO_SIZE} limit`);
      }
      this.#messageSize = HANDSHAKE_HEADER_SIZE + bodySize;
    }
    if (this.#messageSize < 0 || this.#handshakeLength < this.#messageSize) return null;
    // Bytes after the hello in its last record belong to later handshake messages; a client
    // sends none before the server answers, but they are not ours to judge here.
    const raw = concatBytes(this.#handshake).slice(0, this.#messageSize);
    const parsed = parseClientHelloMessage(raw);
    if ("error" in parsed) return error(parsed.error);
    return { kind: "hello", hello: parsed.hello, length: this.#consumed };
  }

  #pendingPrefix(n: number): Uint8Array {
    if (this.#pending[0].length < n) this.#pending = [concatBytes(this.#pending)];
    return this.#pending[0].subarray(0, n);
  }

  #takePending(n: number): Uint8Array {
    const all = this.#pending[0].length >= n ? this.#pending[0] : concatBytes(this.#pending);
    const rest = this.#pending[0].length >= n ? this.#pending.slice(1) : [];
    const taken = all.subarray(0, n);
    if (all.length > n) rest.unshift(all.subarray(n));
    this.#pending = rest;
    this.#pendingLength -= n;
    return taken;
  }

  #finish(result: ClientHelloResult): ClientHelloResult {
    this.#final = result;
    this.#pending = [];
    this.#handshake = [];
    return result;
  }
}

function error(message: string): ClientHelloResult {
  return { kind: "error", message };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}
