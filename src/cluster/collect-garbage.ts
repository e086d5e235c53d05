import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null | undefined;

/**
 * A full garbage collection, now. What a bulk read keeps for a while (projected pods until their namespace is
 * checked, the check's own objects) outlives V8's young generation, so it dies in the old generation, which V8
 * lets grow by several megabytes before its own heuristic collects it (when whole pages were parsed at once, that
 * was about 100 MB of dead pages on 50,000 pods). `kdiag audit` calls this every 1,000 objects it reads. The `gc`
 * function is taken from a fresh context once `--expose-gc` is set; where that fails, nothing is done.
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
 * Asks V8 to keep its heap small from now on: `kdiag audit` reads pages of 500 pods for minutes and keeps little of
 * them. Two flags that V8 reads while the process runs (bench/README.md has the measures):
 * - `--optimize-for-size`: V8's heap sizing for memory, not throughput (a 50,000-pod audit: 156-168 MB of RSS
 *   without it, 118-120 MB with it, at the same speed);
 * - `--semi-space-growth-factor=1`: the young generation keeps its start-up size (1 MB semi-spaces) instead of
 *   doubling up to 16 MB ones when many objects survive a scavenge, as projected pods do (they live until their
 *   namespace is checked). That was 12 to 16 MB of the peak. (`--max-semi-space-size` is read only at start-up,
 *   which would need a second process.)
 * Once per process.
 */
export function preferSmallHeap(): void {
  if (small) return;
  small = true;
  try {
    setFlagsFromString('--optimize-for-size');
    setFlagsFromString('--semi-space-growth-factor=1');
  } catch {
    // A runtime without V8 flags: the default sizing stays.
  }
}
