/**
 * The context a layer runs in: the client, the current server, the options layers
 * read, a clock, and the stack of layers above it.
 */
import type { Client, Server } from "../core/flow/connection.ts";
import type { HookName } from "../core/hooks.ts";
import type { Layer } from "./layer.ts";

/** The options layers read, resolved to ready-to-use values when a connection starts. */
export interface LayerOptions {
  /** Bytes; bodies larger than this abort the flow with an error. */
  readonly body_size_limit: number | null;
  /** Bytes; bodies larger than this are streamed instead of buffered. */
  readonly stream_large_bodies: number | null;
  readonly connection_strategy: "eager" | "lazy";
  readonly rawtcp: boolean;
  readonly validate_inbound_headers: boolean;
  readonly keep_host_header: boolean;
  readonly http_connect_send_host_header: boolean;
  readonly ignore_hosts: readonly RegExp[];
  readonly allow_hosts: readonly RegExp[];
  readonly tcp_hosts: readonly RegExp[];
  /** Head-size and header-count limits for HTTP/1 parsing. */
  readonly max_head_size: number;
  readonly max_header_count: number;
  readonly proxy_debug: boolean;
  /** Speak HTTP/2 where both sides offer it (ALPN). */
  readonly http2: boolean;
  /** Seconds of idleness before an HTTP/2 connection to a server gets a PING (0: never). */
  readonly http2_ping_keepalive: number;
  /** Decode WebSocket connections into messages (else they pass through as raw TCP). */
  readonly websocket: boolean;
  /** Learn the server's certificate (connect upstream first) before answering the client. */
  readonly upstream_cert: boolean;
  /** Seconds to wait for a response head after the request was sent (0 = forever). */
  readonly response_timeout: number;
}

export const DEFAULT_LAYER_OPTIONS: LayerOptions = {
  body_size_limit: null,
  stream_large_bodies: null,
  connection_strategy: "eager",
  rawtcp: true,
  validate_inbound_headers: true,
  keep_host_header: false,
  http_connect_send_host_header: true,
  ignore_hosts: [],
  allow_hosts: [],
  tcp_hosts: [],
  max_head_size: 64 * 1024,
  max_header_count: 200,
  proxy_debug: false,
  response_timeout: 300,
  upstream_cert: true,
  websocket: true,
  http2: true,
  http2_ping_keepalive: 58,
};

/** Time source in seconds since the epoch; layers never read the wall clock themselves. */
export interface Clock {
  now(): number;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now() / 1000 };

/** Random bytes (WebSocket masking keys); injected so tests are repeatable. */
export type Entropy = (size: number) => Uint8Array;

export const SYSTEM_ENTROPY: Entropy = (size) => crypto.getRandomValues(new Uint8Array(size));

/**
 * Whether any addon listens to a hook. Layers skip hooks nobody listens to: such a hook
 * completes at once anyway, and each round trip costs a pause and a resume per request.
 */
export type HookFilter = (name: HookName) => boolean;
export const ALL_HOOKS: HookFilter = () => true;

export class Context {
  constructor(
    readonly client: Client,
    public server: Server,
    readonly options: LayerOptions,
    readonly clock: Clock,
    public layers: Layer[] = [],
    readonly entropy: Entropy = SYSTEM_ENTROPY,
    readonly wantsHook: HookFilter = ALL_HOOKS,
  ) {}

  /** A copy for a child layer: same connections, its own layer stack. */
  fork(): Context {
    return new Context(
      this.client,
      this.server,
      this.options,
      this.clock,
      [...this.layers],
      this.entropy,
      this.wantsHook,
    );
  }

  describeStack(): string {
    return this.layers.map((l) => l.describe()).join(" > ");
  }
}
