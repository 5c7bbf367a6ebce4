/** HTTP requests, responses and flows (mitmproxy `http.py`). */

import { latin1Decode, latin1Encode } from "../../codecs/bytes.ts";
import { Client, Server } from "./connection.ts";
import {
  formatCookieHeader,
  formatSetCookieHeader,
  parseCookieHeaders,
  parseSetCookieHeaders,
  type SetCookie,
} from "./cookies.ts";
import { Flow, flowStateDict, nowSeconds } from "./flow.ts";
import { Headers } from "./headers.ts";
import { type HeadersInit, Message, type MessageInit, messageInitFromState } from "./message.ts";
import { MultiDictView } from "./multidict.ts";
import { asBytes, asDict, asNum, asStr, type StateDict, type StateValue } from "./state.ts";
import { reasonPhrase } from "./status_codes.ts";
import {
  defaultPort,
  hostport,
  joinPath,
  parseAuthority,
  parseUrl,
  quote,
  splitPath,
  toLatin1Loose,
  unparseUrl,
  unquote,
  urlDecodeForm,
  urlEncodeForm,
} from "./url.ts";
import { WebSocketData } from "./websocket.ts";

export { Message };
export type { HeadersInit, MessageInit };

/** Headers argument of the `make` helpers: a Headers, a plain object or a field list. */
export type MakeHeaders = Headers | Record<string, string> | Iterable<readonly [string, string]>;

function makeHeaders(h: MakeHeaders): Headers {
  if (h instanceof Headers) return h;
  if (Symbol.iterator in h) return new Headers(h as Iterable<readonly [string, string]>);
  return new Headers(Object.entries(h));
}

export interface RequestInit extends MessageInit {
  /** Destination host (not the Host header). */
  host: string;
  port: number;
  method: string;
  scheme: string;
  /** HTTP/2 :authority or the authority of an absolute/authority-form target; "" otherwise. */
  authority: string;
  /** Path and query ("*" or "" for CONNECT). */
  path: string;
}

export class Request extends Message {
  #host: string;
  #port: number;
  #method: string;
  #path: string;
  scheme: string;
  authority: string;

  constructor(init: RequestInit) {
    super(init);
    this.#host = init.host;
    this.#port = init.port;
    this.#method = init.method;
    this.scheme = init.scheme;
    this.authority = init.authority;
    this.#path = init.path;
  }

  /** mitmproxy `Request.make`: a request from a URL; body from `content` (bytes, or text
   * encoded per Content-Type); Content-Length is set. */
  static make(
    method: string,
    url: string,
    content: string | Uint8Array = "",
    headers: MakeHeaders = [],
    timestamp: number = nowSeconds(),
  ): Request {
    const req = new Request({
      host: "",
      port: 0,
      method: toLatin1Loose(method),
      scheme: "",
      authority: "",
      path: "",
      http_version: "HTTP/1.1",
      headers: makeHeaders(headers),
      content: new Uint8Array(0),
      trailers: null,
      timestamp_start: timestamp,
      timestamp_end: timestamp,
    });
    req.url = url;
    if (typeof content === "string") req.text = content;
    else req.content = content;
    return req;
  }

  /** Upper-cased method, e.g. "GET". */
  get method(): string {
    return this.#method.toUpperCase();
  }

  set method(v: string) {
    this.#method = toLatin1Loose(v);
  }

  get host(): string {
    return this.#host;
  }

  /** Also updates an existing Host header and a non-empty authority. */
  set host(v: string) {
    this.#host = v;
    this.#updateHostAndAuthority();
  }

  get port(): number {
    return this.#port;
  }

  set port(v: number) {
    if (!Number.isInteger(v)) throw new TypeError(`Port must be an integer, not ${v}.`);
    this.#port = v;
    this.#updateHostAndAuthority();
  }

  /**
   * Points the request at `host:port` over `scheme` and leaves the Host header and the authority
   * as the client sent them (transparent and CONNECT-tunnelled requests). The `host` and `port`
   * setters would rewrite both.
   */
  setAddress(scheme: string, host: string, port: number): void {
    if (!Number.isInteger(port)) throw new TypeError(`Port must be an integer, not ${port}.`);
    this.scheme = scheme;
    this.#host = host;
    this.#port = port;
  }

  #updateHostAndAuthority(): void {
    const val = hostport(this.scheme, this.#host, this.#port);
    if (this.headers.has("host")) this.headers.set("Host", val);
    if (this.authority) this.authority = val;
  }

  /** Path plus query, e.g. "/index.html?a=b" (latin1). */
  get path(): string {
    return this.#path;
  }

  set path(v: string) {
    this.#path = toLatin1Loose(v);
  }

  /** "authority" for CONNECT, "absolute" if there is an authority, else "relative". */
  get first_line_format(): "authority" | "absolute" | "relative" {
    if (this.method === "CONNECT") return "authority";
    return this.authority ? "absolute" : "relative";
  }

  get url(): string {
    if (this.first_line_format === "authority") return `${this.#host}:${this.#port}`;
    return unparseUrl(this.scheme, this.#host, this.#port, this.#path);
  }

  /** Sets scheme, host, port and path from a URL. Throws `UrlError`. */
  set url(v: string) {
    const u = parseUrl(v);
    this.scheme = u.scheme;
    this.host = u.host;
    this.port = u.port;
    this.path = u.path;
  }

  /** Host header (HTTP/1) or authority (HTTP/2 and 3, falling back to Host). */
  get host_header(): string | null {
    if (this.is_http2 || this.is_http3) return this.authority || this.headers.get("host") || null;
    return this.headers.get("host") ?? null;
  }

  set host_header(v: string | null) {
    const h2 = this.is_http2 || this.is_http3;
    if (v === null) {
      if (h2) this.authority = "";
      this.headers.delete("host");
      return;
    }
    if (h2) this.authority = v;
    // For h2/h3 :authority is the host header: overwrite Host, never create it.
    if (!h2 || this.headers.has("host")) this.headers.set("Host", v);
  }

  /** Like `host`, but preferring the Host header / authority (e.g. in transparent mode). */
  get pretty_host(): string {
    const authority = this.host_header;
    return authority ? parseAuthority(authority, false)[0] : this.#host;
  }

  /** Like `url`, but with `pretty_host` and the Host header's port. */
  get pretty_url(): string {
    if (this.first_line_format === "authority") return this.authority;
    const hh = this.host_header;
    if (!hh) return this.url;
    const [host, port] = parseAuthority(hh, false);
    const p = port ?? defaultPort(this.scheme) ?? 443;
    return unparseUrl(this.scheme, host, p, this.#path);
  }

  #pathParts() {
    return splitPath(this.#path === "*" ? "" : this.#path);
  }

  /** The query as an ordered multidict view; edits rewrite `path`. */
  get query(): MultiDictView<string> {
    return new MultiDictView(
      () => urlDecodeForm(this.#pathParts().query),
      (fields) => this.#setQuery(fields),
    );
  }

  set query(pairs: Iterable<readonly [string, string]>) {
    this.#setQuery(pairs);
  }

  #setQuery(pairs: Iterable<readonly [string, string]>): void {
    this.#path = joinPath({ ...this.#pathParts(), query: urlEncodeForm(pairs) });
  }

  /** Unquoted, non-empty path segments. */
  get path_components(): string[] {
    return this.#pathParts().path.split("/").filter((s) => s).map((s) => unquote(s));
  }

  set path_components(components: Iterable<string>) {
    const path = "/" + [...components].map((c) => quote(c, "")).join("/");
    this.#path = joinPath({ ...this.#pathParts(), path });
  }

  /** Cookies from every Cookie header; edits rewrite the header. */
  get cookies(): MultiDictView<string> {
    return new MultiDictView(
      () => parseCookieHeaders(this.headers.getAll("cookie")),
      (fields) => this.headers.set("cookie", formatCookieHeader(fields)),
    );
  }

  set cookies(pairs: Iterable<readonly [string, string]>) {
    this.headers.set("cookie", formatCookieHeader(pairs));
  }

  /** The body as an x-www-form-urlencoded form (empty for other content types). */
  get urlencoded_form(): MultiDictView<string> {
    return new MultiDictView(() => this.#getForm(), (fields) => this.#setForm(fields));
  }

  set urlencoded_form(pairs: Iterable<readonly [string, string]>) {
    this.#setForm(pairs);
  }

  #getForm(): [string, string][] {
    const ct = (this.headers.get("content-type") ?? "").toLowerCase();
    if (!ct.includes("application/x-www-form-urlencoded")) return [];
    return urlDecodeForm(this.getText(false) ?? "");
  }

  #setForm(pairs: Iterable<readonly [string, string]>): void {
    this.headers.set("content-type", "application/x-www-form-urlencoded");
    this.content = latin1Encode(urlEncodeForm(pairs, this.getText(false) ?? undefined));
  }

  /** Removes headers that could produce a cached response. */
  anticache(): void {
    this.headers.delete("if-modified-since");
    this.headers.delete("if-none-match");
  }

  /** Asks for an uncompressed response. */
  anticomp(): void {
    this.headers.set("accept-encoding", "identity");
  }

  /** Limits Accept-Encoding to the codings we can decode. */
  constrain_encoding(): void {
    const ae = this.headers.get("accept-encoding");
    if (ae) {
      const ok = ["gzip", "identity", "deflate", "br", "zstd"].filter((e) => ae.includes(e));
      this.headers.set("accept-encoding", ok.join(", "));
    }
  }

  getState(): StateDict {
    return {
      ...this.messageState(),
      host: this.#host,
      port: this.#port,
      method: latin1Encode(this.#method),
      scheme: latin1Encode(this.scheme),
      authority: latin1Encode(this.authority),
      path: latin1Encode(this.#path),
    };
  }

  static fromState(state: StateValue, where = "request"): Request {
    const s = asDict(state, where);
    const b = (k: string) => latin1Decode(asBytes(s[k], `${where}.${k}`));
    return new Request({
      ...messageInitFromState(s, where),
      host: asStr(s.host, `${where}.host`),
      port: asNum(s.port, `${where}.port`),
      method: b("method"),
      scheme: b("scheme"),
      authority: b("authority"),
      path: b("path"),
    });
  }
}

export interface ResponseInit extends MessageInit {
  status_code: number;
  /** Reason phrase (latin1); "" for HTTP/2. */
  reason: string;
}

export class Response extends Message {
  status_code: number;
  reason: string;

  constructor(init: ResponseInit) {
    super(init);
    this.status_code = init.status_code;
    this.reason = init.reason;
  }

  /** mitmproxy `Response.make`: reason from the status table, Content-Length set; text
   * bodies are latin-1 unless they need UTF-8 (then `text/plain; charset=utf-8` is set). */
  static make(
    status_code = 200,
    content: string | Uint8Array = "",
    headers: MakeHeaders = [],
    timestamp: number = nowSeconds(),
  ): Response {
    const resp = new Response({
      http_version: "HTTP/1.1",
      status_code,
      reason: reasonPhrase(status_code),
      headers: makeHeaders(headers),
      content: null,
      trailers: null,
      timestamp_start: timestamp,
      timestamp_end: timestamp,
    });
    if (typeof content === "string") resp.text = content;
    else resp.content = content;
    return resp;
  }

  /** Set-Cookie cookies: name -> `[value, attrs]`; edits rewrite the Set-Cookie headers. */
  get cookies(): MultiDictView<[string | null, SetCookie[2]]> {
    return new MultiDictView(
      () =>
        parseSetCookieHeaders(this.headers.getAll("set-cookie")).map(([n, v, a]) => [n, [v, a]]),
      (fields) =>
        this.headers.setAll(
          "set-cookie",
          fields.map(([n, [v, a]]) => formatSetCookieHeader([[n, v, a]])),
        ),
    );
  }

  getState(): StateDict {
    return {
      ...this.messageState(),
      status_code: this.status_code,
      reason: latin1Encode(this.reason),
    };
  }

  static fromState(state: StateValue, where = "response"): Response {
    const s = asDict(state, where);
    return new Response({
      ...messageInitFromState(s, where),
      status_code: asNum(s.status_code, `${where}.status_code`),
      reason: latin1Decode(asBytes(s.reason, `${where}.reason`)),
    });
  }
}

export class HttpFlow extends Flow {
  readonly type = "http";
  request: Request;
  response: Response | null = null;
  /** Set if this flow's handshake opened a WebSocket. */
  websocket: WebSocketData | null = null;

  constructor(
    client_conn: Client,
    server_conn: Server,
    timestamp_created: number,
    request: Request,
    live = false,
  ) {
    super(client_conn, server_conn, timestamp_created, live);
    this.request = request;
  }

  /** The request's `timestamp_start`. */
  get timestamp_start(): number {
    return this.request.timestamp_start;
  }

  protected typeState(): StateDict {
    return {
      request: this.request.getState(),
      response: this.response ? this.response.getState() : null,
      websocket: this.websocket ? this.websocket.getState() : null,
    };
  }

  protected setTypeState(state: StateDict): void {
    this.request = Request.fromState(state.request);
    this.response = state.response == null ? null : Response.fromState(state.response);
    this.websocket = state.websocket == null ? null : WebSocketData.fromState(state.websocket);
  }

  protected newFromState(state: StateDict): HttpFlow {
    return HttpFlow.fromState(state);
  }

  static fromState(state: StateValue): HttpFlow {
    const s = flowStateDict(state);
    const f = new HttpFlow(
      Client.fromState(s.client_conn),
      Server.fromState(s.server_conn),
      asNum(s.timestamp_created, "timestamp_created"),
      Request.fromState(s.request),
    );
    f.setState(s);
    return f;
  }
}
