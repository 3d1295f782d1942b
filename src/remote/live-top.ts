import { MemoryTimelineRecorder, type HeapReading } from '../top/memory-timeline';
import type { MemoryTimeline, V8SamplingHeapProfile, V8SamplingHeapProfileNode } from '../top/model';
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

/** The name of the function memprof's memory readings run in the target. */
const READER = 'memprofReadMemory';
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

  /**
   * The target's memory as `process.memoryUsage()` sees it, read by a function whose name
   * marks its frames as memprof's (see withoutOwnReadings); without the console's
   * command-line API, which the target would set up again at every call.
   */
  private async memoryUsage(): Promise<HeapReading> {
    const reply = await this.client.send<{ result: { value?: HeapReading }; exceptionDetails?: { text: string } }>('Runtime.evaluate', {
      expression: `(function ${READER}() { const m = process.memoryUsage(); return { rss: m.rss, heapUsed: m.heapUsed, external: m.external }; })()`,
      returnByValue: true,
      silent: true,
    });
    if (!reply.result.value) throw new Error(`memprof's memory reading failed in the target: ${reply.exceptionDetails?.text}`);
    return reply.result.value;
  }

  /** Stops sampling and returns the profile and the timeline; the connection stays for detach(). */
  async stop(): Promise<LiveTopCapture> {
    if (this.lost) throw this.lost;
    const last = await this.memoryUsage().catch(() => undefined);
    const { profile } = await this.client.send<{ profile: V8SamplingHeapProfile }>('HeapProfiler.stopSampling');
    this.sampling = false;
    return { raw: withoutOwnReadings(profile), timeline: this.timeline.stop(last), durationMs: Date.now() - this.started };
  }

  /** Leaves the process as it was: sampling stopped, the profiler disabled, the inspector closed if memprof opened it. */
  async detach(): Promise<void> {
    if (this.detached) return;
    this.timeline.stop();
    if (await this.leaveExiting()) return;
    this.detached = true;
    if (this.lost || this.client.isClosed) return;
    let closing = false;
    try {
      if (this.sampling) await this.client.send('HeapProfiler.stopSampling');
      this.sampling = false;
      await this.client.send('HeapProfiler.disable');
      if (this.endpoint.opened) {
        await this.client.evaluate(closeInspectorLater());
        closing = true;
      }
    } catch (err) {
      this.options.note(`detaching from pid ${this.pid} did not finish: ${(err as Error).message}`);
    } finally {
      await this.disconnect(closing, this.options.note);
    }
  }
}

/**
 * The profile without what memprof's readings allocated in the target: V8 names no script
 * for an evaluated expression, so they are found by shape, a script run from the inspector
 * (a root frame without URL) that calls the reader function.
 */
function withoutOwnReadings(profile: V8SamplingHeapProfile): V8SamplingHeapProfile {
  const dropped = new Set<number>();
  const mark = (node: V8SamplingHeapProfileNode): void => {
    dropped.add(node.id);
    node.children.forEach(mark);
  };
  const kept = profile.head.children.filter((node) => {
    const own = node.callFrame.url === '' && node.children.some((c) => c.callFrame.functionName === READER);
    if (own) mark(node);
    return !own;
  });
  return { head: { ...profile.head, children: kept }, samples: profile.samples.filter((s) => !dropped.has(s.nodeId)) };
}
