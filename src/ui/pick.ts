import { InterruptedError, type UsageError } from '../errors.js';
import type { Io } from './io.js';

/** One choice of a pick list. */
export interface PickChoice<T> {
  value: T;
  /** The line shown. */
  name: string;
}

export interface PickRequest<T> {
  message: string;
  choices: readonly PickChoice<T>[];
  pageSize?: number;
  /**
   * The usage error (exit 2) when there is no terminal to ask on: it names the flag or argument to give instead,
   * e.g. `missing the Service NAME argument`.
   */
  noTerminal: () => UsageError;
}

/** A pick list can be offered only when both stdin and stderr are terminals. */
export function canPick(io: Pick<Io, 'stdinIsTTY' | 'errIsTTY'>): boolean {
  return io.stdinIsTTY && io.errIsTTY;
}

/**
 * Asks the user to pick one choice, on stderr (inquirer `select`, imported on use). Without a terminal, throws
 * `noTerminal()`; when `signal` aborts or the user presses Ctrl-C, throws InterruptedError (exit 130/143).
 */
export async function pick<T>(io: Pick<Io, 'stdinIsTTY' | 'errIsTTY' | 'err'>, signal: AbortSignal, req: PickRequest<T>): Promise<T> {
  if (!canPick(io)) throw req.noTerminal();
  const { select } = await import('@inquirer/prompts');
  try {
    return await select(
      { message: req.message, choices: req.choices.map((c) => ({ value: c.value, name: c.name })), pageSize: req.pageSize ?? 15 },
      { output: io.err as NodeJS.WritableStream, signal },
    );
  } catch (e) {
    if (e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError')) {
      throw new InterruptedError(signal.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT');
    }
    throw e;
  }
}
