/**
 * A TLS engine bound to one socket, in the style of a memory BIO: raw bytes read from the
 * socket are fed in, ciphertext the engine produces is written to the socket, and
 * plaintext comes out as callbacks. Built on node:tls `TLSSocket` over a JS Duplex that we
 * drive asynchronously (deno-facts §1: a synchronous in-memory pair crashes on failed
 * handshakes; pushing from the socket's read loop does not).
 */
import { Buffer } from "node:buffer";
import { Duplex } from "node:stream";
import * as tls from "node:tls";
import { pemEncode } from "../core/certs/pem.ts";
import {
  clientContext,
  markServerKeyProven,
  serverContext,
  serverKeyProven,
} from "./secure_contexts.ts";
import type { TlsHandshakeResult, TlsSettings } from "../layers/tls_settings.ts";

/** Where the session's ciphertext goes: the raw socket. */
export interface RawSink {
  write(data: Uint8Array): void;
  closeWrite(): void;
}

export interface TlsSessionCallbacks {
  onPlaintext(data: Uint8Array): void;
  /** The TLS stream ended (close_notify or EOF), with an error message if it broke. */
  onEnd(error: string | null): void;
}

/** The peer's chain, leaf first, from node's detailed certificate object. */
function peerChain(leaf: tls.DetailedPeerCertificate): string[] {
  const chain: string[] = [];
  let cert: tls.DetailedPeerCertificate | undefined = leaf;
  const seen = new Set<string>();
  while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
    seen.add(cert.fingerprint256);
    chain.push(pemEncode("CERTIFICATE", cert.raw));
    cert = cert.issuerCertificate;
  }
  return chain;
}

/**
 * What the fast path uses of Deno 2.9.6's node:tls internals: `TLSSocket._handle` (the TLS
 * engine's JS face: `writeBuffer` encrypts plaintext) and its `_parent`, the JS stream handle
 * that feeds the engine ciphertext.
 */
interface EngineHandle {
  _parent: { readBuffer(chunk: Uint8Array): void };
  writeBuffer(request: WriteRequest, data: Uint8Array): number;
}

/** Nothing waits for a direct write's completion: the engine queues what it cannot send yet. */
interface WriteRequest {
  oncomplete(status: number): void;
}
const WRITE_REQUEST: WriteRequest = { oncomplete() {} };
/**
 * Larger plaintext goes through `TLSSocket.write` and its flow control: handing a 100 KB
 * HTTP/2 upload to `writeBuffer` directly stalled it now and then (measured).
 */
const DIRECT_WRITE_MAX = 16 * 1024;

/**
 * After the handshake, ciphertext read from the socket goes straight into Deno's TLS engine,
 * the engine's output straight to the socket, and small plaintext writes straight into the
 * engine, skipping node's Readable and Writable machinery (keep-alive HTTPS: ~20 % less CPU a
 * request, measured). Null — the streams stay in use — when the internals do not look like
 * Deno 2.9.6's.
 */
function engineHandle(socket: tls.TLSSocket): EngineHandle | null {
  const handle = (socket as unknown as { _handle?: Partial<EngineHandle> })._handle;
  if (
    typeof handle?._parent?.readBuffer !== "function" || typeof handle.writeBuffer !== "function"
  ) return null;
  return handle as EngineHandle;
}

export class TlsSession {
  readonly handshake: Promise<TlsHandshakeResult>;
  readonly #raw: Duplex;
  readonly #socket: tls.TLSSocket;
  #ended = false;
  #established = false;
  readonly #callbacks: TlsSessionCallbacks;
  readonly #settle: (result: TlsHandshakeResult) => void;
  /** The engine's handle once established, when the fast path applies (`engineHandle`). */
  #engine: EngineHandle | null = null;

  constructor(readonly sink: RawSink, settings: TlsSettings, callbacks: TlsSessionCallbacks) {
    this.#raw = new Duplex({
      read() {},
      write: (chunk: Buffer, _encoding, done) => {
        if (this.#destroyed) return done();
        sink.write(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice());
        done();
      },
      final: (done) => {
        this.#flushed();
        sink.closeWrite();
        done();
      },
    });
    let settle!: (result: TlsHandshakeResult) => void;
    this.handshake = new Promise((resolve) => (settle = resolve));
    this.#settle = settle;
    const fail = (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (!this.#established) settle({ ok: false, error: message });
      this.#end(message);
    };
    /** The peer's certificate as node handed it to `checkServerIdentity`, once it has. */
    let peerSeen: tls.DetailedPeerCertificate | null = null;
    const succeed = () => {
      const socket = this.#socket;
      // Each getPeerCertificate(true) builds node's legacy objects for the whole chain (~70 us):
      // reuse the one node already built for checkServerIdentity.
      const peer = settings.side === "client" ? peerSeen ?? socket.getPeerCertificate(true) : null;
      if (peer !== null && peerSeen === null && settings.side === "client" && settings.verify) {
        // With a shared secure context the engine checks the chain but not the name. node checks
        // it through our checkServerIdentity (peerSeen set); check here only if it did not.
        const host = settings.sni ?? settings.verifyHost;
        const mismatch = tls.checkServerIdentity(host, peer);
        if (mismatch !== undefined) {
          settle({ ok: false, error: mismatch.message });
          this.#ended = true;
          socket.destroy();
          return;
        }
      }
      this.#established = true;
      if (settings.side === "server") markServerKeyProven(settings.keyPem);
      this.#engine = engineHandle(socket);
      if (this.#engine !== null) this.#bypassRawWritable();
      const cipher = socket.getCipher();
      settle({
        ok: true,
        alpn: typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : null,
        tlsVersion: socket.getProtocol() ?? null,
        cipher: cipher?.name ?? null,
        peerCertificates: peer !== null ? peerChain(peer) : [],
        authorized: socket.authorized,
      });
    };
    this.#callbacks = callbacks;
    try {
      if (settings.side === "server") {
        const context = serverContext(settings.certChainPem, settings.keyPem, settings);
        const alpn = settings.alpn;
        this.#socket = new tls.TLSSocket(this.#raw as unknown as import("node:net").Socket, {
          isServer: true,
          // The SNI answer alone carries the context once the key is known to work.
          ...(serverKeyProven(settings.keyPem) ? {} : { secureContext: context }),
          // An SNICallback is required for ALPNCallback to work in Deno (deno-facts §1).
          SNICallback: (_name: string, cb: (err: Error | null, ctx: tls.SecureContext) => void) =>
            cb(null, context),
          ...(alpn !== null ? { ALPNCallback: () => alpn } : {}),
        } as tls.TLSSocketOptions);
        this.#socket.once("secure", succeed);
        // Replay the ClientHello only after the engine has started: bytes that are already
        // buffered when TLSSocket._start runs are processed synchronously there, and a failing
        // handshake then throws an uncaught TypeError in Deno 2.9.6 (deno-facts §1).
        if (settings.prefix.length > 0) {
          const prefix = Buffer.from(settings.prefix);
          setTimeout(() => this.feed(prefix), 0);
        }
      } else {
        this.#socket = tls.connect({
          socket: this.#raw as unknown as import("node:net").Socket,
          servername: settings.sni ?? undefined,
          ALPNProtocols: settings.alpnOffers.length > 0 ? [...settings.alpnOffers] : undefined,
          rejectUnauthorized: settings.verify,
          secureContext: clientContext(settings),
          checkServerIdentity: (_host, cert) => {
            // node passes getPeerCertificate(true): the detailed form, chain included.
            peerSeen = cert as tls.DetailedPeerCertificate;
            return tls.checkServerIdentity(settings.sni ?? settings.verifyHost, cert);
          },
        });
        this.#socket.once("secureConnect", succeed);
      }
    } catch (e) {
      this.#socket = undefined as unknown as tls.TLSSocket;
      settle({ ok: false, error: e instanceof Error ? e.message : String(e) });
      this.#ended = true;
      return;
    }
    this.#socket.on("data", (chunk: Buffer) => {
      callbacks.onPlaintext(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    });
    this.#socket.on("error", fail);
    this.#socket.on("end", () => this.#end(null));
    this.#socket.on("close", () => this.#end(null));
  }

  #end(error: string | null): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#established) this.#callbacks.onEnd(error);
    else this.#settle({ ok: false, error: error ?? "connection closed during the TLS handshake" });
  }

  /** Whether ciphertext bypasses the node streams (`engineHandle`); false before the handshake. */
  get directIo(): boolean {
    return this.#engine !== null;
  }

  /**
   * Ciphertext from the engine goes to the sink without the Duplex's Writable state, and without
   * a copy: the engine hands out a fresh buffer per chunk (checked; the session test delivers
   * asynchronously, so a reused buffer would corrupt its 3 MiB transfer).
   */
  #bypassRawWritable(): void {
    const sink = this.sink;
    const write = (chunk: Uint8Array, ...rest: unknown[]): boolean => {
      if (!this.#destroyed) sink.write(chunk);
      const done = rest[rest.length - 1];
      if (typeof done === "function") queueMicrotask(() => done(null));
      return true;
    };
    this.#raw.write = write as Duplex["write"];
  }

  /** Raw bytes from the socket. */
  feed(data: Uint8Array): void {
    if (this.#ended) return;
    if (this.#engine !== null) this.#engine._parent.readBuffer(data);
    else this.#raw.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }

  /** The socket reached EOF. */
  feedEof(): void {
    this.#raw.push(null);
  }

  write(plaintext: Uint8Array): void {
    if (this.#ended) return;
    const engine = this.#engine;
    if (
      engine !== null && plaintext.length <= DIRECT_WRITE_MAX && this.#socket.writableLength === 0
    ) {
      if (engine.writeBuffer(WRITE_REQUEST, plaintext) === 0) return;
    }
    this.#socket.write(Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength));
  }

  /** Sends close_notify and shuts the write side. */
  end(): void {
    if (this.#socket && !this.#socket.destroyed) this.#socket.end();
  }

  /**
   * Sends close_notify and resolves once the engine has handed every encrypted byte to the
   * socket (or after a short grace), so a response written just before a close is not lost.
   */
  endAndFlush(): Promise<void> {
    if (!this.#socket || this.#socket.destroyed || this.#ended && !this.#established) {
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 1000);
      this.#onFlushed.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    this.#socket.end();
    return done;
  }

  #onFlushed: (() => void)[] = [];

  #flushed(): void {
    const waiters = this.#onFlushed;
    this.#onFlushed = [];
    for (const resolve of waiters) resolve();
  }

  #destroyed = false;

  destroy(): void {
    this.#flushed();
    this.#ended = true;
    // The raw side is left open but mute: destroying it makes the engine's pending output
    // (an alert, close_notify) fail with a costly stream error on every closed connection.
    this.#destroyed = true;
    this.#socket?.destroy();
  }
}
