// `require('memprof/testing')`: memory assertions for any test runner (node:test, vitest,
// jest, mocha): each helper returns a promise that rejects to fail the test.
export { measureMemory } from './measure-memory';
export type { MemoryMeasurement, MeasureMemoryOptions } from './measure-memory';
export { limitMemory } from './limit-memory';
export type { LimitMemoryOptions, LimitMetric } from './limit-memory';
export { assertNoLeak } from './assert-no-leak';
export type { AssertNoLeakOptions, LeakReport, LeakPoint, LeakMetric } from './assert-no-leak';
export { MemoryLimitError, MemoryLeakError } from './errors';
export type { LineAllocation } from './line-attribution';
export { findLeakSites } from './leak-sites';
export type { LeakSite, LeakSiteOptions } from './leak-sites';
