import type { ForwardSpec } from '../../core/forward/types.js';
import { parseDuration } from '../../core/duration.js';
import { UsageError } from '../../errors.js';
import type { Flags } from '../types.js';

/** Options of `kdiag forward`, from argv. */
export interface ForwardOptions {
  /** TARGET [LOCAL:]REMOTE... as given. */
  args: string[];
  /** `--address` as given. */
  addressText?: string | string[];
  /** The targets and their ports, parsed from `args` by `validate` (empty with `--forwards` or `--all`, and without TARGET: a pick list then). */
  specs: ForwardSpec[];
  /** `--forwards FILE`: the targets come from this YAML file instead of the arguments. */
  forwardsFile?: string;
  /** `--all`: every selector-backed Service of the namespace, each TCP port on its own number (or a free one). */
  all: boolean;
  /** `-l, --selector` with `--all`: only the Services whose labels match (kubectl syntax). */
  selector?: string;
  /** `--address` parsed by `validate`: where to listen (default localhost: 127.0.0.1 and ::1). */
  addresses: string[];
  /** `-n`; else the kubeconfig's namespace. */
  namespace?: string;
  /** `--pod-running-timeout`: how long a connection waits for a ready pod (0: for ever). */
  podRunningTimeoutMs: number;
  /** `--wait`: when no pod can serve at start, wait for one instead of exiting 1. */
  wait: boolean;
  format: 'text' | 'json';
}

export const DEFAULT_POD_RUNNING_TIMEOUT = '1m';

/**
 * Pure and cheap argv -> options (it runs at every start-up, so the port and target parsers, which load the
 * suggestion code, wait for `validateForwardOptions`); throws UsageError (exit 2) on bad input.
 */
export function toForwardOptions(args: readonly string[], flags: Flags): ForwardOptions {
  const file = flags.forwards;
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') throw new UsageError('--forwards needs a file name');
    if (args.length > 0) {
      throw new UsageError(
        `--forwards takes no TARGET or ports (got "${args.join(' ')}")`,
        'put every target in the file, or drop --forwards and give TARGET [LOCAL:]REMOTE...',
      );
    }
  }
  const all = Boolean(flags.all);
  const selector = flags.selector;
  if (all && file !== undefined) throw new UsageError('--all and --forwards cannot be combined', 'use one of them');
  if (all && args.length > 0) {
    throw new UsageError(
      `--all takes no TARGET or ports (got "${args.join(' ')}")`,
      'drop --all to forward one target, or narrow --all with -l SELECTOR',
    );
  }
  if (selector !== undefined) {
    if (!all) throw new UsageError('-l/--selector is only used with --all', 'e.g. kdiag forward --all -l app=web');
    if (typeof selector !== 'string' || selector.trim() === '')
      throw new UsageError('-l/--selector needs a label selector', 'e.g. -l app=web');
  }
  const rawTimeout = String(flags.podRunningTimeout ?? DEFAULT_POD_RUNNING_TIMEOUT);
  const podRunningTimeoutMs = parseDuration(rawTimeout);
  if (podRunningTimeoutMs === undefined) {
    throw new UsageError(`invalid --pod-running-timeout "${rawTimeout}"`, 'use a duration such as 1m, 30s or 2m30s (0 waits for ever)');
  }
  return {
    args: [...args],
    ...(flags.address !== undefined ? { addressText: flags.address as string | string[] } : {}),
    specs: [],
    ...(typeof file === 'string' ? { forwardsFile: file } : {}),
    all,
    ...(typeof selector === 'string' ? { selector } : {}),
    addresses: [],
    ...(typeof flags.namespace === 'string' ? { namespace: flags.namespace } : {}),
    podRunningTimeoutMs,
    wait: Boolean(flags.wait),
    format: flags.output === 'json' ? 'json' : 'text',
  };
}

/** True for an address that only this machine can reach. */
export function isLoopback(address: string): boolean {
  return address === '::1' || /^127\./.test(address) || /^::ffff:127\./i.test(address);
}

/** Parses the targets, ports and addresses into `options` (the parsers are imported here); throws UsageError. */
export async function validateForwardOptions(options: ForwardOptions): Promise<void> {
  const { LOCALHOST_ADDRESSES, parseAddresses, parseForwardArgs } = await import('../../core/forward/args.js');
  if (options.selector !== undefined) {
    const { parseSelector } = await import('../../core/k8s/selectors.js');
    try {
      parseSelector(options.selector);
    } catch (e) {
      throw new UsageError((e as Error).message, 'kubectl syntax: a=b, a!=b, a in (x,y), a, !a; comma-separated');
    }
  }
  // No TARGET at all: the run offers a pick list in a terminal (a usage error without one).
  if (options.forwardsFile === undefined && !options.all && options.args.length > 0) {
    const parsed = parseForwardArgs(options.args);
    if (!parsed.ok) throw new UsageError(parsed.error.message, parsed.error.hint);
    options.specs = parsed.value;
  }
  options.addresses = [...LOCALHOST_ADDRESSES];
  if (options.addressText !== undefined) {
    const a = parseAddresses(options.addressText);
    if (!a.ok) throw new UsageError(a.error.message, a.error.hint);
    options.addresses = a.value;
  }
}
