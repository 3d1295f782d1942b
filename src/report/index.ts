import { formatJson } from './json';
import { formatMarkdown } from './markdown';
import type { ProfileResults, ReportFormat } from './results';
import { formatText } from './text';
import type { ColumnName } from './columns';

export * from './results';
export { formatText, formatFunctionText, TEXT_HEADER } from './text';
export { formatMarkdown, formatFunctionMarkdown } from './markdown';
export { formatJson } from './json';
export { COLUMNS, parseColumns, type ColumnName } from './columns';

/** The whole report in one format. */
export function formatReport(results: ProfileResults, format: ReportFormat, precision = 1, columns?: readonly ColumnName[]): string {
  switch (format) {
    case 'json':
      return formatJson(results);
    case 'markdown':
      return formatMarkdown(results.functions, precision, columns);
    case 'text':
      return formatText(results.functions, precision, columns);
  }
}
