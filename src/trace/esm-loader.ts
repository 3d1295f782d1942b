import { fileURLToPath } from 'node:url';
import { instrumentSelected, type Selector } from './selectors';

// module.register hooks (Node's loader thread): instrument selected functions of ES modules.
// CommonJS files reach Module.prototype._compile, which load-hooks.ts handles.

let selectors: Selector[] = [];

export async function initialize(data: { selectors: Selector[] }): Promise<void> {
  selectors = data?.selectors ?? [];
}

interface LoadResult {
  format?: string;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}

export async function load(url: string, context: object, nextLoad: (url: string, context: object) => Promise<LoadResult>): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  if (result.format !== 'module' || !url.startsWith('file:') || result.source == null) return result;
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
  const probed = instrumentSelected(selectors, fileURLToPath(url), source, true);
  return probed === null ? result : { ...result, source: probed.code };
}
