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
