/**
 * The receiving half of `H2Connection`: frames in, events out. Order of checks per frame:
 * connection-level framing rules (first frame SETTINGS, CONTINUATION sequencing), then the
 * connection window, then the stream's state via the transition table, then stream windows
 * and message rules. Header blocks are always HPACK-decoded, even for streams being ignored,
 * so the decoder's table stays in step with the peer's encoder.
 */

import { ClosedHow } from "./closed_streams.ts";
import type { ConnectionCore } from "./connection_core.ts";
import { ErrorCode, errorCodeName } from "./error_codes.ts";
import type { H2Event } from "./events.ts";
import {
  type DataFrame,
  flowControlledLength,
  type Frame,
  type FrameError,
  type GoawayFrame,
  type SettingsFrame,
  type WindowUpdateFrame,
} from "./frames.ts";
import { frameTypeName } from "./frame_reader.ts";
import { type HeaderBlock, HeaderBlockAssembler } from "./header_block.ts";
import { validateRequest, validateResponse, validateTrailers } from "./header_validation.ts";
import type { DecodedBlock } from "./hpack/decoder.ts";
import { applySettings, MAX_WINDOW_SIZE, SettingId } from "./settings.ts";
import { H2Stream } from "./stream.ts";
import { nextStreamState, type StreamStateError } from "./stream_state.ts";

const PROTOCOL = ErrorCode.PROTOCOL_ERROR;

/** Lenient stand-ins used when inbound header validation is off. */
function requestInfo(c: ConnectionCore, headers: DecodedBlock["headers"]) {
  const info = validateRequest(headers, c.local.effective.enableConnectProtocol);
  if (!("error" in info) || c.opts.validateInbound) return info;
  const method = headers.find(([n]) => n === ":method")?.[1] ?? "";
  return { method, contentLength: -1 };
}

function responseInfo(c: ConnectionCore, headers: DecodedBlock["headers"]) {
  const info = validateResponse(headers);
  if (!("error" in info) || c.opts.validateInbound) return info;
  const status = Number(headers.find(([n]) => n === ":status")?.[1]);
  return { status: Number.isInteger(status) ? status : 200, contentLength: -1 };
}

export class ReceiveHandler {
  readonly #c: ConnectionCore;
  readonly #blocks: HeaderBlockAssembler;

  constructor(core: ConnectionCore) {
    this.#c = core;
    this.#blocks = new HeaderBlockAssembler(
      core.opts.maxHeaderBlockSize,
      core.opts.maxContinuationFrames,
    );
  }

  receive(data: Uint8Array): H2Event[] {
    const c = this.#c;
    const events: H2Event[] = [];
    if (c.dead) return events;
    c.events = events;
    for (const frame of c.reader.feed(data)) {
      if (c.dead) break;
      c.flood.frame();
      this.#frame(frame);
    }
    c.events = [];
    return events;
  }

  #frame(f: Frame | FrameError): void {
    const c = this.#c;
    const open = this.#blocks.openStreamId;
    if (open !== 0 && (f.type !== "CONTINUATION" || f.streamId !== open)) {
      const what = f.type === "ERROR" ? "a malformed frame" : `${f.type} frame`;
      return c.connectionError(PROTOCOL, `${what} in the middle of a header block on ${open}`);
    }
    if (f.type === "ERROR") {
      if (f.streamId === undefined) return c.connectionError(f.code, f.error);
      return c.streamError(f.streamId, f.code, f.error, c.streams.has(f.streamId));
    }
    if (!c.gotRemoteSettings && (f.type !== "SETTINGS" || f.ack)) {
      const got = f.type === "UNKNOWN" ? frameTypeName(f.frameType) : f.type;
      return c.connectionError(PROTOCOL, `expected SETTINGS as the first frame, got ${got}`);
    }
    switch (f.type) {
      case "DATA":
        return this.#data(f);
      case "HEADERS":
        return this.#blockResult(this.#blocks.start(f));
      case "CONTINUATION":
        return this.#blockResult(this.#blocks.continue(f));
      case "PUSH_PROMISE":
        if (c.role === "server") return c.connectionError(PROTOCOL, "client sent PUSH_PROMISE");
        if (!c.local.effective.enablePush) {
          return c.connectionError(PROTOCOL, "PUSH_PROMISE although we disabled server push");
        }
        return this.#blockResult(this.#blocks.start(f));
      case "PRIORITY":
        if (f.priority.dependsOn === f.streamId) {
          return c.streamError(
            f.streamId,
            PROTOCOL,
            `stream ${f.streamId} depends on itself`,
            c.streams.has(f.streamId),
          );
        }
        c.events.push({ type: "PriorityUpdated", streamId: f.streamId, priority: f.priority });
        return;
      case "RST_STREAM":
        return this.#rstStream(f.streamId, f.errorCode);
      case "SETTINGS":
        return this.#settings(f);
      case "PING":
        if (f.ack) {
          c.events.push({ type: "PingAckReceived", data: f.data });
          return;
        }
        if (this.#flooded("pings")) return;
        c.queue({ type: "PING", ack: true, data: f.data });
        c.events.push({ type: "PingReceived", data: f.data });
        return;
      case "GOAWAY":
        return this.#goaway(f);
      case "WINDOW_UPDATE":
        return this.#windowUpdate(f);
      case "UNKNOWN":
        c.events.push({
          type: "UnknownFrameReceived",
          frameType: f.frameType,
          streamId: f.streamId,
          payload: f.payload,
        });
        return;
    }
  }

  #flooded(kind: "settings" | "pings" | "resets" | "emptyData"): boolean {
    const reason = this.#c.flood.count(kind);
    if (reason === null) return false;
    this.#c.connectionError(ErrorCode.ENHANCE_YOUR_CALM, reason);
    return true;
  }

  #blockResult(r: HeaderBlock | null | { error: string; code: number }): void {
    if (r === null) return;
    if ("error" in r) return this.#c.connectionError(r.code, r.error);
    const decoded = this.#decode(r);
    if (!decoded) return;
    if (r.promisedStreamId !== 0) return this.#pushPromise(r, decoded);
    if (r.priority?.dependsOn === r.streamId) {
      const c = this.#c;
      if (c.isPeerParity(r.streamId) && c.isIdle(r.streamId)) c.highestPeer = r.streamId;
      return c.streamError(r.streamId, PROTOCOL, `stream ${r.streamId} depends on itself`);
    }
    this.#headers(r, decoded);
  }

  #decode(r: HeaderBlock): DecodedBlock | null {
    const decoded = this.#c.decoder.decode(r.block);
    if ("error" in decoded) {
      this.#c.connectionError(ErrorCode.COMPRESSION_ERROR, `HPACK: ${decoded.error}`);
      return null;
    }
    return decoded;
  }

  /** Stream-state rejections: a connection error, or a stream error on a stream we track. */
  #reject(streamId: number, e: StreamStateError): void {
    if (e.connection) return this.#c.connectionError(e.code, `${e.error} (stream ${streamId})`);
    this.#c.streamError(streamId, e.code, `${e.error} (stream ${streamId})`);
  }

  /** A frame for a stream we do not track: idle (a connection error) or closed. */
  #untracked(what: string, streamId: number): void {
    const c = this.#c;
    if (c.isIdle(streamId)) {
      return c.connectionError(PROTOCOL, `${what} on idle stream ${streamId}`);
    }
    const how = c.closed.get(streamId);
    if (how === ClosedHow.ENDED || how === ClosedHow.RESET_RECEIVED) {
      // The peer already ended or reset this stream; RFC 9113 §5.1 says STREAM_CLOSED.
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

  #headers(r: HeaderBlock, d: DecodedBlock): void {
    const c = this.#c;
    const id = r.streamId;
    const stream = c.streams.get(id);
    if (!stream) {
      if (!c.isIdle(id)) return this.#untracked("HEADERS", id);
      if (!c.isPeerParity(id) || c.role === "client") {
        return c.connectionError(
          PROTOCOL,
          `HEADERS opening stream ${id}, which the peer may not open`,
        );
      }
      return this.#newRequest(r, d);
    }
    const next = nextStreamState(stream.state, "recvHeaders");
    if (typeof next !== "string") return this.#reject(id, next);
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
    const noBody = stream.method === "HEAD" || info.status === 204 || info.status === 304;
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

  #pushPromise(r: HeaderBlock, d: DecodedBlock): void {
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
    if (typeof next !== "string") return this.#reject(stream.id, next);
    c.setState(stream, next);
    c.events.push({ type: "StreamEnded", streamId: stream.id });
  }

  #data(f: DataFrame): void {
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
      return this.#untracked("DATA", id);
    }
    const next = nextStreamState(stream.state, "recvData");
    if (typeof next !== "string") {
      c.creditConnection(length);
      return this.#reject(id, next);
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
    if (f.data.length === 0 && !f.endStream && this.#flooded("emptyData")) return;
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

  #rstStream(streamId: number, errorCode: number): void {
    const c = this.#c;
    if (this.#flooded("resets")) return;
    const stream = c.streams.get(streamId);
    if (!stream) {
      if (c.isIdle(streamId)) {
        c.connectionError(PROTOCOL, `RST_STREAM on idle stream ${streamId}`);
      }
      return;
    }
    c.setState(stream, "closed", ClosedHow.RESET_RECEIVED);
    c.events.push({
      type: "StreamReset",
      streamId,
      errorCode,
      remote: true,
      reason: `peer reset the stream with ${errorCodeName(errorCode)}`,
    });
  }

  #settings(f: SettingsFrame): void {
    const c = this.#c;
    if (f.ack) {
      const before = c.local.effective;
      const changed = c.local.ack();
      if (changed === null) return; // an ACK for nothing: harmless, ignored
      c.applyLocal(before);
      c.events.push({ type: "SettingsAcknowledged", changedSettings: changed });
      return;
    }
    if (this.#flooded("settings")) return;
    if (c.role === "client") {
      for (const [id, value] of f.settings) {
        if (id === SettingId.ENABLE_PUSH && value !== 0) {
          return c.connectionError(PROTOCOL, "server sent SETTINGS_ENABLE_PUSH = 1");
        }
      }
    }
    const r = applySettings(c.remote, f.settings);
    if ("error" in r) return c.connectionError(r.code, r.error);
    const delta = r.settings.initialWindowSize - c.remote.initialWindowSize;
    if (delta !== 0) {
      for (const s of c.streams.values()) {
        s.sendWindow += delta;
        if (s.sendWindow > MAX_WINDOW_SIZE) {
          return c.connectionError(
            ErrorCode.FLOW_CONTROL_ERROR,
            `SETTINGS_INITIAL_WINDOW_SIZE change overflows the window of stream ${s.id}`,
          );
        }
      }
    }
    if (r.settings.headerTableSize !== c.remote.headerTableSize) {
      c.encoder.setPeerMaxTableSize(r.settings.headerTableSize);
    }
    c.remote = r.settings;
    c.gotRemoteSettings = true;
    c.queue({ type: "SETTINGS", ack: true, settings: [] });
    c.events.push({
      type: "RemoteSettingsChanged",
      changedSettings: r.changed,
      settings: c.remote,
    });
  }

  #goaway(f: GoawayFrame): void {
    const c = this.#c;
    c.goawayReceived = c.goawayReceived < 0
      ? f.lastStreamId
      : Math.min(c.goawayReceived, f.lastStreamId);
    c.events.push({
      type: "ConnectionTerminated",
      errorCode: f.errorCode,
      lastStreamId: f.lastStreamId,
      additionalData: f.debugData,
      remote: true,
      reason: `peer sent GOAWAY with ${errorCodeName(f.errorCode)}`,
    });
    const unprocessed = [...c.streams.values()].filter((s) => s.local && s.id > f.lastStreamId);
    for (const s of unprocessed) {
      c.setState(s, "closed", ClosedHow.RESET_RECEIVED);
      c.events.push({
        type: "StreamReset",
        streamId: s.id,
        errorCode: ErrorCode.REFUSED_STREAM,
        remote: true,
        reason: `not processed by the peer (GOAWAY last-stream-id ${f.lastStreamId}); ` +
          "safe to retry",
      });
    }
  }

  #windowUpdate(f: WindowUpdateFrame): void {
    const c = this.#c;
    const id = f.streamId;
    if (id === 0) {
      if (f.increment === 0) {
        return c.connectionError(PROTOCOL, "WINDOW_UPDATE with increment 0 on the connection");
      }
      c.connSendWindow += f.increment;
      if (c.connSendWindow > MAX_WINDOW_SIZE) {
        return c.connectionError(
          ErrorCode.FLOW_CONTROL_ERROR,
          "WINDOW_UPDATE makes the connection window exceed 2^31-1",
        );
      }
      c.events.push({ type: "WindowUpdated", streamId: 0, delta: f.increment });
      return;
    }
    const stream = c.streams.get(id);
    if (!stream) {
      if (c.isIdle(id)) c.connectionError(PROTOCOL, `WINDOW_UPDATE on idle stream ${id}`);
      return;
    }
    if (f.increment === 0) {
      return c.streamError(id, PROTOCOL, `WINDOW_UPDATE with increment 0 on stream ${id}`);
    }
    const next = nextStreamState(stream.state, "recvWindowUpdate");
    if (typeof next !== "string") return this.#reject(id, next);
    stream.sendWindow += f.increment;
    if (stream.sendWindow > MAX_WINDOW_SIZE) {
      return c.streamError(
        id,
        ErrorCode.FLOW_CONTROL_ERROR,
        `WINDOW_UPDATE makes the window of stream ${id} exceed 2^31-1`,
      );
    }
    c.events.push({ type: "WindowUpdated", streamId: id, delta: f.increment });
  }
}
