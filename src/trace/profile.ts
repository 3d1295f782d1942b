// Placeholder until the line profiler lands.
export interface LineResult { line: number; source: string; occurrences: number; mem: number; increment: number; peak: number }
export interface FunctionResult { name: string; file: string; line: number; calls: number; lines: LineResult[] }
export interface ProfileResults { tool: 'memprof'; version: string; backend: string; unit: 'bytes'; functions: FunctionResult[] }
export interface ProfileOptions { precision?: number; stream?: NodeJS.WritableStream; backend?: string; report?: 'call' | 'exit' | 'none' }
export function profile<F extends (...args: never[]) => unknown>(fn: F, _options?: ProfileOptions): F {
  throw new Error('profile() is not built yet');
}
export function getResults(): ProfileResults {
  throw new Error('getResults() is not built yet');
}
