/** A REPL command's options, then the statement it runs. */
export interface CommandLine {
  flags: Map<string, string | true>;
  statement: string;
}

export interface FlagSpec {
  /** `-f NAME` may be given several times (its values are joined with '\n'). */
  [flag: string]: { value: boolean; repeatable?: boolean };
}

/** A bad option; its message is printed as one line. */
export class CommandLineError extends Error {}

/**
 * Splits `-r 3 -c stmt` into flags and the statement, as IPython's magics do: options
 * come first, `--` ends them, and the first word that is not a known flag starts the
 * statement (so `.memit -x` with no such flag is an error, not a negation).
 */
export function parseCommandLine(text: string, spec: FlagSpec, usage: string): CommandLine {
  const flags = new Map<string, string | true>();
  let rest = text.trim();
  for (;;) {
    const match = /^(-[A-Za-z-])(\S*)\s*/.exec(rest);
    if (!match) break;
    const [whole, flag, attached] = match;
    rest = rest.slice(whole.length);
    if (flag === '--') break;
    const s = spec[flag];
    if (!s) throw new CommandLineError(`unknown option ${flag}${attached}; usage: ${usage}`);
    if (!s.value) {
      if (attached) throw new CommandLineError(`option ${flag} takes no value; usage: ${usage}`);
      flags.set(flag, true);
      continue;
    }
    let value = attached;
    if (!value) {
      const next = /^(\S+)\s*/.exec(rest);
      if (!next) throw new CommandLineError(`option ${flag} needs a value; usage: ${usage}`);
      value = next[1];
      rest = rest.slice(next[0].length);
    }
    const before = flags.get(flag);
    if (before !== undefined && !s.repeatable) throw new CommandLineError(`option ${flag} given twice; usage: ${usage}`);
    flags.set(flag, typeof before === 'string' ? `${before}\n${value}` : value);
  }
  if (rest === '') throw new CommandLineError(`nothing to run; usage: ${usage}`);
  return { flags, statement: rest };
}
