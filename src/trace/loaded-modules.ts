import * as inspector from 'node:inspector';
import { fileURLToPath } from 'node:url';

/**
 * The ES module files this thread has compiled, as V8's debugger lists them: enabling it
 * replays every script V8 holds. A few tens of ms, so only asked when it matters (a
 * selector that found nothing); the debugger is off again before this returns.
 */
export function loadedEsModuleFiles(): string[] {
  const files: string[] = [];
  const session = new inspector.Session();
  try {
    session.connect();
    session.on('Debugger.scriptParsed', (m: { params: { url: string; isModule?: boolean } }) => {
      if (m.params.isModule && m.params.url.startsWith('file:')) files.push(fileURLToPath(m.params.url));
    });
    session.post('Debugger.enable', () => undefined);
    session.post('Debugger.disable', () => undefined);
  } catch {
    // No inspector in this build of Node: nothing to tell.
  } finally {
    session.disconnect();
  }
  return files;
}
