/**
 * A snapshot's strings, kept in one byte pool (no JavaScript string per entry) and cut to
 * `maxBytes` each: names and paths for reports need a prefix, while a snapshot also holds
 * whole script sources.
 */
export class StringTable {
  private pool = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  private starts = new Uint32Array(1024);
  count = 0;

  constructor(private readonly maxBytes = 200) {}

  add(value: string): void {
    const bytes = Math.min(Buffer.byteLength(value), this.maxBytes);
    if (this.used + bytes > this.pool.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.pool.length * 2, this.used + bytes));
      this.pool.copy(bigger, 0, 0, this.used);
      this.pool = bigger;
    }
    if (this.count + 2 > this.starts.length) {
      const bigger = new Uint32Array(this.starts.length * 2);
      bigger.set(this.starts);
      this.starts = bigger;
    }
    this.used += this.pool.write(value, this.used, bytes, 'utf8');
    this.starts[++this.count] = this.used;
  }

  get(index: number): string {
    if (index >= this.count) return '';
    return this.pool.toString('utf8', this.starts[index], this.starts[index + 1]);
  }

  /** Index of the first string equal to `value`, or -1. */
  indexOf(value: string): number {
    const target = Buffer.from(value);
    for (let i = 0; i < this.count; i++) {
      const start = this.starts[i];
      if (this.starts[i + 1] - start === target.length && this.pool.compare(target, 0, target.length, start, start + target.length) === 0) return i;
    }
    return -1;
  }

  /** Bytes held, for the benchmark's accounting. */
  get byteSize(): number {
    return this.pool.length + this.starts.byteLength;
  }
}
