import * as fs from 'node:fs';
import Module, { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as vm from 'node:vm';
import { UsageError } from '../errors';
import { packageType } from '../util/run-script';

// `memprof app.ts`: TypeScript runs after its types are stripped, by Node's own stripper
// (module.stripTypeScriptTypes, Node 22.13+) or by amaro (the package Node uses for it).
// Stripping replaces types with blanks, so every line and column stays where it was; an
// identity source map carrying the original text makes the rows show the .ts lines as
// written (src/trace/source-map.ts reads it).

export const TYPESCRIPT_EXTENSIONS = ['.ts', '.cts', '.mts'];

type Strip = (source: string) => string;
let strip: Strip | undefined;

function stripper(): Strip {
  if (strip) return strip;
  const own = (Module as unknown as { stripTypeScriptTypes?: (code: string, options?: object) => string }).stripTypeScriptTypes;
  if (typeof own === 'function') return (strip = (source) => own(source, { mode: 'strip' }));
  // amaro next to memprof, or in the profiled project.
  for (const from of [__filename, path.join(process.cwd(), 'package.json')]) {
    try {
      const amaro = createRequire(from)('amaro') as { transformSync(code: string, options: object): { code: string } };
      return (strip = (source) => amaro.transformSync(source, { mode: 'strip-only' }).code);
    } catch {
      // try the next place
    }
  }
  throw new UsageError(
    `running TypeScript needs Node.js 22.13 or later (it strips types itself; this is ${process.version}) or the amaro package: npm install --save-dev amaro`,
  );
}

/** JavaScript for a TypeScript file: its types blanked out, with a map back to the .ts text. */
export function stripTypes(source: string, file: string): string {
  let code: string;
  try {
    code = stripper()(source);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // amaro throws plain objects ({ code: 'UnsupportedSyntax', message, snippet }).
    const e = err as { message?: string; code?: string };
    throw new SyntaxError(`${file}: ${e.message ?? String(err)}${e.code === 'UnsupportedSyntax' ? ' (only erasable TypeScript runs without a compile step: no enum, namespace or parameter properties)' : ''}`);
  }
  const lines = code.split('\n').length;
  const map = {
    version: 3,
    sources: [pathToFileURL(file).href],
    sourcesContent: [source],
    names: [],
    mappings: ['AAAA', ...Array<string>(lines - 1).fill('AACA')].join(';'),
  };
  return `${code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
}

// What V8 says of ES module syntax compiled as CommonJS: Node's own list for its detection.
const MODULE_SYNTAX = /^(?:Cannot use import statement outside a module|Unexpected token 'export'|Cannot use 'import\.meta' outside a module|await is only valid in async functions and the top level bodies of modules)/;

/**
 * Whether a TypeScript file is an ES module, by Node's rules for .ts (as for .js): .mts yes,
 * .cts no, .ts by its package's "type", and with no "type", by its syntax (import/export,
 * import.meta or top-level await make it a module, as Node 22 decides when it strips types).
 */
export function isTypeScriptModule(file: string, stripped = (): string => stripTypes(fs.readFileSync(file, 'utf8'), file)): boolean {
  if (file.endsWith('.mts')) return true;
  if (!file.endsWith('.ts')) return false;
  const type = packageType(file);
  if (type !== undefined) return type === 'module';
  try {
    vm.compileFunction(stripped(), ['exports', 'require', 'module', '__filename', '__dirname'], { filename: file });
    return false;
  } catch (err) {
    return err instanceof SyntaxError && MODULE_SYNTAX.test(err.message);
  }
}

let registered = false;

/** Makes require() and import of .ts, .cts and .mts files strip their types first. */
export function registerTypeScript(): void {
  if (registered) return;
  registered = true;
  stripper();  // says now, before the program starts, if nothing can strip types
  const extensions = (Module as unknown as { _extensions: Record<string, (module: NodeJS.Module, file: string) => void> })._extensions;
  for (const extension of ['.ts', '.cts']) {
    extensions[extension] = (module, file) => {
      const compile = (module as unknown as { _compile(code: string, file: string): void })._compile;
      compile.call(module, stripTypes(fs.readFileSync(file, 'utf8'), file), file);
    };
  }
  const register = (Module as unknown as { register?: (specifier: string, parent: string) => void }).register;
  register?.(pathToFileURL(path.join(__dirname, 'typescript-loader.js')).href, pathToFileURL(__filename).href);
}
