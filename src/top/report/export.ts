import { allocationSites, type AllocationSite } from '../../export/heap-profile';
import { sitesToPprof } from '../../export/pprof';
import { sitesToSpeedscope } from '../../export/speedscope';
import type { TopReport } from '../model';

// A `memprof top` / `attach --top` report for other tools (pprof, speedscope): its raw
// profile's allocation sites. One run keeps collected objects in its profile, so it has
// allocated figures only; --second-pass adds the second run's live objects as "in use".

function topSites(report: TopReport): { sites: AllocationSite[]; inUse: boolean } {
  const interval = { samplingInterval: report.samplingInterval };
  const allocated = allocationSites(report.raw, interval).map((s) => ({ ...s, liveObjects: 0, liveBytes: 0 }));
  if (!report.retainedRaw) return { sites: allocated, inUse: false };
  const live = allocationSites(report.retainedRaw, interval).map((s) => ({ ...s, objects: 0, bytes: 0 }));
  return { sites: [...allocated, ...live], inUse: true };
}

export function formatTopPprof(report: TopReport): Buffer {
  const { sites, inUse } = topSites(report);
  return sitesToPprof(sites, { samplingInterval: report.samplingInterval, timeMs: Date.now() - report.durationMs, inUse });
}

export function formatTopSpeedscope(report: TopReport): string {
  const { sites, inUse } = topSites(report);
  return sitesToSpeedscope(sites, `memprof top ${report.command}`, { inUse });
}
