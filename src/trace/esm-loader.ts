import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';
import { instrumentSelected, setMatchListener, type Selector } from './selectors';

// module.register hooks (Node's loader thread): instrument selected functions of ES modules.
// CommonJS files reach Module.prototype._compile, which load-hooks.ts handles.

let selectors: Selector[] = [];

let port: MessagePort | null = null;

/** `port` tells the main thread which selectors matched and which files were loaded. */
export async function initialize(data: { selectors: Selector[]; port?: MessagePort }): Promise<void> {
  selectors = data?.selectors ?? [];
  port = data?.port ?? null;
  setMatchListener((text, kind) => port?.postMessage(kind === 'picked' ? { matched: text } : { seenFile: text }));
}

interface LoadResult {
  format?: string;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}

export async function load(url: string, context: object, nextLoad: (url: string, context: object) => Promise<LoadResult>): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  if (result.format !== 'module' || !url.startsWith('file:') || result.source == null) return result;
  const file = fileURLToPath(url);
  port?.postMessage({ loaded: 1, file });
  const source = typeof result.source === 'string' ? result.source : Buffer.from(result.source as Uint8Array).toString('utf8');
  const probed = instrumentSelected(selectors, file, source, true);
  return probed === null ? result : { ...result, source: probed.code };
}
