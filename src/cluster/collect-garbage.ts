import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/**
 * A full garbage collection, now. Bulk reads parse pages of several megabytes that outlive V8's young generation,
 * so each dead page is promoted and the old generation grows until V8's own heuristic collects it, long after the
 * page was projected: on 50,000 pods that is about 100 MB of dead pages at the peak. `kdiag audit` calls this every
 * few pages. The `gc` function is taken from a fresh context once `--expose-gc` is set; where that fails, nothing
 * is done.
 */
export function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}

let small = false;

/**
 * Asks V8 to keep its heap small from now on (`--optimize-for-size`, which its heap sizing reads while the process
 * runs): `kdiag audit` reads pages of 500 pods for minutes and keeps little of them, yet with V8's default sizing
 * for throughput a 50,000-pod audit peaked at 156 to 168 MB of RSS with 20 to 48 MB of JS heap in use; with this, 118
 * to 120 MB at the same speed (bench/README.md). Set at start-up the flag also shrinks the young generation (100 to
 * 106 MB), but that needs a second process, whose own ~46 MB would cost more than it saves. Once per process.
 */
export function preferSmallHeap(): void {
  if (small) return;
  small = true;
  try {
    setFlagsFromString('--optimize-for-size');
  } catch {
    // A runtime without V8 flags: the default sizing stays.
  }
}
