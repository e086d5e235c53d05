import { parseDuration } from '../../core/duration.js';
import { parseTargetArg } from '../../core/resource-arg.js';
import { UsageError } from '../../errors.js';
import type { Flags } from '../types.js';

// Kept free of the shell core's imports: toOptions runs at every start-up.
const PROFILE_NAMES = ['default', 'netadmin', 'baseline', 'restricted'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** Options of `kdiag shell`, from argv. */
export interface ShellOptions {
  mode: 'pod' | 'ephemeral' | 'gc';
  /** `-- CMD...`: empty for an interactive shell. */
  command: string[];
  /** `-i`: pass kdiag's stdin to CMD. */
  stdin: boolean;
  namespace?: string;
  image?: string;
  /** `--near POD`: the pod whose node the debug pod goes to. */
  near?: string;
  /** `--node NODE`. */
  node?: string;
  /** `--ephemeral POD`. */
  ephemeral?: string;
  /** `--target C` (with --ephemeral): share that container's process namespace. */
  target?: string;
  profile?: ProfileName;
  deadlineSeconds: number;
  startTimeoutMs: number;
  staleAfterMs: number;
  allNamespaces: boolean;
  yes: boolean;
  format: 'text' | 'json';
  /** The flags as given, for the `--gc` command printed when cleanup fails. */
  deadlineText: string;
}

export const DEFAULTS = { deadline: '1h', startTimeout: '2m', staleAfter: '2m' } as const;

function duration(flag: string, raw: unknown, fallback: string, allowZero = false): number {
  const text = String(raw ?? fallback);
  const ms = parseDuration(text);
  if (ms === undefined || (!allowZero && ms <= 0)) {
    throw new UsageError(`invalid ${flag} "${text}"`, 'use a duration such as 30s, 2m or 1h30m');
  }
  return ms;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Pure and cheap argv -> options; throws UsageError (exit 2) on bad input. */
export function toShellOptions(args: readonly string[], flags: Flags): ShellOptions {
  const gc = Boolean(flags.gc);
  const ephemeral = str(flags.ephemeral);
  const near = str(flags.near);
  const node = str(flags.node);
  const target = str(flags.target);
  const format = flags.output === 'json' ? 'json' : 'text';
  if (near && node) throw new UsageError('--near and --node cannot be used together', 'give one: --near POD (its node) or --node NODE');
  if (ephemeral && (near || node)) throw new UsageError('--ephemeral runs in the pod itself: --near and --node do not apply');
  if (target && !ephemeral) throw new UsageError('--target needs --ephemeral POD', 'e.g. kdiag shell --ephemeral web-0 --target app');
  if (flags.staleAfter !== undefined && !gc) throw new UsageError('--stale-after needs --gc');
  if (flags.allNamespaces && !gc) throw new UsageError('-A/--all-namespaces needs --gc', 'kdiag shell --gc -A');
  if (format === 'json' && !gc) throw new UsageError('-o json is for --gc', 'the shell itself writes what the command writes');
  if (gc && (args.length > 0 || ephemeral || near || node || flags.image !== undefined)) {
    throw new UsageError('--gc takes only -n, -A, --stale-after and -o', 'run kdiag shell --gc on its own');
  }
  let profile: ProfileName | undefined;
  if (flags.profile !== undefined) {
    const p = String(flags.profile);
    if (!(PROFILE_NAMES as readonly string[]).includes(p))
      throw new UsageError(`unknown --profile "${p}"`, `use one of: ${PROFILE_NAMES.join(', ')}`);
    profile = p as ProfileName;
  }
  for (const [flag, v] of [
    ['--near', near],
    ['--ephemeral', ephemeral],
  ] as const) {
    if (v === undefined) continue;
    const parsed = parseTargetArg(v, 'Pod', ['Pod']);
    if (!parsed.ok) throw new UsageError(`${flag}: ${parsed.message}`, parsed.hint);
  }
  const podName = (v: string | undefined) => (v === undefined ? undefined : v.slice(v.indexOf('/') + 1));
  const command = [...args];
  if (command.length > 0 && command[0]!.includes('/')) {
    throw new UsageError(
      `the command "${command[0]}" is a path`,
      'name the program (e.g. curl), never a path: it is looked up in the image',
    );
  }
  const deadlineText = String(flags.deadline ?? DEFAULTS.deadline);
  const deadlineMs = duration('--deadline', flags.deadline, DEFAULTS.deadline);
  return {
    mode: gc ? 'gc' : ephemeral ? 'ephemeral' : 'pod',
    command,
    stdin: Boolean(flags.stdin),
    ...(str(flags.namespace) ? { namespace: str(flags.namespace)! } : {}),
    ...(str(flags.image) ? { image: str(flags.image)! } : {}),
    ...(near ? { near: podName(near)! } : {}),
    ...(node ? { node } : {}),
    ...(ephemeral ? { ephemeral: podName(ephemeral)! } : {}),
    ...(target ? { target } : {}),
    ...(profile ? { profile } : {}),
    deadlineSeconds: Math.max(1, Math.ceil(deadlineMs / 1000)),
    startTimeoutMs: duration('--start-timeout', flags.startTimeout, DEFAULTS.startTimeout),
    staleAfterMs: duration('--stale-after', flags.staleAfter, DEFAULTS.staleAfter),
    allNamespaces: Boolean(flags.allNamespaces),
    yes: Boolean(flags.yes),
    format,
    deadlineText,
  };
}
