// Placeholder until the native core lands.
export function rss(_pid?: number): number { throw new Error('rss() is not built yet'); }
export function descendants(_pid?: number): { pid: number; rss: number }[] { throw new Error('not built yet'); }
export function kernelPeak(): { reset(): boolean; read(): number } { throw new Error('not built yet'); }
