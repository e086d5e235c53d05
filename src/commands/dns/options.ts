import { parseDnsName } from '../../core/dns/name.js';
import type { ParsedName } from '../../core/dns/types.js';
import { UsageError } from '../../errors.js';
import { parseClusterDomain } from '../shared-flags.js';
import type { Flags } from '../types.js';

/** Options of `kdiag dns`, from argv. */
export interface DnsOptions {
  /** NAME as parsed; undefined when omitted (a pick list in a terminal). */
  name?: ParsedName;
  /** `-f FILE`, or `-` for stdin. */
  file?: string;
  /** `-n`: the namespace of the client (the pod making the lookup); else the file's or the context's namespace. */
  namespace?: string;
  /** `--from-pod POD`: the client pod, in the client namespace. */
  fromPod?: string;
  /** `--cluster-domain`: wins over the probed resolv.conf and the Corefile's domain. */
  clusterDomain?: string;
  /** `--probe`: run the lookup inside the cluster (in --from-pod, else in a short-lived debug pod). */
  probe?: boolean;
}

/** Pure argv → options; throws UsageError on bad input (a NAME that is no DNS name, an empty -f or --from-pod). */
export function toDnsOptions(args: readonly string[], flags: Flags): DnsOptions {
  let name: ParsedName | undefined;
  if (args[0] !== undefined) {
    const parsed = parseDnsName(args[0]);
    if (!parsed.ok) throw new UsageError(parsed.message, parsed.hint);
    name = parsed.name;
  }
  const file = flags.filename;
  if (file !== undefined && (typeof file !== 'string' || file === ''))
    throw new UsageError('-f needs a file name (or - for standard input)');
  const fromPod = flags.fromPod;
  if (fromPod !== undefined && (typeof fromPod !== 'string' || stripPod(fromPod) === '' || stripPod(fromPod).includes('/')))
    throw new UsageError('--from-pod needs a pod name (POD or pod/POD)', 'the pod is looked up in the client namespace (-n)');
  const clusterDomain = parseClusterDomain(flags.clusterDomain);
  const probe = flags.probe === true;
  if (probe && file !== undefined)
    throw new UsageError(
      '--probe runs the lookup inside the cluster; it cannot read -f',
      'drop -f to probe the live cluster, or --probe to explain the file',
    );
  return {
    ...(name !== undefined ? { name } : {}),
    ...(typeof file === 'string' ? { file } : {}),
    ...(typeof flags.namespace === 'string' ? { namespace: flags.namespace } : {}),
    ...(typeof fromPod === 'string' ? { fromPod: stripPod(fromPod) } : {}),
    ...(clusterDomain !== undefined ? { clusterDomain } : {}),
    ...(probe ? { probe } : {}),
  };
}

/** `pod/web-0` and `pods/web-0` as kubectl takes them; `web-0` as is. */
function stripPod(s: string): string {
  return s.replace(/^(po|pod|pods)\//, '');
}
