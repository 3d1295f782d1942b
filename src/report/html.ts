import { escapeXml } from '../timeline/plot/svg';
import { toMiB } from '../units/size';
import type { FunctionResult, LineResult } from './results';

// A function's line table as an HTML <table>, the text table's columns. Figures a row
// carries beyond those (named *Increment, in bytes) get columns of their own after
// Increment, so the table shows every figure the row model has.

const KNOWN = new Set(['line', 'source', 'occurrences', 'mem', 'increment', 'peak']);

function extraColumns(lines: readonly LineResult[]): string[] {
  const names = new Set<string>();
  for (const l of lines) for (const k of Object.keys(l)) if (!KNOWN.has(k) && /Increment$/.test(k)) names.add(k);
  return [...names];
}

function title(name: string): string {
  const words = name.replace(/Increment$/, '');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function mib(bytes: unknown, precision: number): string {
  return typeof bytes === 'number' ? `${toMiB(bytes, precision)} MiB` : '';
}

export function formatFunctionHtml(fn: FunctionResult, precision = 1): string {
  const extra = extraColumns(fn.lines);
  const head = ['Line #', 'Mem usage', 'Increment', ...extra.map(title), 'Peak', 'Occurrences', 'Line Contents'];
  const rows = fn.lines.map((l) => {
    const row = l as unknown as Record<string, unknown>;
    const cells = [
      String(l.line),
      mib(l.mem, precision),
      mib(l.increment, precision),
      ...extra.map((k) => (l.occurrences === 0 ? '' : mib(row[k], precision))),
      mib(l.peak, precision),
      l.occurrences === 0 ? '' : String(l.occurrences),
    ];
    // Red for a growth the table shows: not for a few bytes that print as 0.0 MiB.
    const cls = l.increment !== null && Number(toMiB(l.increment, precision)) > 0 ? ' class="grew"' : '';
    return `<tr${cls}>${cells.map((c) => `<td class="num">${escapeXml(c)}</td>`).join('')}<td class="src"><code>${escapeXml(l.source)}</code></td></tr>`;
  });
  return (
    `<table class="lines"><caption>${escapeXml(fn.name)} — ${escapeXml(fn.file)}:${fn.line} (${fn.calls} ${fn.calls === 1 ? 'call' : 'calls'})</caption>\n` +
    `<thead><tr>${head.map((h) => `<th>${escapeXml(h)}</th>`).join('')}</tr></thead>\n<tbody>\n${rows.join('\n')}\n</tbody></table>\n`
  );
}
