import { tryAddon, type NativeSampler } from '../native';
import type { MemoryTimeline } from './model';

/**
 * RSS over time from the native sampler thread (it reads while JavaScript runs), and V8's
 * heap used and external memory whenever the event loop turns (at most every `heapEveryMs`):
 * V8 can only be asked from this thread, so a long synchronous stretch has RSS points only.
 */
export class MemoryTimelineRecorder {
  readonly #timeline: MemoryTimeline = { rss: { t: [], bytes: [] }, heap: { t: [], bytes: [] }, external: { t: [], bytes: [] } };
  #sampler: NativeSampler | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(readonly rssEveryMs = 10, readonly heapEveryMs = 50) {}

  start(): void {
    const addon = tryAddon();
    if (addon) {
      this.#sampler = new addon.Sampler({ intervalMs: this.rssEveryMs, keepSamples: true });
      this.#sampler.start();
    }
    this.readHeap();
    this.#timer = setInterval(() => this.readHeap(), this.heapEveryMs);
    this.#timer.unref();
  }

  /** One heap and external reading now (also called at the end). */
  readHeap(): void {
    const now = Date.now();
    const usage = process.memoryUsage();
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

  stop(): MemoryTimeline {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.readHeap();
    if (this.#sampler) {
      this.#sampler.stop();
      this.#drain();
      this.#sampler = null;
    }
    return this.#timeline;
  }
}
