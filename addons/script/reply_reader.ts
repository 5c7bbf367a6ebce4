/**
 * Reads the frames a sandbox worker sends (proxy side).
 *
 * Rules, written once:
 * - Every frame is read as one value and checked by `parseWorkerMessage`, like any other.
 * - Except that header fields inside a reply's flow state (`state.request.headers`,
 *   `.trailers`, the same in `state.response`) are read straight into latin1 strings: a
 *   reply is mostly header fields, and an array per field (what BYTES become) costs more
 *   than the rest of the reply. `apply_message.ts` takes header fields as bytes or as such
 *   strings, and checks them the same way.
 * - A header list of another shape is read as it is, for `apply_message.ts` to refuse.
 */
import { parseWorkerMessage, type WorkerMessage } from "./protocol.ts";
import { T_BYTES, T_DICT, T_LIST, type WireValue } from "./wire.ts";
import { setKey, WireReader } from "./wire_reader.ts";

type Dict = { [key: string]: WireValue };

const MESSAGES: ReadonlySet<string> = new Set(["request", "response"]);
const HEADER_LISTS: ReadonlySet<string> = new Set(["headers", "trailers"]);

/** `[[name, value], ...]` with every item BYTES, as strings; null for any other shape
 * (the reader is then where it was). */
function headerStrings(r: WireReader): [string, string][] | null {
  const start = r.pos;
  const n = r.list();
  // Every field takes at least 11 bytes: a forged count cannot make us allocate more.
  if (n > r.remaining) return back(r, start);
  const fields: [string, string][] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (r.peek() !== T_LIST || r.list() !== 2 || r.peek() !== T_BYTES) return back(r, start);
    const name = r.latin1();
    if (r.peek() !== T_BYTES) return back(r, start);
    fields[i] = [name, r.latin1()];
  }
  return fields;
}

function back(r: WireReader, start: number): null {
  r.seek(start);
  return null;
}

function readMessageDelta(r: WireReader): Dict {
  const out: Dict = {};
  const n = r.dict();
  for (let i = 0; i < n; i++) {
    const key = r.key();
    const fields = HEADER_LISTS.has(key) && r.peek() === T_LIST ? headerStrings(r) : null;
    setKey(out, key, fields ?? r.value(3));
  }
  return out;
}

function readState(r: WireReader): WireValue {
  if (r.peek() !== T_DICT) return r.value(1);
  const out: Dict = {};
  const n = r.dict();
  for (let i = 0; i < n; i++) {
    const key = r.key();
    setKey(out, key, MESSAGES.has(key) && r.peek() === T_DICT ? readMessageDelta(r) : r.value(2));
  }
  return out;
}

/** Decodes and checks one frame from the worker. Throws `WireError` or `ProtocolError`. */
export function readWorkerMessage(frame: Uint8Array): WorkerMessage {
  const r = WireReader.frame(frame);
  if (r.peek() !== T_DICT) return parseWorkerMessage(r.value());
  const out: Dict = {};
  const n = r.dict();
  for (let i = 0; i < n; i++) {
    const key = r.key();
    setKey(out, key, key === "state" ? readState(r) : r.value(1));
  }
  r.finish();
  return parseWorkerMessage(out);
}
