import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as util from 'node:util';
import { UsageError } from '../errors';

// Running a user's script inside memprof's own process, as `node script.js` would.

/** An uncaught error as node prints it, without memprof's own frames. */
export function scriptStack(err: unknown): string {
  if (!(err instanceof Error) || !err.stack) return `Uncaught ${util.inspect(err)}`;
  const ours = path.join(__dirname, '..');
  const lines = err.stack.split('\n');
  const cut = lines.findIndex((l) => /^\s+at /.test(l) && (l.includes(ours) || l.includes('node_modules/commander')));
  return (cut < 0 ? lines : lines.slice(0, cut).filter((l) => !/\(node:internal\/modules\//.test(l))).join('\n');
}

/**
 * What node does with an error thrown while the main script loads: the program's own
 * 'uncaughtException' handlers get it (and the program goes on, as under node); without
 * one, it is printed without memprof's frames and the exit code is 1.
 */
export function reportUncaught(err: unknown): void {
  const emit = process.emit.bind(process) as (event: string, ...args: unknown[]) => boolean;
  emit('uncaughtExceptionMonitor', err, 'uncaughtException');
  if (process.listenerCount('uncaughtException') > 0) {
    emit('uncaughtException', err, 'uncaughtException');
    return;
  }
  process.stderr.write(`${scriptStack(err)}\n`);
  process.exitCode = 1;
}

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

