import { tryAddon, type NativeSampler } from '../native';
import type { MemoryTimeline } from './model';

/** One reading of what V8 knows of a process's memory, in bytes. */
export interface HeapReading {
  rss: number;
  heapUsed: number;
  external: number;
}

/**
 * Whose memory: this process by default; another process (`memprof attach --top`) by its pid
 * for RSS (the sampler thread reads it from outside) and an asynchronous `heap` reader (the
 * heap and external figures can only come from inside it).
 */
export interface TimelineSource {
  pid?: number;
  heap?: () => Promise<HeapReading>;
}

/**
 * RSS over time from the native sampler thread (it reads while JavaScript runs), and V8's
 * heap used and external memory whenever the event loop turns (at most every `heapEveryMs`):
 * V8 can only be asked from this thread, so a long synchronous stretch has RSS points only.
 */
export class MemoryTimelineRecorder {
  readonly #timeline: MemoryTimeline = { rss: { t: [], bytes: [] }, heap: { t: [], bytes: [] }, external: { t: [], bytes: [] } };
  #sampler: NativeSampler | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** An asynchronous reading under way (one at a time). */
  #reading = false;

  constructor(
    readonly rssEveryMs = 10,
    readonly heapEveryMs = 50,
    readonly source: TimelineSource = {},
  ) {}

  start(): void {
    const addon = tryAddon();
    if (addon) {
      this.#sampler = new addon.Sampler({ intervalMs: this.rssEveryMs, keepSamples: true, ...(this.source.pid !== undefined ? { pid: this.source.pid } : {}) });
      this.#sampler.start();
    }
    this.readHeap();
    this.#timer = setInterval(() => this.readHeap(), this.heapEveryMs);
    this.#timer.unref();
  }

  /** One heap and external reading now (also called at the end); another process's arrives when it answers. */
  readHeap(): void {
    const read = this.source.heap;
    if (!read) {
      this.#push(Date.now(), process.memoryUsage());
      return;
    }
    if (this.#reading) return;
    this.#reading = true;
    read().then(
      (usage) => {
        this.#reading = false;
        if (this.#timer) this.#push(Date.now(), usage);
      },
      () => {
        this.#reading = false; // it went away or is busy: the next reading tells
      },
    );
  }

  #push(now: number, usage: HeapReading): void {
    this.#timeline.heap.t.push(now);
    this.#timeline.heap.bytes.push(usage.heapUsed);
    this.#timeline.external.t.push(now);
    this.#timeline.external.bytes.push(usage.external);
    if (this.#sampler) this.#drain();
    else {
      // Without the addon: RSS at the same moments, from Node.
      this.#timeline.rss.t.push(now);
      this.#timeline.rss.bytes.push(usage.rss);
    }
  }

  /** Moves the sampler's buffered readings into the timeline (its buffer is bounded). */
  #drain(): void {
    for (const s of this.#sampler!.samples()) {
      this.#timeline.rss.t.push(s.time);
      this.#timeline.rss.bytes.push(s.rss);
    }
  }

  /** Ends the timeline; `last` is a final reading of another process (this process is read now). */
  stop(last?: HeapReading): MemoryTimeline {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    if (!this.source.heap) this.#push(Date.now(), process.memoryUsage());
    else if (last) this.#push(Date.now(), last);
    if (this.#sampler) {
      this.#sampler.stop();
      this.#drain();
      this.#sampler = null;
    }
    return this.#timeline;
  }
}
