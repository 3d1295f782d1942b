import { formatSize } from '../units/size';
import { VERSION } from '../version';
import { METRICS, type CheckedBudget } from './verdict';
import { formatTolerance } from './tolerance';

// `memprof check` results as a compact text table, JSON, Markdown, and GitHub Actions
// annotations. Every figure in JSON is bytes; text and Markdown use binary units.

export type CheckFormat = 'text' | 'json' | 'markdown';
export const CHECK_FORMATS: readonly CheckFormat[] = ['text', 'json', 'markdown'];

export interface CheckSummary {
  results: CheckedBudget[];
  /** The baseline file written by --update-baseline, if any. */
  baselineWritten?: string;
}


function size(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : formatSize(value);
}

function signedPercent(value: number, base: number): string {
  const p = ((value - base) / base) * 100;
  return `${p >= 0 ? '+' : ''}${p.toFixed(1)}%`;
}

function versusBaseline(r: CheckedBudget): string {
  if (!r.baseline) return '-';
  const parts: string[] = [];
  for (const metric of METRICS) {
    const value = r.measurement[metric];
    const base = r.baseline[metric];
    if (value !== null && base !== undefined && base > 0) {
      parts.push(`${{ peakRss: 'RSS', peakHeap: 'heap', peakExternal: 'external' }[metric]} ${signedPercent(value, base)}`);
    }
  }
  return parts.length ? parts.join(', ') : '-';
}

function failed(results: CheckedBudget[]): CheckedBudget[] {
  return results.filter((r) => r.breaches.length > 0);
}

interface Column {
  title: string;
  cell(r: CheckedBudget): string;
  /** Columns that would be "-" on every row are left out. */
  shown(results: CheckedBudget[]): boolean;
}

const COLUMNS: Column[] = [
  { title: 'budget', cell: (r) => r.name, shown: () => true },
  { title: 'peak RSS', cell: (r) => size(r.measurement.peakRss), shown: () => true },
  { title: 'max RSS', cell: (r) => size(r.limits.peakRss), shown: (rs) => rs.some((r) => r.limits.peakRss !== undefined) },
  {
    title: 'heap peak',
    cell: (r) => size(r.measurement.peakHeap),
    shown: (rs) => rs.some((r) => r.measurement.peakHeap !== null || r.limits.peakHeap !== undefined),
  },
  { title: 'max heap', cell: (r) => size(r.limits.peakHeap), shown: (rs) => rs.some((r) => r.limits.peakHeap !== undefined) },
  // External memory only where a limit or a baseline asks for it: most budgets never do.
  {
    title: 'external peak',
    cell: (r) => size(r.measurement.peakExternal),
    shown: (rs) => rs.some((r) => r.limits.peakExternal !== undefined || r.baseline?.peakExternal !== undefined),
  },
  { title: 'max external', cell: (r) => size(r.limits.peakExternal), shown: (rs) => rs.some((r) => r.limits.peakExternal !== undefined) },
  { title: 'vs baseline', cell: versusBaseline, shown: (rs) => rs.some((r) => r.baseline !== undefined) },
  { title: 'time', cell: (r) => `${(r.measurement.durationMs / 1000).toFixed(1)} s`, shown: () => true },
  { title: 'result', cell: (r) => (r.breaches.length ? 'FAIL' : 'ok'), shown: () => true },
];

function headline(summary: CheckSummary): string {
  const n = summary.results.length;
  const bad = failed(summary.results).length;
  const what = `${n} budget${n === 1 ? '' : 's'}`;
  return bad === 0 ? `${what}, all within limits` : `${what}, ${bad} failed`;
}

export function formatText(summary: CheckSummary): string {
  const columns = COLUMNS.filter((c) => c.shown(summary.results));
  const rows = [columns.map((c) => c.title), ...summary.results.map((r) => columns.map((c) => c.cell(r)))];
  const widths = columns.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) => (i === 0 || i === row.length - 1 ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
      .join('  ')
      .trimEnd(),
  );
  for (const r of failed(summary.results)) {
    for (const breach of r.breaches) lines.push(`FAIL ${r.name}: ${breach.message}`);
  }
  if (summary.baselineWritten) lines.push(`baseline written to ${summary.baselineWritten}`);
  lines.push(`memprof check: ${headline(summary)}`);
  return `${lines.join('\n')}\n`;
}

function markdownCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function formatMarkdown(summary: CheckSummary): string {
  const columns = COLUMNS.filter((c) => c.shown(summary.results));
  const lines = [
    `### memprof check: ${headline(summary)}`,
    '',
    `| ${columns.map((c) => c.title).join(' | ')} |`,
    `| ${columns.map((c, i) => (i === 0 || i === columns.length - 1 ? '---' : '---:')).join(' | ')} |`,
  ];
  for (const r of summary.results) {
    const cells = columns.map((c) => markdownCell(c.cell(r)));
    cells[cells.length - 1] = r.breaches.length ? '**FAIL**' : 'ok';
    cells[0] = `\`${cells[0]}\``;
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const failures = failed(summary.results).flatMap((r) => r.breaches.map((b) => `- **${r.name}**: ${b.message}`));
  if (failures.length) lines.push('', ...failures);
  if (summary.baselineWritten) lines.push('', `Baseline written to \`${summary.baselineWritten}\`.`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(summary: CheckSummary): string {
  const report = {
    tool: 'memprof',
    version: VERSION,
    unit: 'bytes',
    ok: failed(summary.results).length === 0,
    budgets: summary.results.map((r) => ({
      name: r.name,
      command: r.command,
      ok: r.breaches.length === 0,
      peakRss: r.measurement.peakRss,
      peakHeap: r.measurement.peakHeap,
      peakExternal: r.measurement.peakExternal,
      maxPeak: r.limits.peakRss ?? null,
      maxHeap: r.limits.peakHeap ?? null,
      maxExternal: r.limits.peakExternal ?? null,
      baseline: r.baseline ?? null,
      tolerance: formatTolerance(r.tolerance),
      exitCode: r.measurement.exitCode,
      signal: r.measurement.signal,
      durationMs: Math.round(r.measurement.durationMs),
      nodeProcesses: r.measurement.nodeProcesses,
      breaches: r.breaches,
    })),
    baselineWritten: summary.baselineWritten ?? null,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

export function formatCheck(summary: CheckSummary, format: CheckFormat): string {
  if (format === 'json') return formatJson(summary);
  if (format === 'markdown') return formatMarkdown(summary);
  return formatText(summary);
}

// Workflow commands: data escapes %, CR and LF; property values also : and ,.
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** One `::error` line per breach, for the GitHub Actions log and the run's annotations. */
export function githubAnnotations(summary: CheckSummary): string {
  return failed(summary.results)
    .flatMap((r) =>
      r.breaches.map((b) => `::error title=${escapeProperty(`memprof check: ${r.name}`)}::${escapeData(b.message)}\n`),
    )
    .join('');
}

