/**
 * How the user ran kdiag, so hints that suggest a command say it the same way: `kubectl kdiag` for a plugin run,
 * the command in use, and `-f FILE` when the input was a file.
 */
export interface Invocation {
  /** `kdiag`, or `kubectl kdiag` when run as a kubectl plugin. */
  program: string;
  /** The command in use, e.g. `svc`. */
  command: string;
  /** `-f FILE` of an offline run (`-` for standard input). */
  file?: string;
  /** The namespace given with `-n`, when one was. */
  namespace?: string;
}

/** What hints assume when the caller does not say: `kdiag svc`, live. */
export const DEFAULT_INVOCATION: Invocation = { program: 'kdiag', command: 'svc' };

/** A command line to suggest: the program, the command, `args`, then `-f FILE` for offline runs. */
export function commandLine(inv: Invocation, ...args: string[]): string {
  const file = inv.file === undefined ? [] : ['-f', shellWord(inv.file)];
  return [inv.program, inv.command, ...args, ...file].join(' ');
}

function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
