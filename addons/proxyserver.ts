/**
 * The proxy server addon (mitmproxy's `proxyserver.py`): declares the proxy's options,
 * validates them, starts one listener per `--mode` spec when the proxy is running and
 * stops them at shutdown.
 */
import type { Loader } from "../core/hooks.ts";
import { CommandError } from "../core/command.ts";
import type { Flow } from "../core/flow/flow.ts";
import { TcpFlow, TcpMessage } from "../core/flow/tcp.ts";
import { HttpFlow } from "../core/flow/http.ts";
import { Opcode, WebSocketMessage } from "../core/flow/websocket.ts";
import { utf8Encode } from "../codecs/bytes.ts";
import { type Event, MessageInjected } from "../layers/events.ts";
import type { Logger } from "../core/log.ts";
import { OptionsError, parseSize } from "../core/option_types.ts";
import type { Options } from "../core/options.ts";
import { type Clock, type LayerOptions, SYSTEM_CLOCK } from "../layers/context.ts";
import { checkModeSupported, ModeServer } from "../proxy/mode_servers.ts";
import { type ModeSpec, parseModeSpec } from "../proxy/mode_specs.ts";
import type { HandlerDeps, HookRunner } from "../proxy/server.ts";

const CONNECT_TIMEOUT_MS = 30_000;
const SHUTDOWN_GRACE_MS = 2_000;

export class ProxyServer {
  readonly name = "proxyserver";
  #servers: ModeServer[] = [];
  #layerOptions: LayerOptions | null = null;
  #options: Options | null = null;
  #logger: Logger | null = null;
  #startupErrors = 0;
  #stopCountingErrors: (() => void) | null = null;

  constructor(readonly hooks: HookRunner, readonly clock: Clock = SYSTEM_CLOCK) {}

  get servers(): readonly ModeServer[] {
    return this.#servers;
  }

  /** Injects an event into the live connection of `flow`; false if it is gone. */
  injectEvent(flow: Flow, event: Event): boolean {
    for (const server of this.#servers) {
      const handler = server.handlerFor(flow.client_conn.id);
      if (handler !== undefined) {
        handler.inject(event);
        return true;
      }
    }
    return false;
  }

  load(loader: Loader): void {
    this.#options = loader.options;
    // Errors logged while starting (e.g. a broken CA) mean we must not start listening.
    const unsubscribe = loader.logger.subscribe((entry) => {
      if (entry.level === "error") this.#startupErrors++;
    });
    this.#stopCountingErrors = unsubscribe;
    loader.add_command(
      "inject.websocket",
      (flow: Flow, toClient: boolean, message: string, isText = true) => {
        if (!(flow instanceof HttpFlow) || flow.websocket === null || !flow.live) {
          throw new CommandError("Flow is not a live WebSocket flow.");
        }
        const injected = new WebSocketMessage(
          isText ? Opcode.TEXT : Opcode.BINARY,
          !toClient,
          utf8Encode(message),
          this.clock.now(),
        );
        if (!this.injectEvent(flow, new MessageInjected(flow, injected))) {
          throw new CommandError("Flow is not live (its connection is closed).");
        }
      },
      {
        args: [
          { name: "flow", type: "flow" },
          { name: "to_client", type: "bool" },
          { name: "message", type: "str" },
          { name: "is_text", type: "bool", optional: true },
        ],
        help: "Inject a WebSocket message into a live flow, towards the client or the server.",
      },
    );
    loader.add_command(
      "inject.tcp",
      (flow: Flow, toClient: boolean, message: string) => {
        if (!(flow instanceof TcpFlow) || !flow.live) {
          throw new CommandError("Flow is not a live TCP flow.");
        }
        const injected = new TcpMessage(!toClient, utf8Encode(message), this.clock.now());
        if (!this.injectEvent(flow, new MessageInjected(flow, injected))) {
          throw new CommandError("Flow is not live (its connection is closed).");
        }
      },
      {
        args: [
          { name: "flow", type: "flow" },
          { name: "to_client", type: "bool" },
          { name: "message", type: "str" },
        ],
        help: "Inject a TCP message into a live flow, towards the client or the server.",
      },
    );
    this.#logger = loader.logger;
    const add = loader.add_option.bind(loader);
    add("server", "bool", true, "Start a proxy server. Enabled by default.");
    add(
      "mode",
      "sequence of str",
      ["regular"],
      "The proxy server type(s) to spawn. Can be passed multiple times. Syntax: name[:data][@[host:]port].",
    );
    add(
      "listen_host",
      "str",
      "",
      "Address to bind proxy server(s) to (may be overridden for individual modes, see `mode`).",
    );
    add(
      "listen_port",
      "optional int",
      null,
      "Port to bind proxy server(s) to (may be overridden for individual modes, see `mode`). Defaults to 8080 for the regular mode.",
    );
    add(
      "connection_strategy",
      "str",
      "eager",
      "Determine when server connections should be established. When set to lazy, mitmdeno tries to defer establishing an upstream connection as long as possible.",
      ["eager", "lazy"],
    );
    add(
      "body_size_limit",
      "optional str",
      null,
      "Byte size limit of HTTP request and response bodies. Understands k/m/g suffixes, i.e. 3m for 3 megabytes.",
    );
    add(
      "stream_large_bodies",
      "optional str",
      null,
      "Stream data to the client if request or response body exceeds the given threshold. If streamed, the body will not be stored in any way, and such responses cannot be modified. Understands k/m/g suffixes, i.e. 3m for 3 megabytes.",
    );
    add(
      "rawtcp",
      "bool",
      true,
      "Enable/disable raw TCP connections. TCP connections are enabled by default.",
    );
    add(
      "ignore_hosts",
      "sequence of str",
      [],
      "Ignore host and forward all traffic without processing it. Regular expressions matched against host:port.",
    );
    add("allow_hosts", "sequence of str", [], "Opposite of --ignore-hosts.");
    add(
      "tcp_hosts",
      "sequence of str",
      [],
      "Generic TCP SSL proxy mode for all hosts that match the pattern.",
    );
    add(
      "keep_host_header",
      "bool",
      false,
      "Reverse Proxy: Keep the original host header instead of rewriting it to the reverse proxy target.",
    );
    add(
      "validate_inbound_headers",
      "bool",
      true,
      "Make sure that incoming HTTP requests are not malformed. Disabling this option makes mitmdeno vulnerable to HTTP smuggling attacks.",
    );
    add(
      "http_connect_send_host_header",
      "bool",
      true,
      "Include host header with CONNECT requests. Enabled by default.",
    );
    add("proxy_debug", "bool", false, "Enable debug logs in the proxy core.");
    add(
      "websocket",
      "bool",
      true,
      "Enable/disable WebSocket support. WebSocket support is enabled by default.",
    );
    add(
      "http2",
      "bool",
      true,
      "Enable/disable HTTP/2 support. HTTP/2 support is enabled by default.",
    );
    add(
      "http2_ping_keepalive",
      "int",
      58,
      "Send a PING frame if an HTTP/2 connection is idle for more than the specified number of seconds to prevent the remote site from closing it. Set to 0 to disable this feature.",
    );
    add(
      "response_timeout",
      "int",
      300,
      "Seconds to wait for the server's response head after a request was sent; the client then gets a 504. 0 waits forever.",
    );
  }

  configure(updated: ReadonlySet<string>): void {
    const options = this.#options!;
    const specs = this.#modeSpecs(options);
    if (updated.has("mode")) {
      const seen = new Set<string>();
      for (const spec of specs) {
        const unsupported = checkModeSupported(spec);
        if (unsupported !== null) throw new OptionsError(unsupported);
        const key = `${spec.listenHost ?? ""}:${spec.listenPort ?? ""}`;
        if (seen.has(key)) {
          throw new OptionsError(
            `Cannot spawn multiple servers on the same address: ${spec.fullSpec}`,
          );
        }
        seen.add(key);
      }
    }
    this.#layerOptions = {
      body_size_limit: sizeOption(options, "body_size_limit"),
      stream_large_bodies: sizeOption(options, "stream_large_bodies"),
      connection_strategy: options.get("connection_strategy") as "eager" | "lazy",
      rawtcp: options.get("rawtcp") as boolean,
      validate_inbound_headers: options.get("validate_inbound_headers") as boolean,
      keep_host_header: options.get("keep_host_header") as boolean,
      http_connect_send_host_header: options.get("http_connect_send_host_header") as boolean,
      ignore_hosts: regexOption(options, "ignore_hosts"),
      allow_hosts: regexOption(options, "allow_hosts"),
      tcp_hosts: regexOption(options, "tcp_hosts"),
      max_head_size: 64 * 1024,
      max_header_count: 200,
      proxy_debug: options.get("proxy_debug") as boolean,
      response_timeout: options.get("response_timeout") as number,
      // Declared by the tlsconfig addon; without it there is no interception to mirror for.
      upstream_cert: options.has("upstream_cert") ? options.get("upstream_cert") as boolean : false,
      websocket: options.get("websocket") as boolean,
      http2: options.get("http2") as boolean,
      http2_ping_keepalive: options.get("http2_ping_keepalive") as number,
    };
    if (this.#layerOptions.response_timeout < 0) {
      throw new OptionsError(`Invalid value for option "response_timeout": must be 0 or more`);
    }
  }

  running(): void {
    this.#stopCountingErrors?.();
    const options = this.#options!;
    if (!(options.get("server") as boolean)) return;
    if (this.#startupErrors > 0) {
      this.#logger!.error("Not starting the proxy server because of the errors above.");
      return;
    }
    for (const spec of this.#modeSpecs(options)) {
      const server = new ModeServer(spec, () => this.#deps());
      let addr: Deno.NetAddr;
      try {
        addr = server.listen(
          options.get("listen_host") as string,
          options.get("listen_port") as number | null,
        );
      } catch (e) {
        const why = e instanceof Deno.errors.AddrInUse
          ? "address already in use"
          : e instanceof Error
          ? e.message
          : String(e);
        this.#logger!.error(`Error starting ${describeMode(spec)} (${spec.fullSpec}): ${why}`);
        continue;
      }
      this.#servers.push(server);
      const host = addr.hostname === "0.0.0.0" || addr.hostname === "::" ? "*" : addr.hostname;
      this.#logger!.info(`${describeMode(spec)} listening at ${host}:${addr.port}.`);
    }
  }

  async done(): Promise<void> {
    const servers = this.#servers;
    this.#servers = [];
    await Promise.all(servers.map((s) => s.stop(SHUTDOWN_GRACE_MS)));
  }

  #modeSpecs(options: Options): ModeSpec[] {
    try {
      return (options.get("mode") as string[]).map(parseModeSpec);
    } catch (e) {
      throw new OptionsError(e instanceof Error ? e.message : String(e));
    }
  }

  #deps(): HandlerDeps {
    const logger = this.#logger!;
    const layerOptions = this.#layerOptions!;
    return {
      hooks: this.hooks,
      log: (level, message) => {
        if (level === "debug" && !layerOptions.proxy_debug) return;
        logger.log(level, message);
      },
      options: layerOptions,
      clock: this.clock,
      connect: (hostname, port) => Deno.connect({ hostname, port, transport: "tcp" }),
      connectTimeoutMs: CONNECT_TIMEOUT_MS,
    };
  }
}

function describeMode(spec: ModeSpec): string {
  switch (spec.name) {
    case "regular":
      return "HTTP(S) proxy";
    case "reverse":
      return `Reverse proxy to ${spec.data}`;
    default:
      return `${spec.name} proxy`;
  }
}

function sizeOption(options: Options, name: string): number | null {
  const value = options.get(name) as string | null;
  if (value === null) return null;
  try {
    return parseSize(value);
  } catch (e) {
    throw new OptionsError(
      `Invalid value for option "${name}": ${e instanceof Error ? e.message : e}`,
    );
  }
}

function regexOption(options: Options, name: string): RegExp[] {
  return (options.get(name) as string[]).map((pattern) => {
    try {
      return new RegExp(pattern, "i");
    } catch (e) {
      throw new OptionsError(
        `Invalid regular expression in option "${name}": ${pattern} (${
          e instanceof Error ? e.message : e
        })`,
      );
    }
  });
}
