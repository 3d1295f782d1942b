// Placeholder until the CI helpers land.
export function measureMemory(): never { throw new Error('measureMemory() is not built yet'); }
