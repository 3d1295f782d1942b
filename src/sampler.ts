import { requireAddon, SHARED_COUNT, SHARED_LATEST, SHARED_PEAK, type NativeSampler, type Sample, type SamplerOptions } from './native';

export { SHARED_COUNT, SHARED_LATEST, SHARED_PEAK };

const OPTION_NAMES = ['pid', 'intervalMs', 'includeChildren', 'keepSamples', 'maxSamples', 'datFd', 'datChildrenInMem', 'datChildLines'];
/** The sampling interval's bounds in milliseconds (the addon enforces the same). */
export const MIN_INTERVAL_MS = 0.1;
export const MAX_INTERVAL_MS = 86_400_000;
export const DEFAULT_MAX_SAMPLES = 2 ** 20;
const MAX_MAX_SAMPLES = 2 ** 30;

function checkOptions(options: SamplerOptions | undefined): SamplerOptions {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError('Sampler options must be an object');
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) {
      throw new TypeError(`unknown Sampler option "${key}": valid options are ${OPTION_NAMES.join(', ')}`);
    }
  }
  const { pid, intervalMs, includeChildren, keepSamples, maxSamples, datFd, datChildrenInMem, datChildLines } = options;
  if (datFd !== undefined && !(Number.isInteger(datFd) && datFd >= 0 && datFd <= 0x7fffffff)) {
    throw new TypeError(`datFd must be a file descriptor (a whole number), got ${String(datFd)}`);
  }
  if (pid !== undefined && !(Number.isInteger(pid) && pid > 0 && pid <= 0x7fffffff)) {
    throw new TypeError(`pid must be a positive integer (a process id), got ${String(pid)}`);
  }
  if (intervalMs !== undefined) {
    if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs)) {
      throw new TypeError(`intervalMs must be a finite number of milliseconds, got ${String(intervalMs)}`);
    }
    if (intervalMs < MIN_INTERVAL_MS) throw new RangeError(`intervalMs must be at least ${MIN_INTERVAL_MS}, got ${intervalMs}`);
    if (intervalMs > MAX_INTERVAL_MS) throw new RangeError(`intervalMs must be at most ${MAX_INTERVAL_MS}, got ${intervalMs}`);
  }
  if (maxSamples !== undefined) {
    if (typeof maxSamples !== 'number' || !Number.isInteger(maxSamples)) {
      throw new TypeError(`maxSamples must be an integer, got ${String(maxSamples)}`);
    }
    if (maxSamples < 1 || maxSamples > MAX_MAX_SAMPLES) {
      throw new RangeError(`maxSamples must be from 1 to ${MAX_MAX_SAMPLES}, got ${maxSamples}`);
    }
  }
  for (const [name, value] of [['includeChildren', includeChildren], ['keepSamples', keepSamples], ['datChildrenInMem', datChildrenInMem], ['datChildLines', datChildLines]] as const) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw new TypeError(`${name} must be a boolean, got ${String(value)}`);
    }
  }
  return options;
}

/**
 * A native thread that samples the RSS of a process (default this one) every `intervalMs`.
 * `peak` and `latest` are also readable without a call through `shared`
 * ([latest, peak, count] at SHARED_LATEST, SHARED_PEAK, SHARED_COUNT).
 * A sampled pid that exits ends the sampling: `running` turns false, samples stay readable.
 * Needs the native addon: without it the constructor throws a UsageError saying how to build.
 */
export class Sampler implements NativeSampler {
  readonly #native: NativeSampler;
  /** Live view of [latest, peak, sample count] in native memory. */
  readonly shared: Float64Array;

  constructor(options?: SamplerOptions) {
    const checked = checkOptions(options);
    const addon = requireAddon();
    this.#native = new addon.Sampler(checked);
    this.shared = this.#native.shared;
  }

  /** Starts the thread (a no-op while running); takes one reading before returning. */
  start(): this {
    this.#native.start();
    return this;
  }

  /** Stops and joins the thread; idempotent. */
  stop(): this {
    this.#native.stop();
    return this;
  }

  /** Sets the running peak to the current value. */
  resetPeak(): void {
    this.#native.resetPeak();
  }

  /** Removes and returns the samples buffered since the previous call. */
  samples(): Sample[] {
    return this.#native.samples();
  }

  /** Highest value (bytes) since start() or resetPeak(); with includeChildren, the total. */
  get peak(): number {
    return this.shared[SHARED_PEAK];
  }

  /** Most recent value (bytes); with includeChildren, the total. */
  get latest(): number {
    return this.shared[SHARED_LATEST];
  }

  /** Samples taken since start(). */
  get count(): number {
    return this.shared[SHARED_COUNT];
  }

  get running(): boolean {
    return this.#native.running;
  }

  /** The errno of the failed write to `datFd` (0: none). */
  get writeError(): number {
    return this.#native.writeError;
  }

  /** Samples dropped since start() because `maxSamples` were waiting to be drained; the oldest go first. */
  get dropped(): number {
    return this.#native.dropped;
  }
}
