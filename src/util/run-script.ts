import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors';

// Running a user's script inside memprof's own process, as `node script.js` would.

/** Whether Node loads the file as an ES module: .mjs/.mts, or .js under "type": "module". */
export function isModule(file: string): boolean {
  if (file.endsWith('.mjs') || file.endsWith('.mts')) return true;
  if (file.endsWith('.cjs') || file.endsWith('.cts')) return false;
  return packageType(file) === 'module';
}

/** The "type" of the package.json nearest to the file ('module', 'commonjs' or undefined). */
export function packageType(file: string): string | undefined {
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

// tsc turns import() into require() for CommonJS output; this keeps a real import().
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

/** --require and --import modules, resolved from the working directory as node does. */
export async function preload(requires: readonly string[], imports: readonly string[]): Promise<void> {
  const fromCwd = Module.createRequire(path.join(process.cwd(), 'noop.js'));
  const resolve = (specifier: string): string | null => {
    try {
      return fromCwd.resolve(specifier);
    } catch {
      return null;
    }
  };
  for (const specifier of requires) {
    const file = resolve(specifier);
    if (!file) throw new UsageError(`cannot find module ${specifier} for -r (is it installed in ${process.cwd()}?)`);
    fromCwd(file);
  }
  for (const specifier of imports) {
    const file = resolve(specifier);
    await importModule(file ? pathToFileURL(file).href : specifier);
  }
}

/** Runs the script as node would: the main CommonJS module, or an ES module import. */
export async function load(file: string, asModule = isModule(file)): Promise<void> {
  if (asModule) {
    await importModule(pathToFileURL(file).href);
    return;
  }
  (Module as unknown as { _load(request: string, parent: null, isMain: boolean): unknown })._load(file, null, true);
}

/**
 * Runs the program's main script; an error it throws while loading is handled as node
 * handles an uncaught one (the program's handler, or printed and exit code 1).
 */
export async function runMain(file: string, asModule = isModule(file)): Promise<void> {
  try {
    await load(file, asModule);
  } catch (err) {
    // Node hands a failed ES module entry to the handlers as a rejection.
    (require('./uncaught') as typeof import('./uncaught')).reportUncaught(err, asModule ? 'unhandledRejection' : 'uncaughtException');
  }
}
