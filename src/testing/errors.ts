import type { MemoryMeasurement } from './measure-memory';
import type { LeakReport } from './assert-no-leak';
import type { LineAllocation } from './line-attribution';
import type { LeakSite } from './leak-sites';

/** A function's memory went over the limit given to `limitMemory`. */
export class MemoryLimitError extends Error {
  constructor(
    message: string,
    /** The limit in bytes. */
    readonly limit: number,
    /** The measured figure the limit applies to, in bytes. */
    readonly measured: number,
    readonly metric: 'rss' | 'heap' | 'external',
    readonly measurement: MemoryMeasurement,
    /** With `lines: true`: the lines that allocated most, largest first. */
    readonly lines: LineAllocation[] = [],
  ) {
    super(message);
    this.name = 'MemoryLimitError';
  }
}

/** Retained memory grew with the iterations in `assertNoLeak`. */
export class MemoryLeakError extends Error {
  constructor(
    message: string,
    readonly report: LeakReport,
    /** Where the leaked objects were allocated and what holds them, largest first. */
    readonly sites: LeakSite[] = [],
  ) {
    super(message);
    this.name = 'MemoryLeakError';
  }
}
