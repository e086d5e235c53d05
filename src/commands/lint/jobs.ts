import { availableParallelism } from 'node:os';
import { UsageError } from '../../errors.js';

// `-j`: apart from options.ts, which imports the shared flags (and commander with them), so that lint's
// implementation (run.ts) does not bundle a second copy of commander (scripts/build.mjs).

/** The most scanning threads `-j` accepts. */
export const MAX_JOBS = 64;

/**
 * The default of `-j`: the available CPUs, at most 4, on machines with 3 CPUs or more; 1 on smaller ones. With
 * two CPUs a worker's JIT warm-up competes with the main thread for the one other core (V8 compiles on
 * background threads), and measured on a 2-CPU machine the scan was barely faster on a 150 MB tree and slower
 * on 16 to 80 MB ones, for 40% more CPU time (bench/README.md). `-j 2` still runs two threads there.
 */
export function defaultJobs(cpus = availableParallelism()): number {
  return cpus >= 3 ? Math.min(cpus, 4) : 1;
}

/** `-j, --jobs N`: 1 to MAX_JOBS; see defaultJobs. */
export function parseJobs(value: unknown): number {
  if (value === undefined) return defaultJobs();
  const text = String(value).trim();
  const n = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > MAX_JOBS) {
    throw new UsageError(
      `invalid --jobs "${String(value)}"`,
      `give a number of scanning threads from 1 to ${MAX_JOBS} (1: no worker threads)`,
    );
  }
  return n;
}
