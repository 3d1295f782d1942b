import * as zlib from 'node:zlib';
import { Function as PprofFunction, Line, Location, Profile, Sample, StringTable, ValueType } from 'pprof-format';
import { allocationSites, frameFile, frameLine, frameName, type AllocationSite, type CallFrame, type SamplingHeapProfile, type SiteOptions } from './heap-profile';

/**
 * A sampling heap profile as pprof's profile.proto, gzipped (what `go tool pprof` and
 * Pyroscope read): sample types alloc_objects/alloc_space/inuse_objects/inuse_space, one
 * location per frame with its function's line.
 */
export function heapProfileToPprof(profile: SamplingHeapProfile, options: SiteOptions & { timeMs?: number } = {}): Buffer {
  return sitesToPprof(allocationSites(profile, options), { samplingInterval: options.samplingInterval, timeMs: options.timeMs, inUse: true });
}

export interface SitesExportOptions {
  /** The interval the sites were sampled at (pprof's period); default V8's 32 KiB. */
  samplingInterval?: number;
  timeMs?: number;
  /**
   * Whether the sites' live figures were measured. Without, only the alloc_* types are
   * written: a profile that kept collected objects cannot tell which are still in use.
   */
  inUse: boolean;
}

/** Allocation sites as gzipped profile.proto (alloc_*, and inuse_* when measured). */
export function sitesToPprof(sites: readonly AllocationSite[], options: SitesExportOptions): Buffer {
  const strings = new StringTable();
  const type = (t: string, unit: string) => new ValueType({ type: strings.dedup(t), unit: strings.dedup(unit) });
  const sampleType = [type('alloc_objects', 'count'), type('alloc_space', 'bytes')];
  if (options.inUse) sampleType.push(type('inuse_objects', 'count'), type('inuse_space', 'bytes'));
  const functions = new Map<string, PprofFunction>();
  const locations = new Map<string, Location>();
  const locationOf = (frame: CallFrame): number => {
    const file = frameFile(frame);
    const name = frameName(frame);
    const line = frameLine(frame);
    const fnKey = `${file}\t${name}\t${line}`;
    let fn = functions.get(fnKey);
    if (!fn) {
      fn = new PprofFunction({ id: functions.size + 1, name: strings.dedup(name), systemName: strings.dedup(name), filename: strings.dedup(file), startLine: line });
      functions.set(fnKey, fn);
    }
    const locKey = `${fnKey}\t${frame.columnNumber}`;
    let loc = locations.get(locKey);
    if (!loc) {
      loc = new Location({ id: locations.size + 1, line: [new Line({ functionId: fn.id, line })] });
      locations.set(locKey, loc);
    }
    return loc.id as number;
  };
  const samples: Sample[] = [];
  for (const site of sites) {
    // pprof lists a sample's locations leaf first.
    const locationId = site.stack.map(locationOf).reverse();
    const value = (options.inUse ? [site.objects, site.bytes, site.liveObjects, site.liveBytes] : [site.objects, site.bytes]).map(Math.round);
    if (value.every((v) => v === 0)) continue;
    samples.push(new Sample({ locationId, value }));
  }
  const pprof = new Profile({
    sampleType,
    sample: samples,
    location: [...locations.values()],
    function: [...functions.values()],
    stringTable: strings,
    timeNanos: BigInt(Math.round(options.timeMs ?? Date.now())) * 1_000_000n,
    periodType: type('space', 'bytes'),
    period: options.samplingInterval ?? 32768,
    defaultSampleType: strings.dedup(options.inUse ? 'inuse_space' : 'alloc_space'),
  });
  return zlib.gzipSync(pprof.encode());
}
