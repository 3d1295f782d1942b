'use strict';
// memprof top's overhead on a real workload: compiling a TypeScript project (memprof's own
// src/, 60-odd files) with the typescript package's API, plain node against `memprof top`
// (the whole CLI: start, sampling, analysis, report) at four sampling intervals. Runs are
// interleaved and each configuration's best wall time kept (load on a shared machine only
// ever adds). Goal: <= 1.2x at the default interval.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const CLI = path.join(ROOT, 'bin', 'memprof.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS || 3);
const best = (xs) => Math.min(...xs);

// The program compiles a project with the typescript package installed beside it, as a
// user's project would have it (inside memprof's own node_modules it would count as memprof's).
const BUILD = `'use strict';
const ts = require('typescript');
const configFile = process.argv[2];
const outDir = process.argv[3];
const parsed = ts.getParsedCommandLineOfConfigFile(configFile, { outDir, declaration: false }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(d.messageText); } });
const program = ts.createProgram(parsed.fileNames, parsed.options);
const result = program.emit();
const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics).filter((d) => d.category === ts.DiagnosticCategory.Error);
console.log(parsed.fileNames.length + ' files, ' + errors.length + ' errors');
`;

/** Wall and CPU (user + system) milliseconds of one run, from bash's `time` (CPU is steadier on a shared machine). */
function timed(args) {
  const quoted = [process.execPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `TIMEFORMAT='@time %R %U %S'; time ${quoted}`], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const [, wall, user, sys] = /@time ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.stderr).map(Number);
  return { ms: wall * 1000, cpuMs: (user + sys) * 1000, stdout: r.stdout };
}

function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memprof-bench-top-'));
  try {
    fs.cpSync(path.join(ROOT, 'node_modules', 'typescript'), path.join(dir, 'node_modules', 'typescript'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'build.js'), BUILD);
    const build = path.join(dir, 'build.js');
    const tsconfig = path.join(ROOT, 'tsconfig.json');
    const out = path.join(dir, 'out');
    const configs = [
      ['plain node', []],
      ['top, 64 KiB (default)', ['top', '--sampling-interval', '65536']],
      ['top, 32 KiB (V8 default)', ['top', '--sampling-interval', '32768']],
      ['top, 128 KiB', ['top', '--sampling-interval', '131072']],
      ['top, 8 KiB', ['top', '--sampling-interval', '8192']],
    ];
    const times = configs.map(() => []);
    const cpu = configs.map(() => []);
    let report = '';
    timed([build, tsconfig, out]); // warm the file cache
    for (let round = 0; round < ROUNDS; round++) {
      configs.forEach(([, args], i) => {
        const r = timed(args.length ? [CLI, ...args, build, tsconfig, out] : [build, tsconfig, out]);
        times[i].push(r.ms);
        cpu[i].push(r.cpuMs);
        if (i === 1) report = r.stdout;
      });
    }
    const plain = best(times[0]);
    const plainCpu = best(cpu[0]);
    console.log(`TypeScript build of memprof's src/ (${report.split('\n')[0]}), best of ${ROUNDS} runs each:`);
    configs.forEach(([name], i) => {
      const ms = best(times[i]);
      const c = best(cpu[i]);
      const ratios = i === 0 ? '' : `${(ms / plain).toFixed(2)}x wall, ${(c / plainCpu).toFixed(2)}x CPU`;
      console.log(`  ${name.padEnd(24)} ${(ms / 1000).toFixed(2).padStart(6)} s wall ${(c / 1000).toFixed(2).padStart(6)} s CPU   ${ratios}`);
    });
    const ratio = best(times[1]) / plain;
    const cpuRatio = best(cpu[1]) / plainCpu;
    const load = os.loadavg()[0];
    console.log(`memprof top overhead at the default interval: ${ratio.toFixed(2)}x wall, ${cpuRatio.toFixed(2)}x CPU (goal <= 1.2x wall: ${ratio <= 1.2 ? 'met' : 'NOT met'})`);
    if (load > os.cpus().length) console.log(`(load average ${load.toFixed(1)} on ${os.cpus().length} cores: wall times are other programs' as much as these; the CPU ratio is the steadier figure)`);
    console.log('\nWhat it found (default interval, last run):');
    console.log(report.split('\n').slice(1, 12).map((l) => `  ${l}`).join('\n'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
