import type { GrowingSite } from '../heap/growth';
import { formatSize } from '../units/size';

export const LEAKS_FORMATS = ['text', 'json', 'markdown'] as const;
export type LeaksFormat = (typeof LEAKS_FORMATS)[number];

export interface LeaksReport {
  command: string;
  snapshots: number;
  sites: GrowingSite[];
}

const growth = (values: number[]): number => values[values.length - 1] - values[0];

/** `memprof leaks` results as text, JSON or Markdown. */
export function formatLeaks(report: LeaksReport, format: LeaksFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  const { sites, snapshots } = report;
  if (format === 'markdown') {
    const lines = [`## Growing allocation sites: ${report.command}`, '', `${snapshots} snapshots.`, ''];
    if (sites.length === 0) return `${lines.join('\n')}No allocation site grew in every snapshot.\n`;
    lines.push('| Site | Function | Live objects | Retained | Held by |', '|---|---|---|---|---|');
    for (const s of sites) {
      lines.push(`| \`${s.file}:${s.line}\` | \`${s.functionName}\`${s.package ? ` (made in ${s.package})` : ''} | ${s.objects.join(' → ')} | ${formatSize(s.bytes[0])} → ${formatSize(s.bytes[s.bytes.length - 1])} | ${s.retainers.join(' → ').replace(/\|/g, '\\|')} |`);
    }
    return `${lines.join('\n')}\n`;
  }
  const lines = [`memprof leaks: ${snapshots} snapshots of ${report.command}`];
  if (snapshots < 2) lines.push('fewer than 2 snapshots: nothing to compare (use --interval, SIGUSR2 or leakMark())');
  else if (sites.length === 0) lines.push('no allocation site grew in every snapshot');
  for (const s of sites) {
    lines.push(`${s.file}:${s.line} ${s.functionName}()${s.package ? ` (made in ${s.package})` : ''}: +${formatSize(growth(s.bytes))} retained, live objects ${s.objects.join(' → ')}`);
    if (s.retainers.length > 0) lines.push(`  held by ${s.retainers.join(' → ')}`);
  }
  return `${lines.join('\n')}\n`;
}
