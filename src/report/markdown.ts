import { cellText, COLUMN_HEADERS, tableColumns, type ColumnName } from './columns';
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

/** One function's table in Markdown: a heading naming it, then the same columns as the text table. */
export function formatFunctionMarkdown(fn: FunctionResult, precision = 1, asked?: readonly ColumnName[]): string {
  const columns = tableColumns(fn, asked);
  const out = [
    `### \`${fn.name}\` — ${cell(fn.file)}:${fn.line} (${fn.calls} ${fn.calls === 1 ? 'call' : 'calls'})`,
    '',
    `| Line # | ${columns.map((c) => COLUMN_HEADERS[c]).join(' | ')} | Line Contents |`,
    `|---:|${columns.map(() => '---:|').join('')}:---|`,
  ];
  for (const l of fn.lines) {
    out.push(`| ${l.line} | ${columns.map((c) => cellText(l, c, precision)).join(' | ')} | ${code(l.source)} |`);
  }
  return `${out.join('\n')}\n\n`;
}

export function formatMarkdown(functions: readonly FunctionResult[], precision = 1, columns?: readonly ColumnName[]): string {
  return functions.map((fn) => formatFunctionMarkdown(fn, precision, columns)).join('');
}
