import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

/**
 * Re-executing kdiag with Node flags a command needs in the process that runs it, for V8 settings that cannot be
 * changed once the process has started (`kdiag forward` caps V8's young generation with `--max-semi-space-size`: a
 * long forward keeps its RSS flat, see bench/README.md). Used by main.ts only: tests run commands in-process.
 *
 * The parent waits: it prints nothing, passes the signals it gets to the child and exits with the child's status. The
 * child inherits stdin, stdout and stderr (terminal detection, pick lists and `-o json` work as without the re-exec)
 * and runs in the same process group, so a terminal's Ctrl-C reaches both: the child counts a signal once whether it
 * arrives directly, through the parent, or both (see {@link SignalCounter}).
 */

/**
 * Set in the child's environment to the parent's pid: the child never re-executes itself, and takes signals relayed
 * over its IPC channel from that parent only. Set it to 1 to keep kdiag in one process (the command then runs without
 * its flags).
 */
export const NO_REEXEC_ENV = 'KDIAG_NO_REEXEC';

/** Between parent and child: the child is ready for relayed signals; the parent received one. */
export type ReexecMessage = { kdiagReady: true } | { kdiagSignal: NodeJS.Signals };

export function isSignalMessage(m: unknown): m is { kdiagSignal: NodeJS.Signals } {
  return typeof m === 'object' && m !== null && typeof (m as { kdiagSignal?: unknown }).kdiagSignal === 'string';
}

/** True in a child started by {@link respawn}: the parent's pid is in its environment and it has the IPC channel. */
export function isReexecChild(env: NodeJS.ProcessEnv, ppid: number, hasChannel: boolean): boolean {
  return hasChannel && env[NO_REEXEC_ENV] === String(ppid);
}
/** A flag's name (`--max-semi-space-size` of `--max-semi-space-size=1`), with V8's `_` spelling folded to `-`. */
function flagName(flag: string): string {
  return flag.split('=')[0]!.replace(/_/g, '-');
}

/**
 * The flags of `wanted` to re-execute with: none when re-executing is off (`KDIAG_NO_REEXEC`, which the parent sets
 * for its child) or when every flag is already given (by name, so a user's own value in NODE_OPTIONS or on node's
 * command line wins).
 */
export function flagsToAdd(wanted: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  if (env[NO_REEXEC_ENV]) return [];
  const given = new Set([...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].filter((a) => a.startsWith('--')).map(flagName));
  return wanted.filter((f) => !given.has(flagName(f)));
}

/**
 * Counts each signal once when it may come twice: straight from the kernel (a terminal's Ctrl-C reaches the whole
 * process group) and as a message from the parent (which passes on every signal it gets, since it cannot tell a
 * terminal's from one sent to it alone, e.g. by a supervisor). The n-th signal is acted on when either way has seen n.
 */
export class SignalCounter {
  private direct = 0;
  private relayed = 0;

  /** True when this signal is a new one (act on it); false when it is the other copy of one already counted. */
  count(via: 'direct' | 'relayed'): boolean {
    if (via === 'direct') return ++this.direct > this.relayed;
    return ++this.relayed > this.direct;
  }
}

/** The parent's side: the running child. */
export interface Respawned {
  child: ChildProcess;
  /** Resolves true once the child runs, false when it could not be started (the caller then runs the command itself). */
  started: Promise<boolean>;
  /** Passes a signal the parent received on to the child (held until the child says it listens). */
  relay(sig: NodeJS.Signals): void;
  /** The child's exit status (128 + the signal's number when a signal killed it). */
  exited: Promise<number>;
}

/**
 * Starts this script again (process.execPath, node's own flags, `flags`, the same argv) with stdin, stdout and stderr
 * inherited and an IPC channel for relayed signals. node:child_process is loaded here, not at start-up: most runs
 * never re-execute, and loading it costs every process about 1 MB of resident memory (its code and that of dgram and
 * net's socket lists).
 */
export async function respawn(flags: readonly string[]): Promise<Respawned> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [...process.execArgv, ...flags, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, [NO_REEXEC_ENV]: String(process.pid) },
  });
  const started = new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  // An IPC write to a child that is exiting fails with EPIPE: nothing to do then.
  child.on('error', () => undefined);
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
  // Signals that come before the child listens for them (it is still loading) wait for its ready message.
  let held: NodeJS.Signals[] | undefined = [];
  const send = (sig: NodeJS.Signals) => {
    if (child.connected) child.send({ kdiagSignal: sig } satisfies ReexecMessage, () => undefined);
  };
  child.on('message', (m: unknown) => {
    if (typeof m === 'object' && m !== null && (m as { kdiagReady?: unknown }).kdiagReady === true && held) {
      const pending = held;
      held = undefined;
      pending.forEach(send);
    }
  });
  return {
    child,
    started,
    relay(sig) {
      if (held) held.push(sig);
      else send(sig);
    },
    exited,
  };
}
