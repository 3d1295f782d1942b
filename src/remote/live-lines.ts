import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendName } from '../meter';
import type { ProfileResults } from '../report/results';
import { functionKey, instrument, PROBE_GLOBAL, listFunctions, parseSource, type FoundFunction } from '../trace/instrument';
import type { TraceMode } from '../trace/runtime';
import { liveEditRefusal } from '../trace/liveedit-status';
import { mayMatch, selectFunctions, type Selector } from '../trace/selectors';
import { AGENT_GLOBAL, type AgentConfig } from './agent';
import type { CdpClient } from './cdp';
import { closeInspectorLater } from './connect';
import type { InspectorEndpoint } from './inspector-port';
import { AttachedSession } from './session';
import { AttachRefused } from './target-process';

/**
 * Line tables of a running Node process: memprof's probe runtime loaded into it over the
 * inspector, the selected functions rewritten in place by LiveEdit (Debugger.setScriptSource
 * from outside), their figures read back as JSON; detach puts every script back as it was.
 */

const AGENT_FILE = path.join(__dirname, 'agent.js');
const MEMPROF_DIST = path.join(__dirname, '..');
const PROBE_MARK = `Symbol.for(${JSON.stringify(PROBE_GLOBAL)})`;
const AGENT = `globalThis[Symbol.for(${JSON.stringify(AGENT_GLOBAL)})]`;
// V8 cannot replace a function while it runs (on the stack, or an async call suspended
// in it): try again for this long before giving up.
const EDIT_RETRY_MS = 3000;
const RETRY_STEP_MS = 10;

export interface LiveLinesOptions {
  selectors: readonly Selector[];
  mode: TraceMode;
  backend?: BackendName;
  /** One line for the user (stderr). */
  note: (text: string) => void;
}

interface ScriptInfo {
  scriptId: string;
  url: string;
  isModule: boolean;
}

interface EditedScript {
  scriptId: string;
  url: string;
  file: string;
  pristine: string;
  probed: string;
  names: string[];
  /** The texts it went through from pristine to probed, one function at a time (when one edit was refused). */
  steps?: string[];
}

/** The function through which the agent hands over the tables at the program's exit. */
const EXIT_BINDING = '__memprofAttachExit';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How the target loads the agent: the console's require, else Node 20.16+'s getBuiltinModule, else the main module's. */
function loaderExpression(): string {
  const file = JSON.stringify(AGENT_FILE);
  return `(() => {
    const load = typeof require === 'function' ? require
      : process.getBuiltinModule ? process.getBuiltinModule('module').createRequire(${file})
      : process.mainModule ? process.mainModule.require.bind(process.mainModule) : null;
    if (!load) throw new Error('the process offers no require to load memprof with');
    const before = new Set(Object.keys(load.cache));
    load(${file});
    // What memprof added to the module cache, for release() to take out again.
    ${AGENT}.modules = Object.keys(load.cache).filter((id) => !before.has(id));
    return process.versions.node;
  })()`;
}

function fileOfUrl(url: string): string | null {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (path.isAbsolute(url)) return url;
  return null; // node:internal, eval code, wasm
}

export class LiveLines extends AttachedSession {
  private readonly edited: EditedScript[] = [];
  /** The tables the agent sent at the program's exit. */
  exitResults: ProfileResults | null = null;

  private constructor(pid: number, client: CdpClient, endpoint: InspectorEndpoint, private readonly options: LiveLinesOptions) {
    super(pid, client, endpoint);
  }

  /** Opens the inspector, loads the runtime, probes the selected functions. Throws AttachRefused with the reason. */
  static attach(pid: number, options: LiveLinesOptions): Promise<LiveLines> {
    return AttachedSession.open(pid, options.note, (client, endpoint) => new LiveLines(pid, client, endpoint, options));
  }

  /** The names of the functions probed, "file:name". */
  get probed(): string[] {
    return this.edited.flatMap((e) => e.names.map((n) => `${e.file}:${n}`));
  }

  protected async start(): Promise<void> {
    const version = await this.client.evaluate<string>(loaderExpression()).catch((err: Error) => {
      throw new AttachRefused(`cannot load memprof's runtime into pid ${this.pid}: ${err.message}`);
    });
    if (Number(version.split('.')[0]) < 20) throw new AttachRefused(`pid ${this.pid} runs Node ${version}: memprof needs Node 20 or later`);
    const config: AgentConfig = { mode: this.options.mode, backend: this.options.backend };
    const backend = await this.client.evaluate<string>(`${AGENT}.start(${JSON.stringify(config)})`);
    // The tables at the program's exit (a server shutting down while attached) come through a binding.
    this.client.on('Runtime.bindingCalled', (p: { name: string; payload: string }) => {
      if (p.name === EXIT_BINDING) this.exitResults = JSON.parse(p.payload) as ProfileResults;
    });
    await this.client.send('Runtime.addBinding', { name: EXIT_BINDING });
    await this.client.evaluate(`${AGENT}.reportAtExit(${JSON.stringify(EXIT_BINDING)})`);
    if (this.options.backend && backend !== this.options.backend) this.options.note(`pid ${this.pid} measures with the ${backend} backend`);
    const scripts = await this.enableDebugger();
    // LiveEdit leaves earlier versions of a script behind (an earlier attach): the newest of a URL is the live one.
    const newest = new Map<string, ScriptInfo>();
    for (const script of scripts) newest.set(script.url, script);
    for (const script of newest.values()) await this.probeScript(script);
    // An enabled debugger slows the program (V8 keeps debugging support on); detach
    // enables it again to put the sources back.
    await this.client.send('Debugger.disable');
    if (this.edited.length === 0) {
      const wanted = this.options.selectors.map((s) => s.text).join(', ');
      throw new AttachRefused(`no function matching ${wanted} in the scripts pid ${this.pid} has loaded`);
    }
  }

  /** Debugger.enable, which replays every script loaded so far as scriptParsed events before its reply. */
  private async enableDebugger(): Promise<ScriptInfo[]> {
    const scripts: ScriptInfo[] = [];
    const onScript = (p: ScriptInfo) => scripts.push({ scriptId: p.scriptId, url: p.url, isModule: p.isModule === true });
    this.client.on('Debugger.scriptParsed', onScript);
    try {
      await this.client.send('Debugger.enable');
      // A `debugger` statement must not stop the program to wait for memprof.
      await this.client.send('Debugger.setSkipAllPauses', { skip: true });
    } finally {
      this.client.off('Debugger.scriptParsed', onScript);
    }
    return scripts;
  }

  private async probeScript(script: ScriptInfo): Promise<void> {
    const file = fileOfUrl(script.url);
    if (!file || file.startsWith(MEMPROF_DIST + path.sep)) return;
    const { selectors } = this.options;
    // Selectors that name a file rule out other files before their text is fetched.
    if (selectors.every((s) => s.file) && !mayMatch(selectors, file, selectors.map((s) => s.name ?? '').join(' '))) return;
    const { scriptSource: source } = await this.client.send<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId: script.scriptId });
    if (!mayMatch(selectors, file, source)) return;
    if (source.includes(PROBE_MARK)) {
      this.options.note(`${file} in pid ${this.pid} still holds probes of an earlier memprof session that could not remove them: left as it is`);
      return;
    }
    let chosen: FoundFunction[];
    try {
      chosen = selectFunctions(selectors, file, listFunctions(parseSource(source, script.isModule ? true : undefined)));
    } catch {
      return; // V8 ran it, acorn cannot read it: not something memprof can probe
    }
    chosen = chosen.filter((f) => {
      if (!f.node.expression) return true;
      this.options.note(`${f.name} (${file}:${f.line}) is an arrow function with an expression body: LiveEdit cannot probe it in a running process; give it a block body`);
      return false;
    });
    if (chosen.length === 0) return;
    const withProbes = (fns: FoundFunction[]): string => instrument(source, fns.map((f) => ({ node: f.node, key: functionKey(file, f.name, f.line, f.endLine) })));
    let probed = withProbes(chosen);
    let steps: string[] | undefined;
    const refused = await this.setSource(script.scriptId, probed);
    if (refused && chosen.length === 1) {
      this.options.note(`cannot probe ${chosen[0].name} in ${file}: ${refused}`);
      return;
    }
    if (refused) {
      // V8 diffs the texts line by line: probes of functions on neighbouring lines (a
      // one-line function above a handler) make one change across both, which V8 charges
      // to the code around them and refuses in an ES module. One function more at a time,
      // each change stays inside its function.
      const accepted: FoundFunction[] = [];
      steps = [source];
      for (const f of chosen) {
        const next = withProbes([...accepted, f]);
        const why = await this.setSource(script.scriptId, next);
        if (why) this.options.note(`cannot probe ${f.name} in ${file}: ${why}`);
        else {
          accepted.push(f);
          steps.push(next);
          probed = next;
        }
      }
      chosen = accepted;
      if (chosen.length === 0) return;
    }
    const keys = chosen.map((f) => functionKey(file, f.name, f.line, f.endLine));
    this.edited.push({ scriptId: script.scriptId, url: script.url, file, pristine: source, probed, names: chosen.map((f) => f.name), steps });
    await this.client.evaluate(`${AGENT}.adopt(${JSON.stringify(keys)}, ${JSON.stringify(file)}, ${JSON.stringify(source)})`);
  }

  /** Replaces a script's text; null when done, else why not (after retrying while the code runs). */
  private async setSource(scriptId: string, scriptSource: string): Promise<string | null> {
    const deadline = Date.now() + EDIT_RETRY_MS;
    for (;;) {
      let reply: { status?: string; exceptionDetails?: { text: string; lineNumber: number } };
      try {
        reply = await this.client.send('Debugger.setScriptSource', { scriptId, scriptSource });
      } catch (err) {
        if (this.client.isClosed) throw err;
        return (err as Error).message.replace(/^Debugger\.setScriptSource: /, '');
      }
      if (reply.exceptionDetails) return `the probed source does not compile: ${reply.exceptionDetails.text} (line ${reply.exceptionDetails.lineNumber + 1})`;
      const status = reply.status ?? 'Ok';
      if (status === 'Ok') return null;
      const running = status === 'BlockedByActiveFunction' || status === 'BlockedByActiveGenerator';
      if (!running || Date.now() > deadline) return blockedReason(status);
      await sleep(RETRY_STEP_MS);
    }
  }

  /** The tables so far (values in bytes). */
  async results(): Promise<ProfileResults> {
    if (this.lost) throw this.lost;
    return JSON.parse(await this.client.evaluate<string>(`${AGENT}.results()`, true)) as ProfileResults;
  }

  /**
   * Leaves the process as it was: every script's original text back, the runtime dropped,
   * the debugger disabled, the inspector closed if memprof opened it. A script V8 will not
   * restore keeps its probes and the runtime stays to serve them (said on stderr).
   */
  async detach(): Promise<void> {
    if (this.detached) return;
    if (await this.leaveExiting()) return;
    this.detached = true;
    if (this.lost || this.client.isClosed) return;
    let closing = false;
    try {
      await this.client.send('Runtime.removeBinding', { name: EXIT_BINDING }).catch(() => undefined);
      const restoredAll = await this.restoreSources();
      await this.client.send('Debugger.disable').catch(() => undefined);
      const closeInspector = this.endpoint.opened;
      if (restoredAll) {
        await this.client.evaluate(`${AGENT} && ${AGENT}.release(${closeInspector})`);
      } else if (closeInspector) {
        await this.client.evaluate(closeInspectorLater());
      }
      closing = closeInspector;
    } catch (err) {
      this.options.note(`detaching from pid ${this.pid} did not finish: ${(err as Error).message}`);
    } finally {
      await this.disconnect(closing, this.options.note);
    }
  }

  /** Puts back every probed script's text; false when one could not be. */
  private async restoreSources(): Promise<boolean> {
    if (this.edited.length === 0) return true;
    const scripts = await this.enableDebugger();
    let restoredAll = true;
    for (const script of this.edited) {
      // The id memprof edited, else (V8 renumbered it) the script of that URL still holding memprof's text.
      const candidates = [script.scriptId, ...scripts.filter((s) => s.url === script.url).map((s) => s.scriptId).reverse()];
      let refused: string | null = 'its script is gone';
      for (const scriptId of new Set(candidates)) {
        const current = await this.client.send<{ scriptSource: string }>('Debugger.getScriptSource', { scriptId }).catch(() => null);
        if (current?.scriptSource !== script.probed) continue;
        refused = await this.setSource(scriptId, script.pristine);
        // Probed one function at a time: taken out the same way, newest first.
        if (refused && script.steps) {
          refused = null;
          for (const text of script.steps.slice(0, -1).reverse()) if (!refused) refused = await this.setSource(scriptId, text);
        }
        break;
      }
      if (refused) {
        restoredAll = false;
        this.options.note(`could not restore ${script.file} in pid ${this.pid} (${refused}): its probes stay until it restarts, harmless but slower`);
      }
    }
    return restoredAll;
  }
}

function blockedReason(status: string): string {
  if (status === 'BlockedByActiveFunction' || status === 'BlockedByActiveGenerator') {
    return 'it kept running (on the stack, or an async call suspended in it) while memprof retried';
  }
  return liveEditRefusal(status);
}
