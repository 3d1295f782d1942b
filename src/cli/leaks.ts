import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors';
import { growingSites } from '../heap/growth';
import { formatLeaks, LEAKS_FORMATS, type LeaksFormat } from '../report/leaks';
import { writeFileAtomic, writeFailure } from '../util/write-file';
import { writeAllSync } from '../report/write-sync';
import { secondsOption } from './options';

interface LeaksFlags {
  interval?: number;
  signal?: boolean;
  format: LeaksFormat;
  output?: string;
}

export function registerLeaks(program: Command): void {
  program
    .command('leaks')
    .description('run a Node.js script, snapshot its heap repeatedly and report allocation sites whose live objects keep growing')
    .option('--interval <seconds>', 'take a snapshot every this many seconds', secondsOption)
    .option('--no-signal', 'do not take a snapshot on SIGUSR2')
    .addOption(new Option('--format <format>', 'report format').choices(LEAKS_FORMATS as unknown as string[]).default('text'))
    .option('-o, --output <file>', 'write the report to this file (- is stdout)')
    .argument('<script>', 'the Node.js script to run')
    .argument('[args...]', 'its arguments')
    .passThroughOptions()
    .action(async (script: string, args: string[], flags: LeaksFlags) => {
      if (!fs.existsSync(script)) throw new UsageError(`cannot find script ${script}`, 1);
      // As for `memprof <script>`: the program's own stdout would corrupt a JSON document after it.
      if (flags.format === 'json' && !flags.output) {
        throw new UsageError("--format json needs -o <file>: the program's own output also goes to stdout and would corrupt the document (-o - prints it there anyway)");
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-leaks-'));
      try {
        const code = await runWithSnapshots(dir, script, args, flags);
        const files = fs.readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot')).sort().map((f) => path.join(dir, f));
        const report = formatLeaks({ command: [script, ...args].join(' '), snapshots: files.length, sites: await growingSites(files) }, flags.format);
        if (flags.output && flags.output !== '-') {
          try {
            writeFileAtomic(flags.output, report);
          } catch (err) {
            throw new UsageError(`cannot write ${flags.output}: ${writeFailure(err)}`, 1);
          }
        } else {
          writeAllSync(1, report);
        }
        process.exitCode = code;
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
}

/** Runs the script with the snapshot preload; resolves with its exit status. */
function runWithSnapshots(dir: string, script: string, args: string[], flags: LeaksFlags): Promise<number> {
  const preload = path.join(__dirname, '..', 'heap', 'leaks-preload.js');
  const child = spawn(process.execPath, ['--track-heap-objects', '--require', preload, script, ...args], {
    stdio: 'inherit',
    env: {
      ...process.env,
      MEMPROF_LEAKS_DIR: dir,
      MEMPROF_LEAKS_INTERVAL_MS: flags.interval ? String(Math.round(flags.interval * 1000)) : '',
      MEMPROF_LEAKS_SIGNAL: flags.signal === false ? '' : '1',
    },
  });
  // Ctrl+C reaches the child through the terminal; memprof waits and reports.
  const ignore = (): void => undefined;
  process.on('SIGINT', ignore);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      process.off('SIGINT', ignore);
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
    });
  });
}
