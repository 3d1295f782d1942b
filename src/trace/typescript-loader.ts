import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isTypeScriptModule, stripTypes, TYPESCRIPT_EXTENSIONS } from './typescript';

// module.register hooks (Node's loader thread): ES modules written in TypeScript (.mts, .ts
// in a "type": "module" package, or a .ts of no type with ES module syntax) are stripped of
// their types before Node sees them.
// .ts and .cts files that are CommonJS go through require (typescript.ts).

interface LoadResult {
  format?: string;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}

export async function load(url: string, context: object, nextLoad: (url: string, context: object) => Promise<LoadResult>): Promise<LoadResult> {
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const extension = path.extname(file);
  if (!TYPESCRIPT_EXTENSIONS.includes(extension)) return nextLoad(url, context);
  let code: string | undefined;
  const stripped = (): string => (code ??= stripTypes(fs.readFileSync(file, 'utf8'), file));
  // CommonJS: Node's loader hands it to require, whose .ts handler strips it.
  if (!isTypeScriptModule(file, stripped)) return { format: 'commonjs', shortCircuit: true };
  return { format: 'module', source: stripped(), shortCircuit: true };
}
