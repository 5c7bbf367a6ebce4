/** Every `~` operator of the filter language (mitmproxy `flowfilter.py`), in mitmproxy's list
 * order: unary operators, regex operators, then `~c`. One row says what the operator is
 * called, what argument it takes, its help text, the flow kinds it applies to (any other
 * flow never matches: mitmproxy's `@only`), its `str(filter)` wording and how it matches.
 *
 * Regex operators search (never anchor) either "bytes" subjects (latin1 text: bodies,
 * headers, method, content types; the pattern is UTF-8 encoded like `expr.encode()`) or
 * "text" subjects (URL, host, addresses, metadata, marker, comment). Bodies are searched
 * DOTALL, header blocks, comments and metadata MULTILINE. */

import { latin1Decode } from "../../codecs/bytes.ts";
import { equalsLower } from "../flow/headers.ts";
import {
  asDns,
  asHttp,
  asStream,
  type FilterableFlow,
  type FilterableMessage,
  type FilterableStreamMessage,
  type FlowKind,
} from "./filterable.ts";
import { latin1ToText, type MatchContext, metadataText, textToLatin1 } from "./match_context.ts";

interface OperatorBase {
  /** The name after `~`. */
  readonly code: string;
  /** The filter-help text. */
  readonly help: string;
  /** The flow kinds it can match, or "all". */
  readonly appliesTo: readonly FlowKind[] | "all";
}

export interface UnaryOperator extends OperatorBase {
  readonly arg: "none";
  /** What `toString()` says, e.g. "has response". */
  readonly description: string;
  match(flow: FilterableFlow, ctx: MatchContext): boolean;
}

export interface RegexOperator extends OperatorBase {
  readonly arg: "regex";
  readonly subject: "bytes" | "text";
  readonly dotAll: boolean;
  readonly multiline: boolean;
  /** What is matched, for `toString()`: "url" gives "url matches /x/i". */
  readonly description: string;
  match(flow: FilterableFlow, re: RegExp, ctx: MatchContext): boolean;
}

export interface IntOperator extends OperatorBase {
  readonly arg: "int";
  /** Words before the number in `toString()`, e.g. "resp. code is". */
  readonly description: string;
  match(flow: FilterableFlow, value: number, ctx: MatchContext): boolean;
}

export type FilterOperator = UnaryOperator | RegexOperator | IntOperator;

const HTTP: readonly FlowKind[] = ["http"];
const HTTP_DNS: readonly FlowKind[] = ["http", "dns"];
const WITH_BODIES: readonly FlowKind[] = ["http", "tcp", "udp", "dns"];

// mitmproxy's asset types (`image/.*` etc.; the `.*` adds nothing to a search), case-sensitive.
const ASSET_TYPES =
  /text\/javascript|application\/x-javascript|application\/javascript|text\/css|image\/|font\/|application\/font/;

function contentTypeMatches(re: RegExp, message: FilterableMessage): boolean {
  for (const [name, value] of message.headers.fields) {
    if (equalsLower(name, "content-type") && re.test(value)) return true;
  }
  return false;
}

/** Which side of a body operator: both, client to server only, server to client only. */
type Side = "both" | "request" | "response";

function messagesMatch(
  re: RegExp,
  messages: readonly FilterableStreamMessage[],
  side: Side,
): boolean {
  for (const m of messages) {
    if (side === "request" && !m.from_client) continue;
    if (side === "response" && m.from_client) continue;
    if (m.content !== null && re.test(latin1Decode(m.content))) return true;
  }
  return false;
}

function bodyMatches(flow: FilterableFlow, re: RegExp, ctx: MatchContext, side: Side): boolean {
  const http = asHttp(flow);
  if (http) {
    if (side !== "response" && http.request) {
      const body = ctx.requestBody(http.request);
      if (body !== null && re.test(body)) return true;
    }
    if (side !== "request" && http.response) {
      const body = ctx.responseBody(http.response);
      if (body !== null && re.test(body)) return true;
    }
    return http.websocket !== null && messagesMatch(re, http.websocket.messages, side);
  }
  const stream = asStream(flow);
  if (stream) return messagesMatch(re, stream.messages, side);
  const dns = asDns(flow);
  if (dns) {
    if (side !== "response" && dns.request && re.test(textToLatin1(String(dns.request)))) {
      return true;
    }
    return side !== "request" && dns.response !== null &&
      re.test(textToLatin1(String(dns.response)));
  }
  return false;
}

function headersMatch(flow: FilterableFlow, re: RegExp, ctx: MatchContext, side: Side): boolean {
  const http = asHttp(flow);
  if (!http) return false;
  if (side !== "response" && http.request && re.test(ctx.requestHeaders(http.request))) {
    return true;
  }
  return side !== "request" && http.response !== null &&
    re.test(ctx.responseHeaders(http.response));
}

function addressText(address: readonly [string, number] | null | undefined): string | null {
  return address ? `${address[0]}:${address[1]}` : null;
}

const unary = (
  code: string,
  help: string,
  appliesTo: UnaryOperator["appliesTo"],
  description: string,
  match: UnaryOperator["match"],
): UnaryOperator => ({ arg: "none", code, help, appliesTo, description, match });

const regex = (
  code: string,
  help: string,
  appliesTo: RegexOperator["appliesTo"],
  subject: RegexOperator["subject"],
  flags: "" | "dotall" | "multiline",
  description: string,
  match: RegexOperator["match"],
): RegexOperator => ({
  arg: "regex",
  code,
  help,
  appliesTo,
  subject,
  dotAll: flags === "dotall",
  multiline: flags === "multiline",
  description,
  match,
});

export const OPERATORS: readonly FilterOperator[] = [
  unary(
    "a",
    "Match asset in response: CSS, JavaScript, images, fonts.",
    HTTP,
    "is asset",
    (f) => {
      const response = asHttp(f)?.response;
      return !!response && contentTypeMatches(ASSET_TYPES, response);
    },
  ),
  unary("e", "Match error", "all", "has error", (f) => !!f.error),
  unary("http", "Match HTTP flows", HTTP, "is an HTTP Flow", () => true),
  unary("marked", "Match marked flows", "all", "is marked", (f) => !!f.marked),
  unary("replay", "Match replayed flows", "all", "flow has been replayed", (f) => {
    return f.is_replay !== null && f.is_replay !== undefined;
  }),
  unary("replayq", "Match replayed client request", "all", "request has been replayed", (f) => {
    return f.is_replay === "request";
  }),
  unary("replays", "Match replayed server response", "all", "response has been replayed", (f) => {
    return f.is_replay === "response";
  }),
  unary("q", "Match request with no response", HTTP_DNS, "has no response", (f) => {
    return !(asHttp(f)?.response ?? asDns(f)?.response);
  }),
  unary("s", "Match response", HTTP_DNS, "has response", (f) => {
    return !!(asHttp(f)?.response ?? asDns(f)?.response);
  }),
  unary("tcp", "Match TCP flows", ["tcp"], "is a TCP Flow", () => true),
  unary("udp", "Match UDP flows", ["udp"], "is a UDP Flow", () => true),
  unary("dns", "Match DNS flows", ["dns"], "is a DNS Flow", () => true),
  unary("websocket", "Match WebSocket flows", HTTP, "is a Websocket Flow", (f) => {
    return !!asHttp(f)?.websocket;
  }),
  unary("all", "Match all flows", "all", "all flows", () => true),

  regex("b", "Body", WITH_BODIES, "bytes", "dotall", "body", (f, re, ctx) => {
    return bodyMatches(f, re, ctx, "both");
  }),
  regex("bq", "Request body", WITH_BODIES, "bytes", "dotall", "req. body", (f, re, ctx) => {
    return bodyMatches(f, re, ctx, "request");
  }),
  regex("bs", "Response body", WITH_BODIES, "bytes", "dotall", "resp. body", (f, re, ctx) => {
    return bodyMatches(f, re, ctx, "response");
  }),
  regex("t", "Content-type header", HTTP, "bytes", "", "content type", (f, re) => {
    const http = asHttp(f);
    if (!http) return false;
    if (http.request && contentTypeMatches(re, http.request)) return true;
    return !!http.response && contentTypeMatches(re, http.response);
  }),
  regex("tq", "Request Content-Type header", HTTP, "bytes", "", "req. content type", (f, re) => {
    const request = asHttp(f)?.request;
    return !!request && contentTypeMatches(re, request);
  }),
  regex("ts", "Response Content-Type header", HTTP, "bytes", "", "resp. content type", (f, re) => {
    const response = asHttp(f)?.response;
    return !!response && contentTypeMatches(re, response);
  }),
  regex("d", "Domain", HTTP, "text", "", "domain", (f, re) => {
    const request = asHttp(f)?.request;
    if (!request) return false;
    return re.test(latin1ToText(request.host)) || re.test(latin1ToText(request.pretty_host));
  }),
  regex("dst", "Match destination address", "all", "text", "", "destination address", (f, re) => {
    const text = addressText(f.server_conn?.address);
    return text !== null && re.test(text);
  }),
  regex("h", "Header", HTTP, "bytes", "multiline", "header", (f, re, ctx) => {
    return headersMatch(f, re, ctx, "both");
  }),
  regex("hq", "Request header", HTTP, "bytes", "multiline", "req. header", (f, re, ctx) => {
    return headersMatch(f, re, ctx, "request");
  }),
  regex("hs", "Response header", HTTP, "bytes", "multiline", "resp. header", (f, re, ctx) => {
    return headersMatch(f, re, ctx, "response");
  }),
  regex("m", "Method", HTTP, "bytes", "", "method", (f, re) => {
    const request = asHttp(f)?.request;
    return !!request && re.test(request.method);
  }),
  regex("src", "Match source address", "all", "text", "", "source address", (f, re) => {
    const text = addressText(f.client_conn?.peername);
    return text !== null && re.test(text);
  }),
  regex("u", "URL", HTTP_DNS, "text", "", "url", (f, re) => {
    const request = asHttp(f)?.request;
    if (request) return re.test(latin1ToText(request.pretty_url));
    const name = asDns(f)?.request?.questions[0]?.name;
    return name !== undefined && re.test(name);
  }),
  regex("meta", "Flow metadata", "all", "text", "multiline", "metadata", (f, re) => {
    return re.test(metadataText(f.metadata));
  }),
  regex(
    "marker",
    "Match marked flows with specified marker",
    "all",
    "text",
    "",
    "marker",
    (f, re) => re.test(f.marked),
  ),
  regex("comment", "Flow comment", "all", "text", "multiline", "comment", (f, re) => {
    return re.test(f.comment);
  }),

  {
    arg: "int",
    code: "c",
    help: "HTTP response code",
    appliesTo: HTTP,
    description: "resp. code is",
    match: (f, value) => asHttp(f)?.response?.status_code === value,
  },
];

/** Operators by code (the text after `~`). */
export const OPERATORS_BY_CODE: ReadonlyMap<string, FilterOperator> = new Map(
  OPERATORS.map((op) => [op.code, op]),
);
