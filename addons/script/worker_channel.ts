/**
 * The worker's end of the channel: it reads the sandbox process's stdin and writes its
 * stdout itself (neither needs a permission), so frames never hop through the process's
 * main thread.
 *
 * Rules, written once:
 * - Frames are read into a buffer that is never overwritten and cut by `FrameSplitter`
 *   (views, no copy): the encoding of a call's flow stays readable until its hook is done
 *   (`flow_delta.ts`). A body is copied once, out of the frame into its flow.
 * - Outgoing frames are appended to one buffer and written with one `writeSync` at the end
 *   of the event loop turn (`setImmediate`), however many hooks answered in that turn.
 * - End of stdin, or stdout gone, means the proxy is done with us: `closed` is called. So
 *   do bytes that are not frames: the channel cannot get back in step.
 */
import { setImmediate } from "node:timers";
import { FrameSplitter } from "./wire.ts";
import { WireWriter } from "./wire_writer.ts";

/** Reads go into one buffer until less than `MIN_READ` is left, then into a fresh one:
 * frames are views into it and must not be overwritten. */
const READ_BUFFER = 256 * 1024;
const MIN_READ = 16 * 1024;

export interface ChannelEvents {
  frame(frame: Uint8Array): void;
  /** Bytes that are not frames (a bug, or the script read our stdin). */
  badInput(e: unknown): void;
  closed(): void;
}

export class WorkerChannel {
  readonly #out = new WireWriter(64 * 1024);
  #scheduled = false;
  #open = true;

  readonly #events: ChannelEvents;

  constructor(events: ChannelEvents) {
    this.#events = events;
  }

  /** Reads frames until stdin ends. */
  async run(): Promise<void> {
    const splitter = new FrameSplitter();
    let buf = new Uint8Array(READ_BUFFER);
    let used = 0;
    try {
      for (;;) {
        if (buf.length - used < MIN_READ) {
          buf = new Uint8Array(READ_BUFFER);
          used = 0;
        }
        const n = await Deno.stdin.read(buf.subarray(used));
        if (n === null) break;
        const chunk = buf.subarray(used, used + n);
        used += n;
        let frames: Uint8Array[];
        try {
          frames = splitter.push(chunk);
        } catch (e) {
          // Out of step with the proxy for good: report it and let the process go.
          this.#events.badInput(e);
          break;
        }
        for (const frame of frames) this.#events.frame(frame);
      }
    } finally {
      this.#close();
    }
  }

  /** Writes one frame with `write` (which writes exactly one value), sent this turn. */
  send(write: (w: WireWriter) => void): void {
    if (!this.#open) return;
    this.#out.frameWith(write);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const bytes = this.#out.view();
    try {
      let off = 0;
      while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
    } catch {
      this.#close();
    } finally {
      this.#out.truncate(0);
    }
  }

  #close(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#scheduled) this.#flush();
    this.#events.closed();
  }
}
