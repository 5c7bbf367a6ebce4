/**
 * TLS interception. `ClientTlsLayer` reads the client's ClientHello itself (SNI, ALPN), runs
 * `tls_clienthello` (which may pass the connection through untouched), connects upstream
 * first when asked to learn the server's certificate and ALPN, then has the client handshake
 * done with the settings an addon chose in `tls_start_client`, and hands the plaintext to a
 * `NextLayer`. The handshakes themselves run in the proxy's TLS engine (`StartTls`), so this
 * layer stays sans-io.
 *
 * States: hello (collecting the ClientHello) → handshake → open (child handles everything)
 *         hello → passthrough (child is a raw TCP relay) | closed (not TLS, or failed)
 */
import { ClientHelloReader } from "../codecs/tls/client_hello.ts";
import type { ClientHello } from "../codecs/tls/types.ts";
import { concatBytes } from "../codecs/bytes.ts";
import type { Server } from "../core/flow/connection.ts";
import type { ClientHelloHookData, TlsHookData } from "../core/hooks.ts";
import { CloseConnection, type Connection, StartTls } from "./commands.ts";
import { ConnectionClosed, DataReceived, type Event, Start } from "./events.ts";
import { type CommandGenerator, Layer, log, openConnection, runHook } from "./layer.ts";
import type { Context } from "./context.ts";
import type { TlsHandshakeResult, TlsSettings } from "./tls_settings.ts";

/** Builds the layer that handles the decrypted stream (normally a NextLayer). */
export type ChildFactory = (context: Context, passthrough: boolean) => Layer;

type State = "hello" | "handshake" | "open" | "closed";

export class ClientTlsLayer extends Layer {
  #state: State = "hello";
  #reader = new ClientHelloReader();
  #clientBytes: Uint8Array[] = [];
  #serverBytes: Uint8Array[] = [];
  #child: Layer | null = null;

  /**
   * `serverTls`: the server side speaks TLS too (a CONNECT tunnel, reverse https/tls), so it
   * may be connected first to mirror its certificate; false for reverse http/tcp targets.
   */
  constructor(context: Context, readonly makeChild: ChildFactory, readonly serverTls = true) {
    super(context);
  }

  override describe(): string {
    return `ClientTlsLayer(${this.#state})`;
  }

  override get delegate(): Layer | null {
    return this.idle ? this.#child : null;
  }

  protected *handle(event: Event): CommandGenerator {
    if (this.#child !== null) {
      yield* this.#child.handleEvent(event);
      return;
    }
    if (this.#state !== "hello") return;
    const client = this.context.client;
    if (event instanceof DataReceived && event.connection === client) {
      this.#clientBytes.push(event.data);
      const result = this.#reader.feed(event.data);
      if (result.kind === "incomplete") return;
      if (result.kind !== "hello") {
        const why = result.kind === "not_tls" ? result.reason : result.message;
        yield* this.#fail(`Client TLS handshake failed: not a valid ClientHello (${why})`);
        return;
      }
      yield* this.#onClientHello(result.hello);
    } else if (event instanceof DataReceived) {
      this.#serverBytes.push(event.data); // the server spoke first: keep it for the child
    } else if (event instanceof ConnectionClosed && event.connection === client) {
      this.#state = "closed";
      yield log("client closed the connection before completing its ClientHello", "debug");
      yield new CloseConnection(client);
    }
  }

  *#onClientHello(hello: ClientHello): CommandGenerator {
    const { client, server, options } = this.context;
    client.sni = hello.sni;
    client.alpn_offers = [...hello.alpnProtocols];
    const data: ClientHelloHookData = {
      context: this.context,
      client_hello: {
        sni: hello.sni,
        alpn_protocols: hello.alpnProtocols,
        cipher_suites: hello.cipherSuites,
        extensions: hello.extensions,
        raw: hello.raw,
      },
      ignore_connection: false,
      establish_server_tls_first: this.serverTls && options.connection_strategy === "eager" &&
        options.upstream_cert,
    };
    yield* runHook("tls_clienthello", data);
    if (data.ignore_connection) {
      yield* this.#startChild(true, true);
      return;
    }
    this.#state = "handshake";
    if (data.establish_server_tls_first && server.address !== null && !server.tls_established) {
      const error = yield* serverTlsHandshake(this.context, server);
      if (error !== null) yield log(`Server TLS handshake failed: ${error}`, "warn");
    }
    const tlsData: TlsHookData = {
      conn: client,
      context: this.context,
      settings: null,
      is_dtls: false,
    };
    yield* runHook("tls_start_client", tlsData);
    const settings = tlsData.settings as TlsSettings | null;
    if (settings === null || settings.side !== "server") {
      yield* this.#fail(
        "Client TLS handshake not started: no TLS settings, so no certificate to present " +
          "(see the error above, or load the tlsconfig addon)",
      );
      return;
    }
    const prefix = concatBytes(this.#clientBytes);
    this.#clientBytes = [];
    const result = (yield new StartTls(client, { ...settings, prefix })) as TlsHandshakeResult;
    if (!result.ok) {
      client.error = result.error;
      yield* runHook("tls_failed_client", tlsData);
      const name = hello.sni ?? (server.address?.[0] ?? "the server");
      yield* this.#fail(clientFailureMessage(name, result.error));
      return;
    }
    applyHandshake(client, result, this.context.clock.now());
    yield* runHook("tls_established_client", tlsData);
    yield* this.#startChild(false, false);
  }

  /** Hands the connection to the child; a passthrough child also gets the raw hello. */
  *#startChild(passthrough: boolean, replayClientBytes: boolean): CommandGenerator {
    this.#state = passthrough ? "closed" : "open";
    const context = this.context.fork();
    const child = this.makeChild(context, passthrough);
    context.layers.push(child);
    this.#child = child;
    yield* child.handleEvent(new Start());
    if (replayClientBytes) {
      for (const data of this.#clientBytes) {
        yield* child.handleEvent(new DataReceived(this.context.client, data));
      }
    }
    this.#clientBytes = [];
    for (const data of this.#serverBytes) {
      yield* child.handleEvent(new DataReceived(this.context.server, data));
    }
    this.#serverBytes = [];
  }

  *#fail(message: string): CommandGenerator {
    this.#state = "closed";
    this.context.client.error ??= message;
    yield log(message, "warn");
    yield new CloseConnection(this.context.client);
    if (this.context.server.connected) yield new CloseConnection(this.context.server);
  }
}

/**
 * Connects TLS to a server: opens the connection if needed, runs `tls_start_server` for the
 * settings, does the handshake and records the result on the connection. Returns an error
 * message or null.
 */
export function* serverTlsHandshake(
  context: Context,
  server: Server,
): CommandGenerator<string | null> {
  if (!server.connected) {
    const error = yield* openConnection(server);
    if (error !== null) return error;
  }
  const tlsData: TlsHookData = { conn: server, context, settings: null, is_dtls: false };
  yield* runHook("tls_start_server", tlsData);
  const settings = tlsData.settings as TlsSettings | null;
  if (settings === null || settings.side !== "client") {
    return "no TLS settings for the server connection (is the tlsconfig addon loaded?)";
  }
  const result = (yield new StartTls(server, settings)) as TlsHandshakeResult;
  if (!result.ok) {
    server.error = result.error;
    yield* runHook("tls_failed_server", tlsData);
    yield new CloseConnection(server);
    return result.error;
  }
  applyHandshake(server, result, context.clock.now());
  server.sni = settings.sni;
  server.certificate_list = [...result.peerCertificates];
  yield* runHook("tls_established_server", tlsData);
  return null;
}

/** Says why a client handshake failed in words a user can act on. */
export function clientFailureMessage(name: string, error: string): string {
  if (
    /incompatible|version|NotOfferedOrEnabled|no shared cipher|NoCipherSuitesInCommon/i.test(error)
  ) {
    return "Client TLS handshake failed: the client and mitmdeno cannot agree on a TLS version " +
      `or cipher for ${name} (${error}). You may need to adjust tls_version_client_min/max ` +
      "or ciphers_client.";
  }
  return `Client TLS handshake failed. The client does not trust the proxy's certificate for ${name} (${error})`;
}

function applyHandshake(
  conn: Connection,
  result: TlsHandshakeResult & { ok: true },
  now: number,
): void {
  conn.tls = true;
  conn.alpn = result.alpn;
  conn.tls_version = result.tlsVersion;
  conn.cipher = result.cipher;
  conn.timestamp_tls_setup = now;
}
