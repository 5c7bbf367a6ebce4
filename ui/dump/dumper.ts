/**
 * The mitmdump printer: for each finished flow, the request line and the response line
 * (status, size, duration), and more per `flow_detail` (2: headers, 3: bodies cut to 4 KiB,
 * 4: full bodies). Colour only when writing to a terminal.
 */
import type { HttpFlow, Message } from "../../core/flow/http.ts";
import type { TcpFlow } from "../../core/flow/tcp.ts";
import type { Loader } from "../../core/hooks.ts";
import type { Options } from "../../core/options.ts";
import { OptionsError } from "../../core/option_types.ts";
import type { FlowFilter } from "../../core/flowfilter/filter.ts";
import { REASON_PHRASES } from "../../codecs/http1/status_reasons.ts";
import { compileFlowFilter } from "../../addons/filter_option.ts";

export interface DumpOutput {
  write(text: string): void;
  readonly color: boolean;
}

const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  cyan: [36, 39],
} as const;
type Style = keyof typeof STYLES;

export function formatAddress(address: [string, number] | null): string {
  if (address === null) return "<no address>";
  const [host, port] = address;
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes}b`;
  const units = ["k", "m", "g", "t"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)}${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)}ms`;
  return `${seconds.toFixed(seconds < 10 ? 2 : 1)}s`;
}

export class Dumper {
  readonly name = "dumper";

  #options: Options | null = null;
  #filter: FlowFilter | null = null;

  constructor(readonly out: DumpOutput) {}

  get options(): Options {
    return this.#options!;
  }

  load(loader: Loader): void {
    this.#options = loader.options;
    loader.add_option(
      "flow_detail",
      "int",
      1,
      "The display detail level for flows in mitmdump: 0 (quiet) to 4 (very verbose). 0: no flows; 1: request and response lines; 2: and headers; 3: and bodies, cut to 4 KiB; 4: and full bodies.",
    );
    loader.add_option("dumper_filter", "optional str", null, "Limit which flows are dumped.");
  }

  configure(updated: ReadonlySet<string>): void {
    if (updated.has("dumper_filter")) {
      this.#filter = compileFlowFilter(
        "dumper_filter",
        this.options.get("dumper_filter") as string | null,
      );
    }
    if (!updated.has("flow_detail")) return;
    const detail = this.options.get("flow_detail") as number;
    if (detail < 0 || detail > 4) {
      throw new OptionsError(`Invalid value for option "flow_detail": ${detail} (expected 0 to 4)`);
    }
  }

  #style(text: string, ...styles: Style[]): string {
    if (!this.out.color) return text;
    return styles.reduce((t, s) => `\x1b[${STYLES[s][0]}m${t}\x1b[${STYLES[s][1]}m`, text);
  }

  get #detail(): number {
    return this.options.get("flow_detail") as number;
  }

  response(flow: HttpFlow): void {
    this.#echoFlow(flow);
  }

  error(flow: HttpFlow): void {
    this.#echoFlow(flow);
  }

  websocket_message(flow: HttpFlow): void {
    if (this.#detail === 0 || (this.#filter !== null && !this.#filter.match(flow))) return;
    const message = flow.websocket?.messages.at(-1);
    if (message === undefined) return;
    const arrow = message.from_client ? "->" : "<-";
    const kind = message.is_text ? "text" : "binary";
    const client = formatAddress(flow.client_conn.peername);
    const server = formatAddress(flow.server_conn.address);
    const note = message.dropped ? " (dropped)" : message.injected ? " (injected)" : "";
    this.out.write(
      `${client} ${arrow} WebSocket ${kind} message ${arrow} ${server}${flow.request.path}${note}\n`,
    );
    if (this.#detail >= 3) {
      const body = message.is_text ? message.text : `[${message.content.length} bytes]`;
      this.out.write(`    ${body.slice(0, this.#detail >= 4 ? Infinity : 4096)}\n`);
    }
  }

  websocket_end(flow: HttpFlow): void {
    if (this.#detail === 0 || (this.#filter !== null && !this.#filter.match(flow))) return;
    const ws = flow.websocket!;
    const by = ws.closed_by_client ? "client" : "server";
    const reason = ws.close_reason ? ` (${ws.close_reason})` : "";
    this.out.write(
      `${
        formatAddress(flow.client_conn.peername)
      } WebSocket connection closed by ${by}: ${ws.close_code}${reason}\n`,
    );
  }

  tcp_end(flow: TcpFlow): void {
    this.#echoTcp(flow);
  }

  tcp_error(flow: TcpFlow): void {
    this.#echoTcp(flow);
  }

  #echoTcp(flow: TcpFlow): void {
    if (this.#detail === 0 || (this.#filter !== null && !this.#filter.match(flow))) return;
    const client = formatAddress(flow.client_conn.peername);
    const server = formatAddress(flow.server_conn.address);
    const sent = flow.messages.reduce((n, m) => n + (m.from_client ? m.content.length : 0), 0);
    const received = flow.messages.reduce((n, m) => n + (m.from_client ? 0 : m.content.length), 0);
    const error = flow.error ? ` ${this.#style(flow.error.msg, "red")}` : "";
    this.out.write(
      `${client} <-> ${server} tcp ${formatSize(sent)} sent, ${
        formatSize(received)
      } received${error}\n`,
    );
  }

  #echoFlow(flow: HttpFlow): void {
    const detail = this.#detail;
    if (detail === 0 || (this.#filter !== null && !this.#filter.match(flow))) return;
    const request = flow.request;
    const client = formatAddress(flow.client_conn.peername);
    // A request without a destination (e.g. origin-form to the proxy) is shown by its Host.
    const url = this.options.get("showhost") || request.host === ""
      ? request.pretty_url
      : request.url;
    const version = request.http_version === "HTTP/1.1" ? "" : ` ${request.http_version}`;
    const replay = flow.is_replay === "request" ? "[replay] " : "";
    const method = this.#style(request.method, "bold", methodColor(request.method));
    this.out.write(`${replay}${client}: ${method} ${this.#style(url, "bold")}${version}\n`);
    if (detail >= 2) this.#echoHeaders(request);
    if (detail >= 3) this.#echoBody(request, detail);
    const pad = " ".repeat(Math.max(0, client.length - 2));
    const response = flow.response;
    if (response !== null && (flow.error === null || response.status_code !== 0)) {
      const code = response.status_code;
      const codeColor: Style = code >= 500
        ? "red"
        : code >= 400
        ? "yellow"
        : code >= 300
        ? "cyan"
        : "green";
      const size = response.raw_content === null ? "(content missing)" : formatSize(
        response.raw_content.length,
      );
      const start = request.timestamp_start;
      const end = response.timestamp_end ?? response.timestamp_start;
      const duration = end !== null && start !== null ? ` ${formatDuration(end - start)}` : "";
      this.out.write(
        `${pad}${this.#style("<<", "bold")} ${this.#style(String(code), codeColor, "bold")} ${
          response.reason || (REASON_PHRASES[code] ?? "")
        } ${size}${duration}\n`,
      );
      if (detail >= 2) this.#echoHeaders(response);
      if (detail >= 3) this.#echoBody(response, detail);
    }
    if (flow.error !== null) {
      this.out.write(`${pad}${this.#style("<<", "bold")} ${this.#style(flow.error.msg, "red")}\n`);
    }
  }

  #echoHeaders(message: Message): void {
    for (const [name, value] of message.headers.fields) {
      this.out.write(`    ${this.#style(name, "bold", "blue")}: ${value}\n`);
    }
  }

  #echoBody(message: Message, detail: number): void {
    const raw = message.raw_content;
    if (raw === null || raw.length === 0) return;
    let text: string;
    try {
      text = message.text ?? "";
    } catch {
      text = `[${raw.length} bytes of undecodable content]`;
    }
    const limit = detail >= 4 ? Infinity : 4096;
    const cut = text.length > limit ? `${text.slice(0, limit)}\n[cut off]` : text;
    this.out.write(`\n${cut.replace(/^/gm, "    ")}\n\n`);
  }
}

function methodColor(method: string): Style {
  switch (method) {
    case "GET":
      return "green";
    case "POST":
      return "yellow";
    case "DELETE":
      return "red";
    default:
      return "cyan";
  }
}
