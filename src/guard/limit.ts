import * as fs from 'node:fs';
import * as path from 'node:path';
import { UsageError } from '../errors';
import { formatSize, parseSize } from '../units/size';

// The memory limit the OOM guard watches: a size given, or `auto`, the limit the kernel
// enforces on memprof's control group (the program runs in it too): cgroup v2 memory.max,
// v1 memory.limit_in_bytes, the lowest on the way up to the hierarchy's root, minus a
// margin for the report itself to be written before the kernel kills.

export interface GuardLimit {
  /** Bytes of RSS (with children) at which the guard writes its report. */
  bytes: number;
  /** Where the figure comes from, for the user. */
  source: string;
  /** The cgroup's own limit for `auto`, else 0. */
  ceiling: number;
}

/** Kept free below a cgroup's limit: a tenth of it, at least 32 MiB. */
export function guardMargin(limit: number): number {
  return Math.max(Math.round(limit * 0.1), 32 * 1024 * 1024);
}

// v1 says "no limit" with a huge page-aligned number.
const UNLIMITED_V1 = 2 ** 60;

interface Mount {
  root: string;
  point: string;
  type: string;
  options: string;
}

function mounts(): Mount[] {
  const out: Mount[] = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const f = left.split(' ');
    const r = right.split(' ');
    out.push({ root: f[3], point: f[4].replace(/\\040/g, ' '), type: r[0], options: r[2] ?? '' });
  }
  return out;
}

/** The limit files from this process's cgroup up to its hierarchy's root, innermost first. */
function limitFiles(): { file: string; version: 1 | 2 }[] {
  const files: { file: string; version: 1 | 2 }[] = [];
  const all = mounts();
  for (const line of fs.readFileSync('/proc/self/cgroup', 'utf8').split('\n')) {
    const [id, controllers, cgroup] = line.split(':');
    if (cgroup === undefined) continue;
    const v2 = id === '0' && controllers === '';
    if (!v2 && !controllers.split(',').includes('memory')) continue;
    const mount = all.find((m) => (v2 ? m.type === 'cgroup2' : m.type === 'cgroup' && m.options.split(',').includes('memory')));
    if (!mount) continue;
    const relative = cgroup.startsWith(mount.root) ? cgroup.slice(mount.root.length) : cgroup;
    const name = v2 ? 'memory.max' : 'memory.limit_in_bytes';
    for (let dir = path.join(mount.point, relative); ; dir = path.dirname(dir)) {
      files.push({ file: path.join(dir, name), version: v2 ? 2 : 1 });
      if (dir === mount.point || dir === path.dirname(dir)) break;
    }
  }
  return files;
}

/** The lowest memory limit on this process's cgroups, or null when there is none. */
export function cgroupLimit(): { bytes: number; file: string } | null {
  let best: { bytes: number; file: string } | null = null;
  let files: { file: string; version: 1 | 2 }[];
  try {
    files = limitFiles();
  } catch {
    return null; // not Linux, or no /proc
  }
  for (const { file } of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8').trim();
    } catch {
      continue;
    }
    if (text === 'max') continue;
    const bytes = Number(text);
    if (!Number.isFinite(bytes) || bytes <= 0 || bytes >= UNLIMITED_V1) continue;
    if (!best || bytes < best.bytes) best = { bytes, file };
  }
  return best;
}

/** `--guard <size|auto>` as bytes and where they come from. */
export function parseGuard(text: string): GuardLimit {
  if (text.trim().toLowerCase() === 'auto') {
    const limit = cgroupLimit();
    if (!limit) throw new UsageError('--guard auto: this process has no cgroup memory limit (memory.max / memory.limit_in_bytes): give a size, e.g. --guard 2GiB');
    const margin = guardMargin(limit.bytes);
    if (limit.bytes <= margin) throw new UsageError(`--guard auto: the cgroup limit ${formatSize(limit.bytes)} (${limit.file}) is too low to keep a margin of ${formatSize(margin)}`);
    return { bytes: limit.bytes - margin, ceiling: limit.bytes, source: `${formatSize(limit.bytes)} limit of ${limit.file} minus ${formatSize(margin)}` };
  }
  const bytes = parseSize(text, '--guard size');
  if (bytes <= 0) throw new UsageError('--guard needs a size above 0, or auto');
  return { bytes, ceiling: 0, source: 'given' };
}
