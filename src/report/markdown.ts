import { toMiB } from '../units/size';
import type { FunctionResult } from './results';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function code(source: string): string {
  const trimmed = source.replace(/\s+$/, '');
  if (trimmed === '') return '';
  // Keep the indentation visible: markdown collapses leading spaces outside code.
  const body = trimmed.replace(/^ +/, (s) => '\u00a0'.repeat(s.length));
  // A code span ends at the first backtick run as long as its fence (CommonMark): the fence
  // must be longer than every run inside, and a space (stripped by renderers) keeps a
  // backtick at either end from joining the fence.
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = body.startsWith('`') || body.endsWith('`') ? ' ' : '';
  return cell(`${fence}${pad}${body}${pad}${fence}`);
}

function mib(bytes: number | null, precision: number): string {
  return bytes === null ? '' : `${toMiB(bytes, precision)} MiB`;
}

/** One function's table in Markdown: a heading naming it, then the same columns as the text table. */
export function formatFunctionMarkdown(fn: FunctionResult, precision = 1): string {
  const out = [
    `### \`${fn.name}\` — ${cell(fn.file)}:${fn.line} (${fn.calls} ${fn.calls === 1 ? 'call' : 'calls'})`,
    '',
    '| Line # | Mem usage | Increment | Peak | Occurrences | Line Contents |',
    '|---:|---:|---:|---:|---:|:---|',
  ];
  for (const l of fn.lines) {
    const executed = l.occurrences > 0;
    out.push(
      `| ${l.line} | ${mib(l.mem, precision)} | ${mib(l.increment, precision)} | ${mib(l.peak, precision)} | ${executed ? l.occurrences : ''} | ${code(l.source)} |`,
    );
  }
  return `${out.join('\n')}\n\n`;
}

export function formatMarkdown(functions: readonly FunctionResult[], precision = 1): string {
  return functions.map((fn) => formatFunctionMarkdown(fn, precision)).join('');
}
