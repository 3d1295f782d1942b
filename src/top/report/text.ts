import { formatFunctionText } from '../../report/text';
import { formatSize } from '../../units/size';
import { displayPath } from '../../util/display-path';
import type { TopFunction, TopReport } from '../model';

// The terminal summary: where the memory went, by function, then the top functions' line tables.

/** "hot  app.js:3", or "lodash  (called by build, app.js:10)"; "app.js" alone when the line is unknown (0). */
export function describe(fn: TopFunction): string {
  const where = fn.file ? `${displayPath(fn.file)}${fn.line > 0 ? `:${fn.line}` : ''}` : '';
  if (fn.package) return fn.caller ? `${fn.package}  (called by ${fn.caller}, ${where})` : `${fn.package}`;
  return `${fn.name}  ${where}`;
}

/** "memprof top: <command>", or "memprof attach --top: pid N (<command>)". */
export function topTitle(report: TopReport): string {
  return `${report.attached ? 'memprof attach --top' : 'memprof top'}: ${report.command}`;
}

/** Why the Retained column is empty, when it is. */
export function retainedNote(report: TopReport): string {
  return report.attached
    ? 'Retained: not measured while attached (the profile keeps collected objects so that every allocation counts).'
    : 'Retained: measured by --second-pass (the second run samples live objects only).';
}

function share(part: number, whole: number): string {
  return whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : '-';
}

export function formatTopText(report: TopReport, rows = 10): string {
  const p = report.profile;
  const out: string[] = [];
  out.push(
    `${topTitle(report)} — ${(report.durationMs / 1000).toFixed(1)} s (ended by ${report.ended}), ` +
      `${formatSize(p.allocated)} allocated, sampled every ${formatSize(report.samplingInterval, 0)} on average by V8`,
  );
  out.push('');
  const header = `${'Allocated'.padStart(11)} ${'Share'.padStart(6)} ${'Retained'.padStart(11)}   Function`;
  out.push(header, '='.repeat(header.length + 20));
  for (const fn of p.functions.slice(0, rows)) {
    const retained = fn.retained === null ? '-' : formatSize(fn.retained);
    out.push(`${formatSize(fn.allocated).padStart(11)} ${share(fn.allocated, p.allocated).padStart(6)} ${retained.padStart(11)}   ${describe(fn)}`);
  }
  if (p.functions.length > rows) {
    const rest = p.functions.slice(rows).reduce((s, f) => s + f.allocated, 0);
    out.push(`${formatSize(rest).padStart(11)} ${share(rest, p.allocated).padStart(6)} ${''.padStart(11)}   (${p.functions.length - rows} more)`);
  }
  if (p.retained === null) out.push('', retainedNote(report));
  out.push('');
  const tables = report.zoomed.filter((z) => z.table);
  const missing = report.zoomed.filter((z) => !z.table);
  // Retained is measured by a second run only, whose tables cover every call from its start.
  const covers = p.retained === null ? 'in one run, from the moment each was instrumented' : 'in the second run, every call';
  if (tables.length) out.push(`Line tables of the top functions (${covers}):`, '', '');
  for (const z of tables) out.push(formatFunctionText({ ...z.table!, file: displayPath(z.table!.file) }).trimEnd(), '', '');
  for (const z of missing) out.push(`No line table for ${z.name} (${displayPath(z.file)}:${z.line}): ${z.reason}.`);
  return `${out.join('\n').trimEnd()}\n`;
}
