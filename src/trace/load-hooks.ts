import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { rememberProbedScript, setRedo } from './original-text';
import { rememberSource } from './profile';
import { instrumentSelected, type Selector } from './selectors';

/**
 * Instruments functions picked by `--function` selectors as their modules load, so no code
 * changes: CommonJS through Module.prototype._compile, ES modules through module.register
 * load hooks (esm-loader.js, run by Node in its loader thread).
 */
export function installLoadHooks(selectors: readonly Selector[]): void {
  const proto = Module.prototype as unknown as { _compile(content: string, filename: string): unknown };
  const compile = proto._compile;
  proto._compile = function (this: unknown, content: string, filename: string): unknown {
    const probed = instrumentSelected(selectors, filename, content, false);
    if (probed === null) return compile.call(this, content, filename);
    rememberSource(filename, content);
    rememberProbedScript(probed.code, content, probed.inserted);
    return compile.call(this, probed.code, filename);
  };
  // ES modules are instrumented in the loader thread: toString() redoes one here when asked.
  setRedo((file) => {
    let content: string;
    try {
      content = fs.readFileSync(file, 'utf8');
    } catch {
      return;
    }
    const probed = instrumentSelected(selectors, file, content, true, true);
    if (probed !== null) rememberProbedScript(probed.code, content, probed.inserted);
  });
  const register = (Module as unknown as { register?: (specifier: string, parent: string, options: object) => void }).register;
  if (register) {
    register(pathToFileURL(path.join(__dirname, 'esm-loader.js')).href, pathToFileURL(__filename).href, {
      data: { selectors },
    });
  }
}
