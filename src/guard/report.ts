import { frameFile, frameLine, frameName, topAllocators, type AllocationSite } from '../export/heap-profile';
import { formatMiB } from '../units/size';

/** What the guard saw when the limit was reached. */
export interface GuardFindings {
  pid: number;
  argv: string[];
  time: Date;
  rss: number;
  childrenRss: number;
  limit: number;
  limitSource: string;
  timeline: string;
  /** V8's heap (Runtime.getHeapUsage), or null when it did not answer. */
  heap: { used: number; total: number } | null;
  /** RSS every ~100 ms before the limit: [epoch ms, bytes]. */
  history: [number, number][];
  /** The main thread's stack when the guard paused it (innermost first), or why there is none. */
  stack: { name: string; file: string; line: number }[] | string;
  sites: AllocationSite[];
  files: string[];
  snapshot: string;
}

const TOP = 15;

/** The guard's text report: what memory was at, where the program was, who holds the heap. */
export function formatGuardReport(f: GuardFindings): string {
  const out: string[] = [];
  out.push('memprof OOM guard report', '');
  out.push(`program      pid ${f.pid}: ${f.argv.join(' ')}`);
  out.push(`time         ${f.time.toISOString()}`);
  out.push(`RSS          ${formatMiB(f.rss + f.childrenRss)}${f.childrenRss > 0 ? ` (children ${formatMiB(f.childrenRss)})` : ''}, limit ${formatMiB(f.limit)} (${f.limitSource})`);
  if (f.heap) {
    const outside = Math.max(0, f.rss - f.heap.total);
    out.push(`JS heap      ${formatMiB(f.heap.used)} used of ${formatMiB(f.heap.total)}; outside the JS heap (Buffers, ArrayBuffers, native code and data): ${formatMiB(outside)}`);
  }
  out.push(`timeline     ${f.timeline} (memprof plot ${f.timeline})`);
  out.push(`files        ${f.files.join(', ')}`);
  out.push(`snapshot     ${f.snapshot}`);
  out.push('', 'RSS before the limit (seconds before, MiB):');
  const last = f.history.length ? f.history[f.history.length - 1][0] : 0;
  const step = Math.max(1, Math.floor(f.history.length / 20));
  for (let i = 0; i < f.history.length; i += step) {
    const [t, bytes] = f.history[i];
    out.push(`  ${((t - last) / 1000).toFixed(1).padStart(7)} s  ${(bytes / 1048576).toFixed(1).padStart(9)}`);
  }
  out.push('', 'Main thread when the limit was reached (innermost first):');
  if (typeof f.stack === 'string') out.push(`  (${f.stack})`);
  else for (const frame of f.stack) out.push(`  ${frame.name} (${frame.file}:${frame.line})`);
  out.push('', `Top allocating functions (V8 sampling heap profiler: objects still alive, sampled; Buffer contents are outside the JS heap):`);
  const top = topAllocators(f.sites, TOP);
  if (top.length === 0) out.push('  (no sampled allocation)');
  out.push(`  ${'MiB'.padStart(9)}  function (file:line)`);
  for (const t of top) {
    out.push(`  ${(t.liveBytes / 1048576).toFixed(2).padStart(9)}  ${frameName(t.frame)} (${frameFile(t.frame) || 'V8'}:${frameLine(t.frame)})`);
  }
  return `${out.join('\n')}\n`;
}
