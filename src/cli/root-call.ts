// A plain call, `memprof [options] <script> [args...]` with the root command's options in
// their usual forms, read without loading commander (~8 ms and ~3 MiB with child_process,
// which it requires). Anything else (help, the version, a subcommand, an unknown or
// misspelt option, a bad value, `--opt=value` on a flag, `-ovalue`, `--`) returns null, and
// commander parses the whole command line as before, with its own messages. A test holds
// the two to the same result over many command lines.

/** One option of the root command, as commander's `new Option(flags, description)` takes it. */
export interface OptionSpec {
  flags: string;
  description: string;
  /** commander's argParser: (value, previous) → new value; it throws on a bad value. */
  parse?: (value: string, previous: never) => unknown;
  default?: unknown;
  choices?: readonly string[];
}

export interface PlainCall {
  script: string;
  args: string[];
  options: Record<string, unknown>;
}

interface Known {
  key: string;
  takesValue: boolean;
  negate: boolean;
  spec: OptionSpec;
}

/** commander's attribute name: `--include-children` → includeChildren, `--no-split` → split. */
function attributeName(long: string): string {
  return long
    .replace(/^--(no-)?/, '')
    .split('-')
    .map((word, i) => (i === 0 ? word : word[0].toUpperCase() + word.slice(1)))
    .join('');
}

function table(specs: readonly OptionSpec[]): Map<string, Known> | null {
  const known = new Map<string, Known>();
  for (const spec of specs) {
    const match = /^(?:(-[A-Za-z]), )?(--[a-z][a-z-]*)(?: <[^>]+>)?$/.exec(spec.flags);
    if (!match) return null; // a form this reader does not know: commander reads every call
    const [, short, long] = match;
    const entry = { key: attributeName(long), takesValue: spec.flags.includes('<'), negate: long.startsWith('--no-'), spec };
    known.set(long, entry);
    if (short) known.set(short, entry);
  }
  return known;
}

/** The call read as commander would read it, or null where only commander can say. */
export function readPlainCall(argv: readonly string[], specs: readonly OptionSpec[], isSubcommand: (word: string) => boolean): PlainCall | null {
  const known = table(specs);
  if (!known) return null;
  const options: Record<string, unknown> = {};
  for (const { spec, key, negate } of new Set(known.values())) {
    // As commander: a --no-x without an --x makes x true by default.
    const alone = negate && !specs.some((s) => s !== spec && attributeName(s.flags.replace(/^.*(--[a-z-]+).*$/, '$1')) === key);
    if (negate ? alone : spec.default !== undefined) options[key] = negate ? true : spec.default;
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('-') || arg === '-') {
      if (isSubcommand(arg)) return null;
      return { script: arg, args: argv.slice(i + 1), options };
    }
    let name = arg;
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      name = arg.slice(0, eq);
      inline = arg.slice(eq + 1);
    }
    const option = known.get(name);
    if (!option) return null;
    if (!option.takesValue) {
      if (inline !== undefined) return null;
      options[option.key] = !option.negate;
      continue;
    }
    const value = inline ?? argv[++i];
    // commander takes the next word whatever it is; one that looks like an option is left to it.
    if (value === undefined || (inline === undefined && value.startsWith('-') && value !== '-')) return null;
    const { spec } = option;
    if (spec.choices && !spec.choices.includes(value)) return null;
    try {
      options[option.key] = spec.parse ? spec.parse(value, options[option.key] as never) : value;
    } catch {
      return null;
    }
  }
  return null; // no script: commander says what is missing
}
