import { MAX_INTERVAL_MS, MIN_INTERVAL_MS } from '../sampler';

// Checks shared by the test helpers. A misspelt option (`{ metrc: 'heap' }`) or a value of
// the wrong type must fail the test: silently ignored, it would check something other than
// what the test says (RSS instead of heap, 400 iterations instead of 50, or a peak read
// from the endpoints only when the sampler refuses `includeChildren: 'yes'`).

/** `options` as an object whose keys are all in `names`; TypeError otherwise. */
export function checkOptionNames<T extends object>(options: T | undefined, names: readonly string[], helper: string): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${helper} options must be an object, not ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (!names.includes(key)) {
      throw new TypeError(`unknown ${helper} option "${key}": valid options are ${names.join(', ')}`);
    }
  }
  return options;
}

export function checkFunction(fn: unknown, helper: string): void {
  if (typeof fn !== 'function') throw new TypeError(`${helper} needs a function to run, not ${fn === null ? 'null' : typeof fn}`);
}

export function checkBoolean(value: unknown, name: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new TypeError(`${name} must be true or false, not ${JSON.stringify(value)}`);
  }
}

export function checkIntervalMs(value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_INTERVAL_MS || value > MAX_INTERVAL_MS) {
    throw new RangeError(`intervalMs must be a number of milliseconds from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}, not ${JSON.stringify(value)}`);
  }
}
