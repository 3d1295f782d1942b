import { requireAddon } from '../native';

/**
 * The vector meter: rss, V8's used heap and V8's external memory, read together. "other"
 * (native allocations, code, fragmentation) is rss − heap − external. A read allocates
 * nothing once the caller is optimised: the addon writes rss and external into a typed
 * array, and TurboFan removes the object v8.getHeapStatistics() builds around the one
 * field read here (before that, about 360 bytes of garbage a read).
 */
export interface VectorMeter {
  /** [rss, heap, external] in bytes, as of the latest read. */
  readonly figures: Float64Array;
  /** Reads all three figures. */
  read(): void;
  /** Reads heap and external only (rss comes from elsewhere, e.g. the sampler's latest). */
  readKinds(): void;
}

export const FIGURE_RSS = 0;
export const FIGURE_HEAP = 1;
export const FIGURE_EXTERNAL = 2;

/** The vector meter over the native addon (a UsageError with build instructions without it). */
export function createVectorMeter(): VectorMeter {
  const addon = requireAddon();
  const reader = addon.createVectorReader();
  const native = reader.values;
  const readNative = reader.read;
  const externalMemory = addon.externalMemory;
  const heapStatistics = (require('node:v8') as typeof import('node:v8')).getHeapStatistics;
  const figures = new Float64Array(3);
  return {
    figures,
    read() {
      readNative();
      figures[FIGURE_RSS] = native[0];
      figures[FIGURE_EXTERNAL] = native[1];
      figures[FIGURE_HEAP] = heapStatistics().used_heap_size;
    },
    readKinds() {
      figures[FIGURE_EXTERNAL] = externalMemory();
      figures[FIGURE_HEAP] = heapStatistics().used_heap_size;
    },
  };
}
