// What `memprof run --guard` hands to the program it runs (through one environment variable
// the preload reads and removes, so the program's own children do not start guards).

export const GUARD_ENV = 'MEMPROF_GUARD';

/** Bytes between two samples of V8's sampling heap profiler while the guard runs. */
export const SAMPLING_INTERVAL = 16384;

export interface GuardConfig {
  /** RSS (the program and its children) at which the report is written, bytes. */
  limit: number;
  /** Where the limit comes from, for the report. */
  source: string;
  /** Path prefix of the report files: <prefix>.txt, .heapprofile, .pb.gz, .heapsnapshot. */
  prefix: string;
  /** The recording being written (the timeline so far). */
  timeline: string;
  /** The hard limit (cgroup) the kernel enforces, bytes; 0 when the limit was a size given. */
  ceiling: number;
  /** The program's pid and command line (set in the program, for the report). */
  pid?: number;
  argv?: string[];
  /** Also write a heap snapshot when disk and memory have room for it. */
  snapshot: boolean;
}

/** The report files of a guard prefix. */
export function guardFiles(prefix: string): { text: string; heapProfile: string; pprof: string; snapshot: string } {
  return { text: `${prefix}.txt`, heapProfile: `${prefix}.heapprofile`, pprof: `${prefix}.pb.gz`, snapshot: `${prefix}.heapsnapshot` };
}
