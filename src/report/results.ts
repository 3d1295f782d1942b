import type { BackendName } from '../meter';
/** The plain result objects every report format reads (values in bytes). */

export interface LineResult {
  line: number;
  source: string;
  /** 0 for a line never executed; then mem, increment and peak are null. */
  occurrences: number;
  /** Value right after the line ran, highest over its executions. */
  mem: number | null;
  /** Sum over executions of (after - before) within the same invocation. */
  increment: number | null;
  /** Highest value while the line ran. */
  peak: number | null;
  /** With the split (the native backend): V8 heap and external increments, summed like
   * `increment`; the rest of `increment` is other (native, code, fragmentation). Absent
   * without the split; null for a line never executed. */
  heapIncrement?: number | null;
  externalIncrement?: number | null;
}

export interface FunctionResult {
  name: string;
  /** The file the rows refer to (the original .ts file when a source map says so). */
  file: string;
  /** Line of the function's header row. */
  line: number;
  calls: number;
  lines: LineResult[];
}

export interface ProfileResults {
  tool: 'memprof';
  version: string;
  /** 'none' before anything was profiled. */
  backend: BackendName | 'none';
  unit: 'bytes';
  functions: FunctionResult[];
}

export type ReportFormat = 'text' | 'json' | 'markdown';

export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'markdown'];
