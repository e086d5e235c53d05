/** Exit statuses: a documented contract (README "Exit status"). */
export const ExitCode = {
  Ok: 0,
  Findings: 1,
  Usage: 2,
  ClusterAccess: 3,
  ShellFailed: 125,
  Interrupted: 130,
  Terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every error kdiag expects. `main.ts` prints `kdiag: <message>` and `hint: <hint>` on stderr, one line each,
 * and exits with `exitCode`; the stack trace only with `--debug`.
 */
export class KdiagError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  constructor(code: string, message: string, opts: { hint?: string; exitCode?: ExitCode; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KdiagError';
    this.code = code;
    this.hint = opts.hint;
    this.exitCode = opts.exitCode ?? ExitCode.Findings;
  }
}

/** Bad flags or arguments, an unreadable or unparsable input file, a bad config file: exit 2. */
export class UsageError extends KdiagError {
  constructor(message: string, hint?: string, cause?: unknown) {
    super('usage', message, { hint, exitCode: ExitCode.Usage, cause });
    this.name = 'UsageError';
  }
}

/** A read the command cannot do without failed (kubeconfig, connection, TLS, 401, 403): exit 3. */
export class ClusterAccessError extends KdiagError {
  constructor(code: string, message: string, hint?: string, cause?: unknown) {
    super(code, message, { hint, exitCode: ExitCode.ClusterAccess, cause });
    this.name = 'ClusterAccessError';
  }
}

/** Thrown out of long-running work when the user pressed Ctrl-C or the process got SIGTERM. */
export class InterruptedError extends KdiagError {
  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super('interrupted', `interrupted by ${signal}`, {
      exitCode: signal === 'SIGINT' ? ExitCode.Interrupted : ExitCode.Terminated,
    });
    this.name = 'InterruptedError';
  }
}
