/**
 * Exit statuses of `kdiag shell`, from the exec status channel's last message (already parsed: status, reason,
 * message, the ExitCode cause, a signal). The same rules as a shell and kubectl:
 * - Success: 0; an ExitCode cause: that code (128+N when the process died of signal N and the runtime said so);
 * - a program that cannot be found: 127; found but cannot run (permission denied, not executable): 126;
 * - any other Failure without an ExitCode (KWOK turns every failure into one): 1;
 * - kdiag failing before the command starts: 125; kdiag itself stopped by SIGHUP/SIGINT/SIGTERM: 129/130/143.
 */

/** The exec status as src/cluster parses it (structurally the same as its ExecStatus). */
export interface ExecStatusLike {
  status: 'Success' | 'Failure';
  reason?: string;
  message?: string;
  exitCode?: number;
  signal?: number;
}

export const SHELL_EXIT = {
  /** kdiag failed before the command started (access, creation, start-up, the exec handshake). */
  failedBeforeStart: 125,
  cannotRun: 126,
  notFound: 127,
  hangup: 129,
  interrupted: 130,
  terminated: 143,
} as const;

const NOT_FOUND = /executable file not found|no such file or directory|command not found|not found in \$PATH/i;
const CANNOT_RUN = /permission denied|exec format error|is a directory|not executable|cannot execute/i;

/** True when the exec failed because the program does not exist in the container (so `bash` falls back to `sh`). */
export function isNotFound(s: ExecStatusLike): boolean {
  if (s.status === 'Success') return false;
  if (s.exitCode === 127) return true;
  return NOT_FOUND.test(s.message ?? '');
}

/** The exit status `kdiag shell` returns for the command's exec status. */
export function shellExitStatus(s: ExecStatusLike): number {
  if (s.status === 'Success') return 0;
  if (s.exitCode !== undefined) {
    // A runtime that reports its own failure to start the program as 126/128 with a "not found" message: 127.
    if (
      s.exitCode !== 127 &&
      NOT_FOUND.test(s.message ?? '') &&
      /exec failed|starting container process|OCI runtime/i.test(s.message ?? '')
    )
      return SHELL_EXIT.notFound;
    return s.exitCode;
  }
  if (s.signal !== undefined) return 128 + s.signal;
  if (NOT_FOUND.test(s.message ?? '')) return SHELL_EXIT.notFound;
  if (CANNOT_RUN.test(s.message ?? '')) return SHELL_EXIT.cannotRun;
  return 1;
}

/** The status for kdiag stopped by a signal (after cleaning up). */
export function signalExitStatus(signal: string | undefined): number {
  if (signal === 'SIGHUP') return SHELL_EXIT.hangup;
  if (signal === 'SIGTERM') return SHELL_EXIT.terminated;
  return SHELL_EXIT.interrupted;
}
