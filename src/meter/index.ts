import * as fs from 'node:fs';
import { UsageError } from '../errors';
import { addonMissingMessage, requireAddon, tryAddon } from '../native';

/** A source of one memory figure, in bytes. */
export interface Meter {
  readonly name: BackendName;
  /** What the figure is, for reports and --help. */
  readonly measures: string;
  read(): number;
}

export const BACKENDS = ['native', 'process', 'heap', 'uss', 'pss'] as const;
export type BackendName = (typeof BACKENDS)[number];

export const BACKEND_DESCRIPTIONS: Record<BackendName, string> = {
  native: 'resident set size of the process, read by the native addon (fast)',
  process: 'resident set size from process.memoryUsage.rss() (pure JavaScript)',
  heap: 'bytes used on the V8 heap (v8.getHeapStatistics().used_heap_size)',
  uss: 'unique set size: private pages of the process (Linux, /proc/self/smaps_rollup)',
  pss: 'proportional set size: private pages plus a share of shared ones (Linux)',
};

export function isBackendName(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name);
}

/** Throws a UsageError listing the valid backends unless `name` is one. */
export function checkBackendName(name: string): BackendName {
  if (!isBackendName(name)) {
    throw new UsageError(`unknown backend "${name}": choose one of ${BACKENDS.join(', ')}`);
  }
  return name;
}

function smapsRollupMeter(name: 'uss' | 'pss'): Meter {
  if (process.platform !== 'linux') {
    throw new UsageError(`the ${name} backend needs Linux (/proc/self/smaps_rollup)`);
  }
  let fd: number;
  try {
    fd = fs.openSync('/proc/self/smaps_rollup', 'r');
  } catch (err) {
    throw new UsageError(`the ${name} backend cannot read /proc/self/smaps_rollup: ${(err as Error).message}`);
  }
  const buffer = Buffer.alloc(4096);
  // Field names with the line break before them, so "Pss:" never matches "SwapPss:".
  const fields = (name === 'pss' ? ['Pss:'] : ['Private_Clean:', 'Private_Dirty:', 'Private_Hugetlb:']).map((field) =>
    Buffer.from(`\n${field}`, 'latin1'),
  );
  return {
    name,
    measures: BACKEND_DESCRIPTIONS[name],
    // Parses the bytes in place: a read allocates nothing in the profiled program.
    read() {
      const length = fs.readSync(fd, buffer, 0, buffer.length, 0);
      let kib = 0;
      for (const field of fields) {
        let at = buffer.indexOf(field);
        if (at < 0 || at >= length) continue;
        at += field.length;
        while (at < length && buffer[at] === 0x20) at++;
        let value = 0;
        for (; at < length && buffer[at] >= 0x30 && buffer[at] <= 0x39; at++) value = value * 10 + buffer[at] - 0x30;
        kib += value;
      }
      return kib * 1024;
    },
  };
}

let warnedFallback = false;
let noticeOnStderr = false;

/** The CLI says the fallback on its own `memprof:` stderr line instead of a process warning. */
export function reportFallbackOnStderr(): void {
  noticeOnStderr = true;
}

/**
 * The backend used when none is named: `native`, or `process` where the addon cannot load
 * (then, once per process, a warning says why: `process.emitWarning` with code
 * MEMPROF_NO_ADDON from the library, one stderr line from the CLI).
 */
export function defaultBackend(): BackendName {
  if (tryAddon()) return 'native';
  if (!warnedFallback) {
    warnedFallback = true;
    const message = `${addonMissingMessage()}; using the "process" backend`;
    if (noticeOnStderr) process.stderr.write(`memprof: ${message}\n`);
    else process.emitWarning(message, { code: 'MEMPROF_NO_ADDON' });
  }
  return 'process';
}

/**
 * Creates the meter for a backend name (default: `defaultBackend()`). An unknown name, or
 * `native` asked for explicitly where the addon cannot load, is a UsageError.
 */
export function createMeter(name?: string): Meter {
  const backend = name === undefined ? defaultBackend() : checkBackendName(name);
  switch (backend) {
    case 'native': {
      const addon = requireAddon();
      return { name: backend, measures: BACKEND_DESCRIPTIONS.native, read: () => addon.rss() };
    }
    case 'process':
      return { name: backend, measures: BACKEND_DESCRIPTIONS.process, read: () => process.memoryUsage.rss() };
    case 'heap': {
      // node:v8 loads with the heap meter, not with require('memprof').
      const v8 = require('node:v8') as typeof import('node:v8');
      return { name: backend, measures: BACKEND_DESCRIPTIONS.heap, read: () => v8.getHeapStatistics().used_heap_size };
    }
    case 'uss':
    case 'pss':
      return smapsRollupMeter(backend);
  }
}
