import type { Io } from './io.js';

/** A terminal size, as the exec resize channel takes it. */
export interface TerminalSize {
  columns: number;
  rows: number;
}

/** The local terminal while an interactive shell runs in a pod: raw mode, and its size as it changes. */
export interface RawTerminal {
  /** The current size first, then every change, until `restore`. */
  resize: AsyncIterable<TerminalSize>;
  /** Leaves raw mode and stops following the size; safe to call twice. */
  restore(): void;
}

type TtyIn = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
type TtyOut = NodeJS.WritableStream & { columns?: number; rows?: number; on(e: 'resize', f: () => void): unknown };

/**
 * Puts stdin in raw mode (keys, Ctrl-C included, go to the remote shell as typed) and follows stdout's size. On a
 * stream that is not a terminal it changes nothing and reports no size.
 */
export function rawTerminal(io: Pick<Io, 'in' | 'out'>): RawTerminal {
  const input = io.in as unknown as TtyIn;
  const output = io.out as unknown as TtyOut;
  const wasRaw = Boolean((input as { isRaw?: boolean }).isRaw);
  if (typeof input.setRawMode === 'function') input.setRawMode(true);
  const queue: TerminalSize[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  const size = (): TerminalSize | undefined => (output.columns && output.rows ? { columns: output.columns, rows: output.rows } : undefined);
  const push = () => {
    const s = size();
    if (!s) return;
    queue.push(s);
    wake?.();
  };
  push();
  const onResize = () => push();
  if (typeof output.on === 'function') output.on('resize', onResize);
  const resize: AsyncIterable<TerminalSize> = {
    async *[Symbol.asyncIterator]() {
      while (!done) {
        const next = queue.shift();
        if (next) {
          yield next;
          continue;
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
  };
  return {
    resize,
    restore() {
      if (done) return;
      done = true;
      wake?.();
      (output as unknown as NodeJS.EventEmitter).off?.('resize', onResize);
      if (typeof input.setRawMode === 'function') input.setRawMode(wasRaw);
    },
  };
}

/**
 * Asks a yes/no question on stderr (inquirer `confirm`, imported on use); the caller checks for a terminal first.
 * Resolves false when the user says no, presses Ctrl-C, or `signal` aborts.
 */
export async function confirm(io: Pick<Io, 'err'>, signal: AbortSignal, message: string): Promise<boolean> {
  const { confirm: ask } = await import('@inquirer/prompts');
  try {
    return await ask({ message, default: false }, { output: io.err as NodeJS.WritableStream, signal });
  } catch (e) {
    if (e instanceof Error && (e.name === 'ExitPromptError' || e.name === 'AbortPromptError')) return false;
    throw e;
  }
}
