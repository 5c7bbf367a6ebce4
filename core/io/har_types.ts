/** HAR 1.2 (HTTP Archive) as we write it, plus the underscore extensions Chrome and
 * mitmproxy add (`_error`, `_transferSize`, `_resourceType`, `_webSocketMessages`).
 * Readers accept far looser input than this; see `har_import.ts`. */

/** A HAR document: the whole file is `{ "log": ... }`. */
export interface HarLog {
  log: HarLogBody;
}

export interface HarLogBody {
  version: string;
  creator: HarCreator;
  pages: HarPage[];
  entries: HarEntry[];
}

export interface HarCreator {
  name: string;
  version: string;
  comment?: string;
}

export interface HarPage {
  startedDateTime: string;
  id: string;
  title: string;
  pageTimings: { onContentLoad?: number; onLoad?: number };
}

/** `{name, value}`: headers, query parameters, request cookies and form fields. */
export interface HarNameValue {
  name: string;
  value: string;
}

export interface HarCookie extends HarNameValue {
  path?: string;
  domain?: string;
  expires?: string;
  httpOnly?: boolean;
  secure?: boolean;
  sameSite?: string;
}

export interface HarPostData {
  mimeType: string;
  text: string;
  params: HarNameValue[];
  /** Not in HAR 1.2: `"base64"` when `text` is a binary body in base64 (as in `content`). */
  encoding?: "base64";
}

export interface HarRequest {
  method: string;
  url: string;
  httpVersion: string;
  cookies: HarNameValue[];
  headers: HarNameValue[];
  queryString: HarNameValue[];
  postData?: HarPostData;
  headersSize: number;
  bodySize: number;
}

export interface HarContent {
  size: number;
  compression?: number;
  mimeType: string;
  text?: string;
  encoding?: "base64";
}

export interface HarResponse {
  status: number;
  statusText: string;
  httpVersion: string;
  cookies: HarCookie[];
  headers: HarNameValue[];
  content: HarContent;
  redirectURL: string;
  headersSize: number;
  bodySize: number;
  /** Chrome/mitmproxy extension for entries without a response. */
  _transferSize?: number;
  /** Chrome/mitmproxy extension: why there is no response (null if not known). */
  _error?: string | null;
}

/** Milliseconds; -1 where a phase does not apply. */
export interface HarTimings {
  blocked?: number;
  dns?: number;
  connect: number;
  ssl: number;
  send: number;
  wait: number;
  receive: number;
}

/** One WebSocket message, as Chrome's DevTools write it. */
export interface HarWebSocketMessage {
  type: "send" | "receive";
  /** Seconds since the epoch. */
  time: number;
  /** 1 text, 2 binary. */
  opcode: number;
  /** Text, or base64 for binary messages. */
  data: string;
}

export interface HarEntry {
  pageref?: string;
  startedDateTime: string;
  time: number;
  request: HarRequest;
  response: HarResponse;
  cache: Record<string, never>;
  timings: HarTimings;
  serverIPAddress?: string;
  _resourceType?: string;
  _webSocketMessages?: HarWebSocketMessage[];
}
