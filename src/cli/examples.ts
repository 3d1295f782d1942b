// The "Examples:" block of each subcommand's help, shown after its options. A subcommand
// may instead add its own with .addHelpText('after', ...) in its file.
export const EXAMPLES: Record<string, string> = {
  run: `
Examples:
  memprof run node app.js              record memory over time to mprofile_<time>.dat
  memprof run -T 0.01 -C npm test      every 10 ms, children included
  memprof run -M -o build.dat make     one curve per child process, into build.dat
  memprof run -t 60 node server.js     stop after a minute
`,
  attach: `
Examples:
  memprof attach 12345                 record the memory of pid 12345 until it exits (Ctrl-C stops)
  memprof attach -t 30 node            the one process named node, for 30 seconds
`,
  plot: `
Examples:
  memprof plot                         the latest recording, drawn in the terminal
  memprof plot -o mem.svg              as an SVG (.html: interactive, .png: an image)
  memprof plot --flame -o mem.html a.dat b.dat
  memprof plot -w 10,20 -s             seconds 10 to 20, with the trend and its slope
`,
  peak: `
Examples:
  memprof peak                         the peak of the latest recording
  memprof peak mprofile_*.dat          of each recording
  memprof peak --func build            the peak while build() ran
`,
  list: `
Examples:
  memprof list                         the recordings in this folder, numbered, oldest first
`,
  rm: `
Examples:
  memprof rm 0                         remove the oldest recording (numbers from memprof list)
  memprof rm --dry-run 0 2             what would be removed
`,
  clean: `
Examples:
  memprof clean                        remove every recording in this folder
  memprof clean --dry-run              what would be removed
`,
  check: `
Examples:
  memprof check                        the budgets of memprof.budget.json
  memprof check --max-peak 200MiB -- node build.js
  memprof check --baseline base.json --update-baseline
  memprof check --baseline base.json --tolerance 5% --repeat 3
`,
  repl: `
Examples:
  memprof repl                         a Node.js REPL with %memit and %mprun
  memprof repl --backend heap          measuring the V8 heap
`,
  leaks: `
Examples:
  memprof leaks --interval 5 server.js      a heap snapshot every 5 s; Ctrl+C ends and reports
  memprof leaks app.js                       snapshots on SIGUSR2 or require('memprof').leakMark()
  memprof leaks --format json -o leaks.json app.js
`,
};
