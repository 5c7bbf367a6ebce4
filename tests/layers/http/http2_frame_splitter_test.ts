import { deepStrictEqual as assertEquals } from "node:assert/strict";
import fc from "fast-check";
import { concatBytes } from "../../../codecs/bytes.ts";
import { FrameSplitter } from "../../../layers/http/http2_frame_splitter.ts";
import { bytesOf, clientPeer, GET } from "./http2_helpers.ts";

/** Frame end offsets of a byte stream that starts with `preface` octets. */
function frameEnds(bytes: Uint8Array, preface: number): number[] {
  const ends: number[] = [];
  for (let at = preface; at + 9 <= bytes.length;) {
    at += 9 + ((bytes[at] << 16) | (bytes[at + 1] << 8) | bytes[at + 2]);
    ends.push(at);
  }
  return ends;
}

Deno.test("FrameSplitter: pieces end at frame boundaries, whatever the chunking", () => {
  const peer = clientPeer();
  peer.sendHeaders(1, GET);
  peer.sendData(1, new Uint8Array(40000)); // several DATA frames
  peer.sendData(1, bytesOf(""), { endStream: true }); // an empty frame
  const input = peer.dataToSend();
  const ends = frameEnds(input, 24);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: input.length - 1 }), { maxLength: 30 }), (c) => {
      const cuts = [...new Set(c)].sort((a, b) => a - b);
      const splitter = new FrameSplitter(24);
      const pieces: Uint8Array[] = [];
      let prev = 0;
      const cutEnds: number[] = [];
      for (const p of [...cuts, input.length]) {
        let at = prev;
        for (const piece of splitter.split(input.subarray(prev, p))) {
          pieces.push(piece);
          at += piece.length;
          cutEnds.push(at);
        }
        prev = p;
      }
      assertEquals(concatBytes(pieces), input);
      // A piece ends at a frame end or where the chunk ended; every frame end is a cut.
      for (const end of cutEnds) {
        assertEquals(ends.includes(end) || cuts.includes(end) || end === input.length, true);
      }
      for (const end of ends) assertEquals(cutEnds.includes(end), true);
    }),
  );
});
