import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripTypes, TYPESCRIPT_EXTENSIONS } from './typescript';

// module.register hooks (Node's loader thread): ES modules written in TypeScript (.mts, or
// .ts in a "type": "module" package) are stripped of their types before Node sees them.
// .ts and .cts files that are CommonJS go through require (typescript.ts).

interface LoadResult {
  format?: string;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
}

function packageType(file: string): string | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        return JSON.parse(fs.readFileSync(pkg, 'utf8')).type;
      } catch {
        return undefined;
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

export async function load(url: string, context: object, nextLoad: (url: string, context: object) => Promise<LoadResult>): Promise<LoadResult> {
  if (!url.startsWith('file:')) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const extension = path.extname(file);
  if (!TYPESCRIPT_EXTENSIONS.includes(extension)) return nextLoad(url, context);
  const isModule = extension === '.mts' || (extension === '.ts' && packageType(file) === 'module');
  // CommonJS: Node's loader hands it to require, whose .ts handler strips it.
  if (!isModule) return { format: 'commonjs', shortCircuit: true };
  return { format: 'module', source: stripTypes(fs.readFileSync(file, 'utf8'), file), shortCircuit: true };
}
