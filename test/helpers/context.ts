import type { Clock, Context, Invocation } from '../../src/commands/types.js';
import { FileClusterReader } from '../../src/cluster/file-reader.js';
import type { ClusterReader } from '../../src/cluster/reader.js';
import { createTestIo } from './io.js';
import { ROOT } from './paths.js';

/** A clock that starts at `start` and moves only when `sleep` is called (which resolves at once, false if aborted). */
export function fakeClock(start = new Date('2026-01-02T03:04:05.000Z')): Clock & { slept: number[] } {
  let t = start.getTime();
  const slept: number[] = [];
  return {
    slept,
    now: () => new Date(t),
    sleep: async (ms, signal) => {
      await Promise.resolve();
      if (signal?.aborted) return false;
      slept.push(ms);
      t += ms;
      return true;
    },
  };
}

/** The parts of a hand-made Context that tests of one command's `run` rarely care about. */
export function contextDefaults(command: string): Pick<Context, 'clock' | 'invocation' | 'kube' | 'canI'> {
  const invocation: Invocation = { program: 'kdiag', command };
  return {
    clock: fakeClock(),
    invocation,
    kube: () => Promise.reject(new Error('no connection in this test')),
    canI: () => Promise.reject(new Error('no connection in this test')),
  };
}

/** A Context over `reader` (a file, or any ClusterReader a test builds), not in a terminal unless `tty`. */
export function readerContext(
  command: string,
  reader: ClusterReader,
  opts: { namespace?: string; tty?: boolean } = {},
): { ctx: Context; io: ReturnType<typeof createTestIo> } {
  const io = createTestIo({ tty: opts.tty ?? false });
  const ctx: Context = {
    ...contextDefaults(command),
    io,
    globals: {
      ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}),
      requestTimeoutMs: 30_000,
      debug: false,
      noColor: false,
    },
    cwd: ROOT,
    env: {},
    signal: new AbortController().signal,
    cluster: async () => reader,
    config: async () => ({}),
    progress: () => () => {},
    warn: () => {},
  };
  return { ctx, io };
}

/**
 * A Context whose cluster is a file (read as the live reader would be), with a test io: for a command's `run` in a
 * terminal (`tty`) or not.
 */
export async function fileContext(
  command: string,
  file: string,
  namespace: string,
  tty: boolean,
): Promise<{ ctx: Context; io: ReturnType<typeof createTestIo> }> {
  return readerContext(command, await FileClusterReader.load(file, { cwd: ROOT }), { namespace, tty });
}
