import { parseClusterDomain } from '../shared-flags.js';
import type { Flags } from '../types.js';
import { parseJobs } from './jobs.js';

export { defaultJobs, MAX_JOBS, parseJobs } from './jobs.js';

/** Options of `kdiag lint`, from argv. */
export interface LintOptions {
  /** Files and folders to scan (default: `.`). */
  roots: string[];
  /** `--pod-cidr` (repeatable), checked by `validateLintOptions` (run.ts). */
  podCidrs: string[];
  /** `--service-cidr` (repeatable), checked by `validateLintOptions` (run.ts). */
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
