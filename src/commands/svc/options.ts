import { UsageError } from '../../errors.js';
import { parseClusterDomain } from '../shared-flags.js';
import type { Flags } from '../types.js';

/** Options of `kdiag svc`, from argv. */
export interface SvcOptions {
  name?: string;
  /** `-f FILE`, or `-` for stdin. */
  file?: string;
  /** `-n`; else the file's or the context's namespace. */
  namespace?: string;
  /** `--cluster-domain`; unset means cluster.local. */
  clusterDomain?: string;
}

/** Pure argv → options; throws UsageError on bad input. */
export function toSvcOptions(args: readonly string[], flags: Flags): SvcOptions {
  const name = args[0];
  if (name !== undefined && !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(name)) {
    throw new UsageError(
      `invalid Service name "${name}"`,
      'Service names are lower-case letters, digits and "-", starting with a letter (RFC 1035)',
    );
  }
  const file = flags.filename;
  if (file !== undefined && (typeof file !== 'string' || file === ''))
    throw new UsageError('-f needs a file name (or - for standard input)');
  const clusterDomain = parseClusterDomain(flags.clusterDomain);
  return {
    ...(name !== undefined ? { name } : {}),
    ...(typeof file === 'string' ? { file } : {}),
    ...(typeof flags.namespace === 'string' ? { namespace: flags.namespace } : {}),
    ...(clusterDomain !== undefined ? { clusterDomain } : {}),
  };
}
