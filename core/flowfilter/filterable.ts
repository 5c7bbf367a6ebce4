/** The parts of a flow the filter language reads, as small structural interfaces. The HTTP and
 * TCP flows of `core/flow/` satisfy them; UDP and DNS flows added later only need the same
 * shape (`type: "udp"` with `messages`, `type: "dns"` with `request`/`response`) to match
 * `~udp`, `~dns`, `~b`, `~q`, `~u` and friends. Flow types are told apart by `flow.type`. */

/** The flow kinds operators are restricted to (mitmproxy's `@only(...)`). */
export type FlowKind = "http" | "tcp" | "udp" | "dns";

/** What every flow has: the operators marked "all" read only this. */
export interface FilterableFlow {
  readonly type: string;
  /** Truthy when the flow has an error (`~e`). */
  readonly error: unknown;
  /** "" or a marker such as ":default:". */
  readonly marked: string;
  readonly is_replay: string | null;
  readonly metadata: Readonly<Record<string, unknown>>;
  readonly comment: string;
  readonly client_conn: { readonly peername: readonly [string, number] | null } | null;
  readonly server_conn: { readonly address: readonly [string, number] | null } | null;
}

export interface FilterableHeaders {
  /** `[name, value]` latin1 pairs in wire order. */
  readonly fields: readonly (readonly [string, string])[];
}

export interface FilterableMessage {
  readonly headers: FilterableHeaders;
  readonly raw_content: Uint8Array | null;
  /** With `strict` false: the body with Content-Encoding undone, or raw if that fails. */
  getContent(strict: boolean): Uint8Array | null;
}

export interface FilterableRequest extends FilterableMessage {
  readonly method: string;
  readonly host: string;
  readonly pretty_host: string;
  readonly pretty_url: string;
}

export interface FilterableResponse extends FilterableMessage {
  readonly status_code: number;
}

/** A WebSocket, TCP or UDP message. */
export interface FilterableStreamMessage {
  readonly from_client: boolean;
  readonly content: Uint8Array | null;
}

export interface FilterableHttpFlow extends FilterableFlow {
  readonly type: "http";
  readonly request: FilterableRequest | null;
  readonly response: FilterableResponse | null;
  readonly websocket: { readonly messages: readonly FilterableStreamMessage[] } | null;
}

/** TCP and UDP flows. */
export interface FilterableStreamFlow extends FilterableFlow {
  readonly type: "tcp" | "udp";
  readonly messages: readonly FilterableStreamMessage[];
}

export interface FilterableDnsMessage {
  readonly questions: readonly { readonly name: string }[];
  /** The human-readable form `~b` searches (mitmproxy: `str(message)`). */
  toString(): string;
}

export interface FilterableDnsFlow extends FilterableFlow {
  readonly type: "dns";
  readonly request: FilterableDnsMessage | null;
  readonly response: FilterableDnsMessage | null;
}

export function asHttp(flow: FilterableFlow): FilterableHttpFlow | null {
  return flow.type === "http" ? flow as FilterableHttpFlow : null;
}

export function asStream(flow: FilterableFlow): FilterableStreamFlow | null {
  return flow.type === "tcp" || flow.type === "udp" ? flow as FilterableStreamFlow : null;
}

export function asDns(flow: FilterableFlow): FilterableDnsFlow | null {
  return flow.type === "dns" ? flow as FilterableDnsFlow : null;
}
