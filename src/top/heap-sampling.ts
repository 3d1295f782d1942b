import * as inspector from 'node:inspector';
import type { V8SamplingHeapProfile } from './model';

/**
 * V8's sampling heap profiler, driven through an in-process inspector session (nothing
 * listens on a port: the session is a function call inside this process). V8 records one
 * sample, with its stack, about every `samplingInterval` bytes allocated.
 *
 * With `includeCollected`, samples of objects the garbage collector has freed are kept
 * (V8 11.3 in Node 20 accepts includeObjectsCollectedByMajorGC/MinorGC), so the profile
 * counts everything allocated; without it, only objects still alive: what is retained.
 * In-process sessions answer synchronously, so the profile is readable in an 'exit' handler.
 */
export interface HeapSamplingOptions {
  /** Mean bytes between samples (V8's default is 32768). */
  samplingInterval: number;
  includeCollected: boolean;
}

export class HeapSampling {
  readonly #session = new inspector.Session();
  #running = false;

  constructor(readonly options: HeapSamplingOptions) {}

  start(): void {
    this.#session.connect();
    this.#post('HeapProfiler.enable');
    this.#post('HeapProfiler.startSampling', {
      samplingInterval: this.options.samplingInterval,
      includeObjectsCollectedByMajorGC: this.options.includeCollected,
      includeObjectsCollectedByMinorGC: this.options.includeCollected,
    });
    this.#running = true;
  }

  get running(): boolean {
    return this.#running;
  }

  /** The profile so far; sampling goes on. */
  peek(): V8SamplingHeapProfile {
    return this.#post<{ profile: V8SamplingHeapProfile }>('HeapProfiler.getSamplingProfile').profile;
  }

  /** Stops sampling and returns the whole profile. */
  stop(): V8SamplingHeapProfile {
    const { profile } = this.#post<{ profile: V8SamplingHeapProfile }>('HeapProfiler.stopSampling');
    this.#running = false;
    this.#session.disconnect();
    return profile;
  }

  #post<T>(method: string, params?: object): T {
    let error: Error | null = null;
    let result: T | undefined;
    let replied = false;
    (this.#session.post as (m: string, p: object | undefined, cb: (err: Error | null, res: T) => void) => void)(method, params, (err, res) => {
      error = err;
      result = res;
      replied = true;
    });
    if (!replied) throw new Error(`the inspector did not answer ${method} synchronously`);
    if (error) throw new Error(`${method}: ${(error as Error).message}`);
    return result as T;
  }
}
