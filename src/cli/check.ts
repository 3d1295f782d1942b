import * as fs from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors';
import { addonMissingMessage, tryAddon } from '../native';
import { checkBaselineWritable, readBaseline, writeBaseline, type Baseline } from '../check/baseline';
import { readBudgetFile, DEFAULT_BUDGET_FILE, type Budget } from '../check/budget-file';
import { CHECK_FORMATS, formatCheck, formatMarkdown, githubAnnotations, type CheckFormat, type CheckSummary } from '../check/report';
import { judge, type CheckedBudget, type Metric } from '../check/verdict';
import { median } from '../util/statistics';
import { commandText, runCommand, type CommandMeasurement } from '../check/run-command';
import { FORWARDED } from '../util/forward-signals';
import { DEFAULT_TOLERANCE, parseTolerance, type Tolerance } from '../check/tolerance';
import { appendWhole, writeFailure } from '../util/write-file';
import { positiveIntOption, secondsOption, sizeOption, toleranceOption } from './options';
import { exitStatus } from '../util/exit-status';

interface CheckFlags {
  config?: string;
  maxPeak?: number;
  metric: 'rss' | 'heap' | 'external';
  baseline?: string;
  updateBaseline?: boolean;
  tolerance?: Tolerance;
  budget?: string[];
  repeat: number;
  interval: number;
  timeout?: number;
  format: CheckFormat;
}

/** What one check runs: a budget from the file, or the one-off command. */
interface CheckItem {
  name: string;
  command: string[] | string;
  limits: Partial<Record<Metric, number>>;
  tolerance?: Tolerance;
  /** Seconds. */
  timeout?: number;
  cwd?: string;
  env?: Record<string, string>;
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The figures of repeated runs: the median of each, and the first failure's exit status. */
function combine(runs: CommandMeasurement[]): CommandMeasurement {
  const figure = (key: Metric): number | null => {
    const values = runs.map((r) => r[key]).filter((v): v is number => v !== null);
    return values.length ? median(values) : null;
  };
  const failedRun = runs.find((r) => r.exitCode !== 0 || r.timedOut) ?? runs[0];
  return {
    peakRss: figure('peakRss'),
    peakHeap: figure('peakHeap'),
    peakExternal: figure('peakExternal'),
    nodeProcesses: Math.max(...runs.map((r) => r.nodeProcesses)),
    exitCode: failedRun.exitCode,
    signal: failedRun.signal,
    timedOut: failedRun.timedOut,
    interruptedBy: runs.find((r) => r.interruptedBy)?.interruptedBy,
    durationMs: median(runs.map((r) => r.durationMs)),
    samplerMissed: runs.find((r) => r.samplerMissed)?.samplerMissed,
  };
}

function itemsFromFile(file: string, flags: CheckFlags): CheckItem[] {
  let budgets: Budget[] = readBudgetFile(file);
  if (flags.budget) {
    const names = new Set(budgets.map((b) => b.name));
    const unknown = flags.budget.filter((n) => !names.has(n));
    if (unknown.length) {
      throw new UsageError(`${file} has no budget ${unknown.map((n) => JSON.stringify(n)).join(', ')} (it has ${[...names].join(', ')})`);
    }
    budgets = budgets.filter((b) => flags.budget?.includes(b.name));
  }
  return budgets.map((b) => {
    if (b.maxPeak === undefined && b.maxHeap === undefined && b.maxExternal === undefined && !flags.baseline) {
      throw new UsageError(`${file}: budgets.${b.name}: no maxPeak, maxHeap or maxExternal here or in defaults (or compare with --baseline <file>)`);
    }
    const limits: Partial<Record<Metric, number>> = {};
    if (b.maxPeak !== undefined) limits.peakRss = b.maxPeak;
    if (b.maxHeap !== undefined) limits.peakHeap = b.maxHeap;
    if (b.maxExternal !== undefined) limits.peakExternal = b.maxExternal;
    return { name: b.name, command: b.command, limits, tolerance: b.tolerance, timeout: b.timeout, cwd: b.cwd, env: b.env };
  });
}

function checkItems(command: string[], flags: CheckFlags): CheckItem[] {
  if (command.length > 0) {
    if (flags.config) throw new UsageError('give either a command or --config <file>, not both');
    if (flags.budget) throw new UsageError('--budget picks budgets from a budget file: it does not go with a command');
    if (flags.maxPeak === undefined && !flags.baseline) {
      throw new UsageError('give a limit with --max-peak <size> (or compare with --baseline <file>) for the command');
    }
    const limits: Partial<Record<Metric, number>> = {};
    if (flags.maxPeak !== undefined) limits[({ rss: 'peakRss', heap: 'peakHeap', external: 'peakExternal' } as const)[flags.metric]] = flags.maxPeak;
    return [{ name: commandText(command), command, limits }];
  }
  if (flags.maxPeak !== undefined) {
    throw new UsageError('--max-peak limits a command given after --; in a budget file, set "maxPeak" (or "maxHeap")');
  }
  const file = flags.config ?? DEFAULT_BUDGET_FILE;
  if (!flags.config && !fs.existsSync(file)) {
    throw new UsageError(`nothing to check: give a command (memprof check --max-peak 200MiB -- node app.js) or write ${DEFAULT_BUDGET_FILE} (or name one with --config)`);
  }
  return itemsFromFile(file, flags);
}

function log(text: string): void {
  process.stderr.write(`memprof: ${text}\n`);
}

async function check(command: string[], flags: CheckFlags): Promise<number> {
  if (flags.updateBaseline && !flags.baseline) throw new UsageError('--update-baseline needs --baseline <file> to write');
  if (flags.tolerance && !flags.baseline) throw new UsageError('--tolerance applies to comparisons with --baseline <file>');
  if (flags.interval < 0.0001) throw new UsageError(`--interval ${flags.interval} is below the shortest period, 0.0001 s`);
  const items = checkItems(command, flags);

  const previous = flags.baseline ? readBaseline(flags.baseline) : null;
  if (flags.baseline && !flags.updateBaseline && previous === null) {
    throw new UsageError(`baseline ${flags.baseline} does not exist: record it with --baseline ${flags.baseline} --update-baseline`);
  }
  // Refused now rather than after every budget has run (a CI job of many minutes).
  if (flags.updateBaseline && flags.baseline) checkBaselineWritable(flags.baseline);
  const compareWith = flags.updateBaseline ? null : previous;
  if (!tryAddon()) log(`${addonMissingMessage()}; only Node.js processes' own peaks are measured`);

  const results: CheckedBudget[] = [];
  let interruptedBy: NodeJS.Signals | undefined;
  // Between two commands a signal stops the check with what it measured so far (without a
  // listener it would kill memprof outright, and the budgets already run would be lost).
  const stopBetween = (signal: NodeJS.Signals): void => {
    interruptedBy ??= signal;
  };
  for (const signal of FORWARDED) process.on(signal, stopBetween);
  for (const item of items) {
    const runs: CommandMeasurement[] = [];
    for (let i = 0; i < flags.repeat && !interruptedBy; i++) {
      const round = flags.repeat > 1 ? ` (run ${i + 1} of ${flags.repeat})` : '';
      const text = commandText(item.command);
      log(`checking ${item.name === text ? text : `${item.name}: ${text}`}${round}`);
      const timeout = flags.timeout ?? item.timeout;
      const run = await runCommand(item.command, {
        cwd: item.cwd,
        env: item.env,
        intervalMs: flags.interval * 1000,
        timeoutMs: timeout === undefined ? undefined : timeout * 1000,
      });
      runs.push(run);
      interruptedBy ??= run.interruptedBy;
    }
    if (runs.length === 0) break; // stopped before this command ran
    results.push(
      judge({
        name: item.name,
        command: commandText(item.command),
        limits: item.limits,
        measurement: combine(runs),
        baseline: compareWith?.[item.name],
        // The command line wins over the file, the file over the built-in default.
        tolerance: flags.tolerance ?? item.tolerance ?? parseTolerance(DEFAULT_TOLERANCE),
      }),
    );
    if (interruptedBy) break;
  }
  for (const signal of FORWARDED) process.off(signal, stopBetween);

  const summary: CheckSummary = { results };
  if (interruptedBy) {
    // An interrupted check reports what it measured and records nothing.
    log(`interrupted by ${interruptedBy}: ${results.length} of ${items.length} budgets checked, no baseline written`);
  } else if (flags.updateBaseline && flags.baseline) {
    const updates: Baseline = {};
    for (const r of results) {
      if (r.measurement.exitCode !== 0) {
        log(`not recording ${r.name} in the baseline: its command failed`);
        continue;
      }
      updates[r.name] = {};
      if (r.measurement.peakRss !== null) updates[r.name].peakRss = Math.round(r.measurement.peakRss);
      if (r.measurement.peakHeap !== null) updates[r.name].peakHeap = Math.round(r.measurement.peakHeap);
      // External memory only where a budget limits it: recorded for every budget, its
      // GC-timing noise would start failing baselines that never asked about it.
      if (r.measurement.peakExternal !== null && r.limits.peakExternal !== undefined) {
        updates[r.name].peakExternal = Math.round(r.measurement.peakExternal);
      }
    }
    writeBaseline(flags.baseline, previous, updates);
    summary.baselineWritten = flags.baseline;
  } else if (compareWith) {
    for (const r of results) if (!r.baseline) log(`${flags.baseline} has no entry for ${r.name}: not compared`);
  }

  process.stdout.write(formatCheck(summary, flags.format));
  if (process.env.GITHUB_ACTIONS === 'true') {
    // Workflow commands are read from stderr too: stdout stays the report alone.
    process.stderr.write(githubAnnotations(summary));
    const stepSummary = process.env.GITHUB_STEP_SUMMARY;
    if (stepSummary) {
      try {
        appendWhole(stepSummary, `${formatMarkdown(summary)}\n`);
      } catch (err) {
        // The summary is an extra: the verdict (and exit code) stays the budgets'.
        log(`cannot append the summary to GITHUB_STEP_SUMMARY ${stepSummary}: ${writeFailure(err)}`);
      }
    }
  }
  if (interruptedBy) return exitStatus(null, interruptedBy);
  return results.some((r) => r.breaches.length > 0) ? 1 : 0;
}

export function registerCheck(program: Command): void {
  program
    .command('check')
    .description(
      'fail CI when memory gets worse: run a command (or every budget in memprof.budget.json), measure its peak ' +
        'with its child processes, and exit 0 within budget, 1 over it or on a baseline regression, 2 on usage errors',
    )
    .argument('[command...]', 'a one-off command to check (put it after --)')
    .option('-c, --config <file>', `the budget file (default: ${DEFAULT_BUDGET_FILE} here)`)
    .option('--max-peak <size>', 'one-off: the limit on the peak, e.g. 200MiB', sizeOption)
    .addOption(
      new Option(
        '--metric <metric>',
        "one-off: what --max-peak limits: rss (the process tree), heap (the largest Node.js heap) or external (the largest Node.js external memory: Buffers, zlib, addons)",
      )
        .choices(['rss', 'heap', 'external'])
        .default('rss'),
    )
    .option('--budget <name>', 'check only this budget of the file (repeatable)', collect)
    .option('--baseline <file>', 'compare each peak with the one recorded in this file')
    .option('--update-baseline', 'record the peaks measured now into the --baseline file instead of comparing')
    .option('--tolerance <percent|size>', `how far over the baseline is still a pass: "5%" or "2MiB" (default: the file's, else ${DEFAULT_TOLERANCE})`, toleranceOption)
    .option('--repeat <n>', 'run each command n times and judge the median', positiveIntOption, 1)
    .option('-T, --interval <seconds>', 'sampling period of the process tree', secondsOption, 0.005)
    .option('-t, --timeout <seconds>', "stop a command that runs longer and fail its budget (default: the file's, else none)", secondsOption)
    .addOption(new Option('--format <format>', 'report format').choices([...CHECK_FORMATS]).default('text'))
    .passThroughOptions()
    .action(async (command: string[], flags: CheckFlags, self: Command) => {
      if (self.getOptionValueSource('metric') === 'cli' && flags.maxPeak === undefined) {
        throw new UsageError('--metric says what --max-peak limits: give --max-peak <size> too (a budget file sets "maxHeap" or "maxExternal" instead)');
      }
      process.exitCode = await check(command, flags);
    });
}
