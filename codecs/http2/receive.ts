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
import type { Frame, FrameError, GoawayFrame, SettingsFrame, WindowUpdateFrame } from "./frames.ts";
import { frameTypeName } from "./frame_reader.ts";
import { type HeaderBlock, HeaderBlockAssembler } from "./header_block.ts";
import type { DecodedBlock } from "./hpack/decoder.ts";
import { MessageReceiver } from "./receive_messages.ts";
import { applySettings, MAX_WINDOW_SIZE, SettingId } from "./settings.ts";
import { nextStreamState } from "./stream_state.ts";

const PROTOCOL = ErrorCode.PROTOCOL_ERROR;

export class ReceiveHandler {
  readonly #c: ConnectionCore;
  readonly #blocks: HeaderBlockAssembler;
  readonly #messages: MessageReceiver;

  constructor(core: ConnectionCore) {
    this.#c = core;
    this.#messages = new MessageReceiver(core);
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
      return this.#streamErrorOrFatal(f.streamId, f.code, f.error);
    }
    if (!c.gotRemoteSettings && (f.type !== "SETTINGS" || f.ack)) {
      const got = f.type === "UNKNOWN" ? frameTypeName(f.frameType) : f.type;
      return c.connectionError(PROTOCOL, `expected SETTINGS as the first frame, got ${got}`);
    }
    switch (f.type) {
      case "DATA":
        return this.#messages.data(f);
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
          return this.#streamErrorOrFatal(
            f.streamId,
            PROTOCOL,
            `stream ${f.streamId} depends on itself`,
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
        if (this.#c.flooded("pings")) return;
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

  /** A stream error, or a connection error on an idle stream, which RST_STREAM must not name
   * (RFC 9113 §6.4; §5.4 lets any stream error be treated as a connection error). */
  #streamErrorOrFatal(streamId: number, code: number, reason: string): void {
    const c = this.#c;
    if (c.isIdle(streamId)) return c.connectionError(code, `${reason} (idle stream ${streamId})`);
    c.streamError(streamId, code, reason, c.streams.has(streamId));
  }

  #blockResult(r: HeaderBlock | null | { error: string; code: number }): void {
    if (r === null) return;
    if ("error" in r) return this.#c.connectionError(r.code, r.error);
    const decoded = this.#decode(r);
    if (!decoded) return;
    if (r.push) return this.#messages.pushPromise(r, decoded);
    if (r.priority?.dependsOn === r.streamId) {
      const c = this.#c;
      if (c.isPeerParity(r.streamId) && c.isIdle(r.streamId)) c.highestPeer = r.streamId;
      return c.streamError(r.streamId, PROTOCOL, `stream ${r.streamId} depends on itself`);
    }
    this.#messages.headers(r, decoded);
  }

  #decode(r: HeaderBlock): DecodedBlock | null {
    const decoded = this.#c.decoder.decode(r.block);
    if ("error" in decoded) {
      this.#c.connectionError(ErrorCode.COMPRESSION_ERROR, `HPACK: ${decoded.error}`);
      return null;
    }
    return decoded;
  }

  #rstStream(streamId: number, errorCode: number): void {
    const c = this.#c;
    if (this.#c.flooded("resets")) return;
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
    if (this.#c.flooded("settings")) return;
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
    if (typeof next !== "string") return this.#messages.reject(id, next);
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
