import type { Io } from './io.js';

/**
 * A spinner on stderr (ora), only when stderr is a TTY and colour is allowed; else nothing. Returns a stop function
 * that may be called any number of times. ora is imported when the first spinner starts; a spinner is decoration,
 * so if it cannot load or start, the command goes on without it.
 */
export function startSpinner(io: Pick<Io, 'err' | 'errIsTTY' | 'colorErr'>, text: string): () => void {
  if (!io.errIsTTY || !io.colorErr) return () => {};
  // A terminal that reports 0 columns (a pseudo-terminal nobody sized, e.g. under `script`) makes ora clear
  // endlessly many lines: no spinner there.
  if ((io.err as { columns?: number }).columns === 0) return () => {};
  let stopped = false;
  let spinner: { stop(): void } | undefined;
  void import('ora')
    .then(({ default: ora }) => {
      // discardStdin off: ora would pause stdin when it stops, and an interactive command that reads it next
      // (kdiag shell) would never see a key.
      if (!stopped) spinner = ora({ text, stream: io.err as NodeJS.WritableStream & { isTTY?: boolean }, discardStdin: false }).start();
    })
    .catch(() => undefined);
  return () => {
    stopped = true;
    spinner?.stop();
    spinner = undefined;
  };
}
