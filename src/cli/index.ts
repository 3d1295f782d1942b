import * as fs from 'node:fs';
import type { Command, Option } from 'commander';
import { UsageError } from '../errors';
import { PROFILE_OPTIONS, profileScript, registerProfile } from './profile';
import { readPlainCall } from './root-call';

type Register = (program: Command) => void;

// One line per subcommand: its name and how to load it. A subcommand's module (and what it
// pulls in: node:repl, child_process, the check engine…) loads only when its name is on the
// command line or the help lists every subcommand; `memprof app.js` loads none of them.
const SUBCOMMANDS: Record<string, () => Register> = {
  run: () => (require('./run') as typeof import('./run')).registerRun,
  attach: () => (require('./attach') as typeof import('./attach')).registerAttach,
  plot: () => (require('./plot') as typeof import('./plot')).registerPlot,
  peak: () => (require('./peak') as typeof import('./peak')).registerPeak,
  list: () => (require('./list') as typeof import('./list')).registerList,
  rm: () => (require('./rm') as typeof import('./rm')).registerRm,
  clean: () => (require('./clean') as typeof import('./clean')).registerClean,
  check: () => (require('./check') as typeof import('./check')).registerCheck,
  repl: () => (require('./repl') as typeof import('./repl')).registerRepl,
  top: () => (require('./top') as typeof import('./top')).registerTop,
  leaks: () => (require('./leaks') as typeof import('./leaks')).registerLeaks,
};

// Commands whose stdout is memprof's own report (the line profiler's is the program's).
const REPORTS = new Set(['list', 'peak', 'plot', 'rm', 'clean', 'check']);

/** Loaded when a command line needs it (not for a plain `memprof app.js`: root-call.ts). */
let commander: typeof import('commander') | null = null;

/**
 * The commander program: `memprof <script>` profiles lines; subcommands do the rest.
 * With `argv`, only the subcommand it names is loaded (all of them without `argv`).
 */
export function buildProgram(argv?: string[]): Command {
  commander = require('commander') as typeof import('commander');
  const { quietOnClosedStdout } = require('../util/closed-stdout') as typeof import('../util/closed-stdout');
  const { EXAMPLES } = require('./examples') as typeof import('./examples');
  const program = new commander.Command('memprof')
    .version((require('../version') as typeof import('../version')).VERSION, '-v, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      outputError: (text, write) =>
        write(`memprof: ${text.replace(/^error: /, '').trimEnd()} (see memprof --help)\n`),
    });
  registerProfile(program);
  const operand = argv ? firstOperand(argv, program.options as readonly Option[]) : undefined;
  const wantsAll = !argv || operand === undefined || operand === 'help' || argv.includes('--help') || argv.includes('-h');
  for (const [name, load] of Object.entries(SUBCOMMANDS)) {
    if (wantsAll || name === operand) load()(program);
  }
  // Help and the version are memprof's own output (no program runs): `memprof --help | head`
  // must not end in an EPIPE stack trace.
  const asksHelp = argv !== undefined && (argv.includes('--help') || argv.includes('-h'));
  if (argv !== undefined && (operand === undefined || operand === 'help' || (asksHelp && operand in SUBCOMMANDS))) quietOnClosedStdout();
  for (const command of program.commands) {
    command.exitOverride();
    if (EXAMPLES[command.name()]) command.addHelpText('after', EXAMPLES[command.name()]);
  }
  program.hook('preAction', (_program, action) => {
    if (REPORTS.has(action.name())) quietOnClosedStdout();
  });
  return program;
}

/** The first word that is not an option or an option's value: the script or subcommand. */
function firstOperand(argv: string[], options: readonly Option[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return argv[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    const option = options.find((o) => o.short === arg || o.long === arg);
    if (option && option.required) i++;  // its value is the next word
  }
  return undefined;
}

/** Edit distance counting a swap of neighbours as one edit, for "did you mean plot?". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** A word that is no file but nearly a subcommand's name was meant as the subcommand. */
function checkMisspeltSubcommand(operand: string | undefined): void {
  const names = [...Object.keys(SUBCOMMANDS), 'help'];
  if (!operand || !/^[a-z][a-z-]*$/.test(operand) || names.includes(operand) || fs.existsSync(operand)) return;
  const best = names.map((name) => ({ name, d: distance(operand, name) })).sort((x, y) => x.d - y.d)[0];
  if (best.d <= Math.max(1, Math.floor(best.name.length / 3)) || best.name.startsWith(operand)) {
    throw new UsageError(`no script or subcommand named ${operand}; did you mean ${best.name}? (see memprof --help)`);
  }
}

/** Runs the CLI; usage errors print one line and exit 2, never a stack trace. */
export async function main(argv: string[]): Promise<void> {
  // -V printed the version before -v did; both still do.
  const args = argv.map((arg, i) => (arg === '-V' && !argv.slice(0, i).some((a) => !a.startsWith('-')) ? '-v' : arg));
  try {
    // `memprof app.js`, the common call, runs without loading commander (root-call.ts).
    const plain = readPlainCall(args, PROFILE_OPTIONS, (word) => Object.hasOwn(SUBCOMMANDS, word) || word === 'help');
    if (plain) {
      checkMisspeltSubcommand(plain.script);
      await profileScript(plain.script, plain.args, plain.options as unknown as Parameters<typeof profileScript>[2]);
      return;
    }
    // Without the addon, the CLI says so in one stderr line (a plain call: as the profiler loads).
    (require('../meter') as typeof import('../meter')).reportFallbackOnStderr();
    const program = buildProgram(args);
    checkMisspeltSubcommand(firstOperand(args, program.options as readonly Option[]));
    await program.parseAsync(args, { from: 'user' });
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  // Without commander loaded, the error is memprof's (a plain call).
  if (commander && err instanceof commander.CommanderError) {
    // commander has printed the message (or the help/version text) already.
    return err.exitCode === 0 ? 0 : 2;
  }
  if (err instanceof UsageError) {
    process.stderr.write(`memprof: ${err.message}\n`);
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`memprof: ${message}\n`);
  if (process.env.MEMPROF_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
  return 1;
}
