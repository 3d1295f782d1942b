/**
 * The last `limit` bytes written to it, and how many earlier bytes were dropped: output held
 * back to be shown later, in bounded memory.
 */
export class TailBuffer {
  #chunks: Buffer[] = [];
  #size = 0;
  dropped = 0;

  constructor(readonly limit: number) {}

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#size > this.limit) {
      const excess = this.#size - this.limit;
      const first = this.#chunks[0];
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#size -= first.length;
        this.dropped += first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#size -= excess;
        this.dropped += excess;
      }
    }
  }

  get size(): number {
    return this.#size;
  }

  contents(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}
