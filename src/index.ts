// The public API of `require('memprof')` / `import ... from 'memprof'`. Each export loads
// its module when first read: `require('memprof')` itself takes about a millisecond, not the
// ~20 ms of loading the profiler, the sampler and the heap tools that a program may never
// use. (The ES module entry, index.mjs, reads them all: its names are bound at import.)
import type * as Profile from './trace/profile';
import type * as Memit from './measure/memit';
import type * as MemoryUsage from './measure/memory-usage';
import type * as SamplerModule from './sampler';
import type * as Rss from './rss';
import type * as MeterModule from './meter';
import type * as Size from './units/size';
import type * as SizeOfModule from './heap/sizeof';
import type * as LeakMark from './heap/leak-mark';

export type { ProfileOptions, ProfileResults, FunctionResult, LineResult } from './trace/profile';
export type { MemitOptions, MemitResult } from './measure/memit';
export type { MemoryUsageOptions, MemoryUsageResult, MemoryUsageTarget, MultiprocessUsage, TimedValue, ExitStatus } from './measure/memory-usage';
export type { KernelPeak } from './rss';
export type { Meter, BackendName } from './meter';
export type { Sample, SamplerOptions, ChildRss } from './native';
export type { SizeOf } from './heap/sizeof';

export declare const profile: typeof Profile.profile;
export declare const getResults: typeof Profile.getResults;
export declare const memit: typeof Memit.memit;
export declare const memoryUsage: typeof MemoryUsage.memoryUsage;
export declare const Sampler: typeof SamplerModule.Sampler;
export type Sampler = SamplerModule.Sampler;
export declare const rss: typeof Rss.rss;
export declare const descendants: typeof Rss.descendants;
export declare const kernelPeak: typeof Rss.kernelPeak;
export declare const createMeter: typeof MeterModule.createMeter;
export declare const BACKENDS: typeof MeterModule.BACKENDS;
export declare const parseSize: typeof Size.parseSize;
export declare const formatSize: typeof Size.formatSize;
export declare const formatMiB: typeof Size.formatMiB;
export declare const sizeof: typeof SizeOfModule.sizeof;
export declare const leakMark: typeof LeakMark.leakMark;

/** Each of `names`, read from the module `load` returns when it is first read from memprof. */
function exportLazily(names: readonly string[], load: () => Record<string, unknown>): void {
  for (const name of names) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });
}

exportLazily(['profile', 'getResults'], () => require('./trace/profile'));
exportLazily(['memit'], () => require('./measure/memit'));
exportLazily(['memoryUsage'], () => require('./measure/memory-usage'));
exportLazily(['Sampler'], () => require('./sampler'));
exportLazily(['rss', 'descendants', 'kernelPeak'], () => require('./rss'));
exportLazily(['createMeter', 'BACKENDS'], () => require('./meter'));
exportLazily(['parseSize', 'formatSize', 'formatMiB'], () => require('./units/size'));
exportLazily(['sizeof'], () => require('./heap/sizeof'));
exportLazily(['leakMark'], () => require('./heap/leak-mark'));
