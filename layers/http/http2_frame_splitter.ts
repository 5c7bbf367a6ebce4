/**
 * Cuts received bytes at HTTP/2 frame boundaries, so the connection layers can hand the
 * codec one frame per `receiveData` call. Then the frames the codec queues in reply (SETTINGS
 * ACK, RST_STREAM, GOAWAY) belong to the events of that frame, the codec's stream states are
 * at most one frame ahead of the events being handled, and what a layer yields does not depend
 * on how the input was chunked. Only the 9-octet frame headers are looked at; the codec checks
 * the rest.
 */

const FRAME_HEADER_SIZE = 9;

export class FrameSplitter {
  /** Octets of the connection preface still to pass (servers: 24, clients: 0). */
  #preface: number;
  #headerSeen = 0;
  #length = 0;
  #payloadLeft = 0;

  constructor(prefaceLength: number) {
    this.#preface = prefaceLength;
  }

  /** Pieces of `chunk`, each ending where a frame ends (the last may end mid-frame). */
  split(chunk: Uint8Array): Uint8Array[] {
    const pieces: Uint8Array[] = [];
    const n = chunk.length;
    let start = 0;
    let i = 0;
    while (i < n) {
      if (this.#preface > 0) {
        const take = Math.min(this.#preface, n - i);
        this.#preface -= take;
        i += take;
        continue;
      }
      if (this.#headerSeen < FRAME_HEADER_SIZE) {
        if (this.#headerSeen < 3) this.#length = this.#length * 256 + chunk[i];
        this.#headerSeen++;
        i++;
        if (this.#headerSeen < FRAME_HEADER_SIZE) continue;
        this.#payloadLeft = this.#length;
      } else {
        const take = Math.min(this.#payloadLeft, n - i);
        this.#payloadLeft -= take;
        i += take;
      }
      if (this.#payloadLeft === 0) {
        pieces.push(chunk.subarray(start, i));
        start = i;
        this.#headerSeen = 0;
        this.#length = 0;
      }
    }
    if (start < n) pieces.push(chunk.subarray(start));
    return pieces;
  }
}
