/**
 * Messages on streams: header blocks (requests, responses, 1xx, trailers, pushes) and DATA,
 * checked against the stream state table, flow-control windows and HTTP/2 message rules.
 * Anything a peer gets wrong becomes a stream error (RST_STREAM + StreamReset) or, where
 * RFC 9113 says so, a connection error.
 */

import { ClosedHow } from "./closed_streams.ts";
import type { ConnectionCore } from "./connection_core.ts";
import { ErrorCode } from "./error_codes.ts";
import { type DataFrame, flowControlledLength } from "./frames.ts";
import type { HeaderBlock } from "./header_block.ts";
import {
  type HeaderList,
  validateRequest,
  validateResponse,
  validateTrailers,
} from "./header_validation.ts";
import type { DecodedBlock } from "./hpack/decoder.ts";
import { H2Stream } from "./stream.ts";
import { nextStreamState, type StreamStateError } from "./stream_state.ts";

const PROTOCOL = ErrorCode.PROTOCOL_ERROR;

/** Request facts; with inbound validation off, a lenient reading instead of an error. */
function requestInfo(c: ConnectionCore, headers: HeaderList) {
  const info = validateRequest(headers, c.local.effective.enableConnectProtocol);
  if (!("error" in info) || c.opts.validateInbound) return info;
  const method = headers.find(([n]) => n === ":method")?.[1] ?? "";
  return { method, contentLength: -1 };
}

function responseInfo(c: ConnectionCore, headers: HeaderList) {
  const info = validateResponse(headers);
  if (!("error" in info) || c.opts.validateInbound) return info;
  const status = Number(headers.find(([n]) => n === ":status")?.[1]);
  return { status: Number.isInteger(status) ? status : 200, contentLength: -1 };
}

export class MessageReceiver {
  readonly #c: ConnectionCore;

  constructor(core: ConnectionCore) {
    this.#c = core;
  }

  /** Stream-state rejections: a connection error, or a stream error on a stream we track. */
  reject(streamId: number, e: StreamStateError): void {
    if (e.connection) return this.#c.connectionError(e.code, `${e.error} (stream ${streamId})`);
    this.#c.streamError(streamId, e.code, `${e.error} (stream ${streamId})`);
  }

  /** A frame for a stream we do not track: idle (a connection error) or closed. */
  untracked(what: string, streamId: number): void {
    const c = this.#c;
    if (c.isIdle(streamId)) {
      return c.connectionError(PROTOCOL, `${what} on idle stream ${streamId}`);
    }
    const how = c.closed.get(streamId);
    if (how === ClosedHow.ENDED || how === ClosedHow.RESET_RECEIVED) {
      // The peer already ended or reset this stream; RFC 9113 §5.1 says STREAM_CLOSED. Each
      // such frame costs us an RST_STREAM, so they count toward the reset flood limit.
      if (c.flooded("resets")) return;
      c.streamError(
        streamId,
        ErrorCode.STREAM_CLOSED,
        `${what} on closed stream ${streamId}`,
        false,
      );
    } else if (how === undefined && what === "HEADERS" && c.isPeerParity(streamId)) {
      // Not one we remember: a new stream id that went backwards (RFC 9113 §5.1.1).
      c.connectionError(
        PROTOCOL,
        `HEADERS on stream ${streamId}, below the highest stream id ${c.highestPeer}`,
      );
    }
    // Otherwise we reset it (or forgot it): frames in flight are ignored.
  }

  headers(r: HeaderBlock, d: DecodedBlock): void {
    const c = this.#c;
    const id = r.streamId;
    const stream = c.streams.get(id);
    if (!stream) {
      if (!c.isIdle(id)) return this.untracked("HEADERS", id);
      if (!c.isPeerParity(id) || c.role === "client") {
        return c.connectionError(
          PROTOCOL,
          `HEADERS opening stream ${id}, which the peer may not open`,
        );
      }
      return this.#newRequest(r, d);
    }
    const next = nextStreamState(stream.state, "recvHeaders");
    if (typeof next !== "string") return this.reject(id, next);
    if (d.tooLarge) return this.#tooLarge(id);
    if (stream.recvFinalHeaders) {
      if (!r.endStream) return c.streamError(id, PROTOCOL, `trailers without END_STREAM on ${id}`);
      const bad = c.opts.validateInbound ? validateTrailers(d.headers) : null;
      if (bad) return c.streamError(id, PROTOCOL, `malformed trailers: ${bad.error}`);
      c.setState(stream, next);
      const ev = { streamId: id, headers: d.headers, neverIndexed: d.neverIndexed };
      c.events.push({ type: "TrailersReceived", ...ev });
      return this.#endStream(stream);
    }
    // Only clients get here: a response, on their own stream or a pushed one.
    const info = responseInfo(c, d.headers);
    if ("error" in info) return c.streamError(id, PROTOCOL, `malformed response: ${info.error}`);
    if (info.status < 200 && r.endStream) {
      return c.streamError(id, PROTOCOL, `${info.status} response with END_STREAM`);
    }
    // No body to count: HEAD, 204, 304, and tunnels opened by CONNECT (RFC 9110 §6.4.1).
    const noBody = stream.method === "HEAD" || info.status === 204 || info.status === 304 ||
      (stream.method === "CONNECT" && info.status < 300);
    const expected = noBody ? -1 : info.contentLength;
    if (r.endStream && expected > 0) {
      return c.streamError(id, PROTOCOL, `content-length ${expected} but no DATA`);
    }
    c.setState(stream, next);
    const ev = { streamId: id, headers: d.headers, neverIndexed: d.neverIndexed };
    if (info.status < 200) {
      c.events.push({ type: "InformationalResponseReceived", ...ev });
      return;
    }
    stream.recvFinalHeaders = true;
    stream.expectedLength = expected;
    c.events.push({ type: "ResponseReceived", ...ev, endStream: r.endStream });
    if (r.priority) c.events.push({ type: "PriorityUpdated", streamId: id, priority: r.priority });
    if (r.endStream) this.#endStream(stream);
  }

  #newRequest(r: HeaderBlock, d: DecodedBlock): void {
    const c = this.#c;
    const id = r.streamId;
    c.highestPeer = id;
    if (c.goawaySent >= 0 && id > c.goawaySent) {
      // After our GOAWAY, new streams are ignored (RFC 9113 §6.8).
      c.closed.add(id, ClosedHow.RESET_SENT);
      return;
    }
    if (d.tooLarge) return this.#tooLarge(id);
    const limit = c.local.effective.maxConcurrentStreams;
    if (c.openRemote >= limit) {
      return c.streamError(
        id,
        ErrorCode.REFUSED_STREAM,
        `more than ${limit} concurrent streams (SETTINGS_MAX_CONCURRENT_STREAMS)`,
      );
    }
    const info = requestInfo(c, d.headers);
    if ("error" in info) return c.streamError(id, PROTOCOL, `malformed request: ${info.error}`);
    if (r.endStream && info.contentLength > 0) {
      return c.streamError(id, PROTOCOL, `content-length ${info.contentLength} but no DATA`);
    }
    const stream = new H2Stream(
      id,
      false,
      c.remote.initialWindowSize,
      c.local.effective.initialWindowSize,
    );
    stream.method = info.method;
    stream.recvFinalHeaders = true;
    stream.expectedLength = info.contentLength;
    c.streams.set(id, stream);
    c.setState(stream, "open");
    c.events.push({
      type: "RequestReceived",
      streamId: id,
      headers: d.headers,
      neverIndexed: d.neverIndexed,
      endStream: r.endStream,
    });
    if (r.priority) c.events.push({ type: "PriorityUpdated", streamId: id, priority: r.priority });
    if (r.endStream) this.#endStream(stream);
  }

  #tooLarge(streamId: number): void {
    const limit = this.#c.decoder.maxHeaderListSize;
    this.#c.streamError(
      streamId,
      ErrorCode.ENHANCE_YOUR_CALM,
      `header list larger than ${limit} octets (SETTINGS_MAX_HEADER_LIST_SIZE)`,
    );
  }

  pushPromise(r: HeaderBlock, d: DecodedBlock): void {
    const c = this.#c;
    const pid = r.promisedStreamId;
    if (!c.isPeerParity(pid) || pid <= c.highestPeer) {
      return c.connectionError(
        PROTOCOL,
        `PUSH_PROMISE for stream ${pid}: promised ids must be even and increasing`,
      );
    }
    c.highestPeer = pid;
    const parent = c.streams.get(r.streamId);
    if (!parent || (parent.state !== "open" && parent.state !== "half_closed_local")) {
      if (c.closed.get(r.streamId) === ClosedHow.RESET_SENT) {
        // We reset the parent; the promise crossed our RST_STREAM. Refuse the pushed stream.
        return c.streamError(pid, ErrorCode.CANCEL, "push on a stream we reset", false);
      }
      const state = parent?.state ?? (c.isIdle(r.streamId) ? "idle" : "closed");
      return c.connectionError(PROTOCOL, `PUSH_PROMISE on stream ${r.streamId} in state ${state}`);
    }
    if (d.tooLarge) return this.#tooLarge(pid);
    const info = requestInfo(c, d.headers);
    if ("error" in info) {
      return c.streamError(pid, PROTOCOL, `malformed pushed request: ${info.error}`);
    }
    if (c.opts.validateInbound && info.method !== "GET" && info.method !== "HEAD") {
      return c.streamError(pid, PROTOCOL, `pushed request with unsafe method ${info.method}`);
    }
    const stream = new H2Stream(
      pid,
      false,
      c.remote.initialWindowSize,
      c.local.effective.initialWindowSize,
    );
    stream.method = info.method;
    c.streams.set(pid, stream);
    c.setState(stream, "reserved_remote");
    c.events.push({
      type: "PushedStreamReceived",
      streamId: pid,
      parentStreamId: r.streamId,
      headers: d.headers,
      neverIndexed: d.neverIndexed,
    });
  }

  #endStream(stream: H2Stream): void {
    const c = this.#c;
    if (stream.expectedLength >= 0 && stream.receivedLength !== stream.expectedLength) {
      return c.streamError(
        stream.id,
        PROTOCOL,
        `content-length ${stream.expectedLength} but ${stream.receivedLength} octets of DATA`,
      );
    }
    const next = nextStreamState(stream.state, "recvEndStream");
    if (typeof next !== "string") return this.reject(stream.id, next);
    c.setState(stream, next);
    c.events.push({ type: "StreamEnded", streamId: stream.id });
  }

  data(f: DataFrame): void {
    const c = this.#c;
    const id = f.streamId;
    const length = flowControlledLength(f);
    if (length > c.connRecvWindow) {
      return c.connectionError(
        ErrorCode.FLOW_CONTROL_ERROR,
        `DATA of ${length} octets exceeds the connection window of ${c.connRecvWindow}`,
      );
    }
    c.connRecvWindow -= length;
    const stream = c.streams.get(id);
    if (!stream) {
      c.creditConnection(length);
      return this.untracked("DATA", id);
    }
    const next = nextStreamState(stream.state, "recvData");
    if (typeof next !== "string") {
      c.creditConnection(length);
      return this.reject(id, next);
    }
    if (length > stream.recvWindow) {
      c.creditConnection(length);
      return c.streamError(
        id,
        ErrorCode.FLOW_CONTROL_ERROR,
        `DATA of ${length} octets exceeds the stream window of ${stream.recvWindow}`,
      );
    }
    stream.recvWindow -= length;
    stream.receivedLength += f.data.length;
    if (stream.expectedLength >= 0 && stream.receivedLength > stream.expectedLength) {
      c.creditConnection(length);
      return c.streamError(
        id,
        PROTOCOL,
        `more DATA than content-length ${stream.expectedLength} on stream ${id}`,
      );
    }
    if (f.data.length === 0 && !f.endStream && this.#c.flooded("emptyData")) return;
    if (length > 0) {
      c.events.push({
        type: "DataReceived",
        streamId: id,
        data: f.data,
        flowControlledLength: length,
        endStream: f.endStream,
      });
    }
    if (f.endStream) this.#endStream(stream);
  }
}
