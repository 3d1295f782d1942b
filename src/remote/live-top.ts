import * as path from 'node:path';
import { MemoryTimelineRecorder, type HeapReading } from '../top/memory-timeline';
import type { MemoryTimeline, V8SamplingHeapProfile } from '../top/model';
import type { CdpClient } from './cdp';
import { closeInspectorLater } from './connect';
import type { InspectorEndpoint } from './inspector-port';
import { AttachedSession } from './session';

/**
 * `memprof top`'s capture for a running process (`memprof attach --top`): V8's sampling heap
 * profiler started over the target's inspector, its RSS read from outside by the sampler
 * thread and its heap and external memory by a small evaluate every HEAP_EVERY_MS. Nothing
 * of memprof is loaded into the target; detach stops the profiler and closes the inspector
 * if memprof opened it.
 */

/**
 * The script name memprof's evaluations run under: a path in memprof's own folder, so the
 * analysis (and exporters) count what they allocate as memprof's, never the program's.
 */
const OWN_SCRIPT_URL = path.join(__dirname, 'memprof-evaluate.js');
const RSS_EVERY_MS = 10;
// Each reading is an interrupt of the target's main thread (tens of µs): a few a second.
const HEAP_EVERY_MS = 250;

export interface LiveTopOptions {
  /** V8's mean bytes between samples. */
  samplingInterval: number;
  note: (text: string) => void;
}

export interface LiveTopCapture {
  raw: V8SamplingHeapProfile;
  timeline: MemoryTimeline;
  durationMs: number;
}

export class LiveTop extends AttachedSession {
  private sampling = false;
  private readonly started = Date.now();
  private readonly timeline: MemoryTimelineRecorder;

  private constructor(pid: number, client: CdpClient, endpoint: InspectorEndpoint, private readonly options: LiveTopOptions) {
    super(pid, client, endpoint);
    this.timeline = new MemoryTimelineRecorder(RSS_EVERY_MS, HEAP_EVERY_MS, { pid, heap: () => this.memoryUsage() });
  }

  /** Opens the inspector and starts sampling. Throws AttachRefused with the reason. */
  static attach(pid: number, options: LiveTopOptions): Promise<LiveTop> {
    return AttachedSession.open(pid, options.note, (client, endpoint) => new LiveTop(pid, client, endpoint, options));
  }

  protected async start(): Promise<void> {
    await this.client.send('HeapProfiler.enable');
    // Collected objects stay in the profile, as in `memprof top`: short-lived garbage counts as allocated.
    await this.client.send('HeapProfiler.startSampling', {
      samplingInterval: this.options.samplingInterval,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    this.sampling = true;
    this.timeline.start();
  }

  private memoryUsage(): Promise<HeapReading> {
    return this.client.evaluate<HeapReading>(
      `(() => { const m = process.memoryUsage(); return { rss: m.rss, heapUsed: m.heapUsed, external: m.external }; })()\n//# sourceURL=${OWN_SCRIPT_URL}`,
    );
  }

  /** Stops sampling and returns the profile and the timeline; the connection stays for detach(). */
  async stop(): Promise<LiveTopCapture> {
    if (this.lost) throw this.lost;
    const last = await this.memoryUsage().catch(() => undefined);
    const { profile } = await this.client.send<{ profile: V8SamplingHeapProfile }>('HeapProfiler.stopSampling');
    this.sampling = false;
    return { raw: profile, timeline: this.timeline.stop(last), durationMs: Date.now() - this.started };
  }

  /** Leaves the process as it was: sampling stopped, the profiler disabled, the inspector closed if memprof opened it. */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.detached = true;
    this.timeline.stop();
    if (this.lost || this.client.isClosed) return;
    try {
      if (this.sampling) await this.client.send('HeapProfiler.stopSampling');
      this.sampling = false;
      await this.client.send('HeapProfiler.disable');
      if (this.endpoint.opened) await this.client.evaluate(closeInspectorLater());
    } catch (err) {
      this.options.note(`detaching from pid ${this.pid} did not finish: ${(err as Error).message}`);
    } finally {
      await this.client.close();
    }
  }
}
