import type { ProfileResults } from './results';

/** The results as JSON, values in bytes (never-executed lines: occurrences 0, figures null). */
export function formatJson(results: ProfileResults): string {
  return `${JSON.stringify(results, null, 2)}\n`;
}
