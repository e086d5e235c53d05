import { availableParallelism } from 'node:os';
import { UsageError } from '../../errors.js';
import { parseClusterDomain } from '../shared-flags.js';
import type { Flags } from '../types.js';

/** Options of `kdiag lint`, from argv. */
export interface LintOptions {
  /** Files and folders to scan (default: `.`). */
  roots: string[];
  /** `--pod-cidr` (repeatable), checked by `validateLintOptions`. */
  podCidrs: string[];
  /** `--service-cidr` (repeatable), checked by `validateLintOptions`. */
  serviceCidrs: string[];
  /** `-j`; unset: `defaultJobs()`. */
  jobs?: number;
  /** `--cluster`: read ranges and object IPs from the live cluster. */
  cluster: boolean;
  strict: boolean;
  includeComments: boolean;
  /** `--include-tests`: scan test files and folders too (else `.kdiag.yaml` lint.includeTests decides). */
  includeTests: boolean;
  /** `--cluster-domain`; unset means cluster.local. */
  clusterDomain?: string;
}

/** Pure argv → options; throws UsageError on bad input. */
export function toLintOptions(args: readonly string[], flags: Flags): LintOptions {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const clusterDomain = parseClusterDomain(flags.clusterDomain);
  return {
    roots: args.length > 0 ? [...args] : ['.'],
    podCidrs: list(flags.podCidr),
    serviceCidrs: list(flags.serviceCidr),
    ...(flags.jobs !== undefined ? { jobs: parseJobs(flags.jobs) } : {}),
    cluster: Boolean(flags.cluster),
    strict: Boolean(flags.strict),
    includeComments: Boolean(flags.includeComments),
    includeTests: Boolean(flags.includeTests),
    ...(clusterDomain !== undefined ? { clusterDomain } : {}),
  };
}

/** The CIDR flags (the range code is imported on use, so other commands never parse it). */
export async function validateLintOptions(options: LintOptions): Promise<void> {
  const { isValidCidr } = await import('../../core/lint/ranges.js');
  for (const [values, what] of [
    [options.podCidrs, '--pod-cidr'],
    [options.serviceCidrs, '--service-cidr'],
  ] as const) {
    for (const v of values) {
      if (!isValidCidr(v)) throw new UsageError(`invalid ${what} "${v}"`, 'give a CIDR such as 10.244.0.0/16 or fd00:10:244::/56');
    }
  }
}

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
