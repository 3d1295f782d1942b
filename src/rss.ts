import * as fs from 'node:fs';
import { requireAddon, tryAddon, type ChildRss } from './native';

/**
 * Resident set size in bytes of this process (no argument) or of `pid`.
 * A pid that does not exist throws an Error saying so; a pid that is not a positive
 * integer throws a TypeError. Without the addon, this process's RSS comes from
 * `process.memoryUsage.rss()` and other pids need the addon.
 */
export function rss(pid?: number): number {
  const self = pid === undefined || pid === process.pid;
  const addon = self ? tryAddon() : requireAddon();
  return addon ? addon.rss(pid) : process.memoryUsage.rss();
}

/** Every descendant of `pid` (default this process), children before grandchildren, with RSS. */
export function descendants(pid?: number): ChildRss[] {
  return requireAddon().descendants(pid);
}

/** The kernel's own high-water mark of this process's RSS, where the OS keeps a resettable one. */
export interface KernelPeak {
  /** Sets the high-water mark to the current RSS; false where the OS cannot (use a Sampler). */
  reset(): boolean;
  /** The high-water mark in bytes since the last reset (or process start); -1 where there is none. */
  read(): number;
}

// Without the addon, Linux still offers the same files to JavaScript.
const procKernelPeak: KernelPeak = {
  reset() {
    if (process.platform !== 'linux') return false;
    try {
      fs.writeFileSync('/proc/self/clear_refs', '5');
      return true;
    } catch {
      return false;
    }
  },
  read() {
    if (process.platform !== 'linux') return -1;
    try {
      const match = /^VmHWM:\s*(\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'latin1'));
      return match ? Number(match[1]) * 1024 : -1;
    } catch {
      return -1;
    }
  },
};

/** The kernel peak reader: `reset()` then `read()` gives the exact peak RSS in between. */
export function kernelPeak(): KernelPeak {
  const addon = tryAddon();
  if (!addon) return procKernelPeak;
  return { reset: () => addon.resetPeak(), read: () => addon.readPeak() };
}
