// The public API of `require('memprof')` / `import ... from 'memprof'`.
export { profile, getResults } from './trace/profile';
export type { ProfileOptions, ProfileResults, FunctionResult, LineResult } from './trace/profile';
export { memit } from './measure/memit';
export type { MemitOptions, MemitResult } from './measure/memit';
export { memoryUsage } from './measure/memory-usage';
export type { MemoryUsageOptions, MemoryUsageResult, MemoryUsageTarget, MultiprocessUsage, TimedValue, ExitStatus } from './measure/memory-usage';
export { Sampler } from './sampler';
export { rss, descendants, kernelPeak } from './rss';
export type { KernelPeak } from './rss';
export { createMeter, BACKENDS } from './meter';
export type { Meter, BackendName } from './meter';
export { parseSize, formatSize, formatMiB } from './units/size';
export type { Sample, SamplerOptions, ChildRss } from './native';
export { sizeof } from './heap/sizeof';
export type { SizeOf } from './heap/sizeof';
export { leakMark } from './heap/leak-mark';
