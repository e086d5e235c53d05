import { UsageError } from '../../errors.js';
import { parseClusterDomain } from '../shared-flags.js';
import type { Flags } from '../types.js';

/** Options of `kdiag audit`, from argv. */
export interface AuditOptions {
  /** `-n`; else the context's (or the file's) namespace. Ignored with `-A`. */
  namespace?: string;
  allNamespaces: boolean;
  /** `-l`: Services by label. */
  selector?: string;
  /** `-f FILE` or `-`. */
  file?: string;
  /** `--only CODES`: report only these codes. */
  only?: string[];
  /** `--skip CODES`: never report these codes. */
  skip: string[];
  clusterDomain?: string;
}

function codes(value: unknown, flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list = String(value)
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError(`${flag} needs finding codes, comma-separated`, 'kdiag codes lists them');
  return list;
}

/** Pure argv → options; throws UsageError on bad input. */
export function toAuditOptions(args: readonly string[], flags: Flags): AuditOptions {
  if (args.length > 0) throw new UsageError(`kdiag audit takes no argument (got "${args[0]}")`, 'to explain one Service: kdiag svc NAME');
  const file = flags.filename;
  if (file !== undefined && (typeof file !== 'string' || file === ''))
    throw new UsageError('-f needs a file name (or - for standard input)');
  const selector = flags.selector;
  if (selector !== undefined && (typeof selector !== 'string' || selector.trim() === ''))
    throw new UsageError('-l needs a label selector', 'e.g. -l app=web or -l tier!=batch');
  const only = codes(flags.only, '--only');
  const skip = codes(flags.skip, '--skip') ?? [];
  const clusterDomain = parseClusterDomain(flags.clusterDomain);
  return {
    allNamespaces: Boolean(flags.allNamespaces),
    skip,
    ...(only ? { only } : {}),
    ...(typeof flags.namespace === 'string' ? { namespace: flags.namespace } : {}),
    ...(typeof selector === 'string' ? { selector } : {}),
    ...(typeof file === 'string' ? { file } : {}),
    ...(clusterDomain !== undefined ? { clusterDomain } : {}),
  };
}

/** Unknown codes in --only/--skip are usage errors (the catalogue is imported here, not at start-up). */
export async function validateAuditOptions(o: AuditOptions): Promise<void> {
  const { CATALOGUE } = await import('../../core/catalogues.js');
  const { closeNames } = await import('../../core/suggest.js');
  for (const [flag, list] of [
    ['--only', o.only ?? []],
    ['--skip', o.skip],
  ] as const) {
    for (const c of list) {
      if (CATALOGUE.has(c)) continue;
      const close = closeNames(c, [...CATALOGUE.keys()]);
      throw new UsageError(
        `${flag}: unknown finding code "${c}"`,
        close.length ? `did you mean ${close.join(', ')}?` : 'kdiag codes lists them',
      );
    }
  }
}
