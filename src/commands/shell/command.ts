import type { Command } from 'commander';
import type { CommandModule, Outcome } from '../types.js';
import { DEFAULTS, toShellOptions, type ShellOptions } from './options.js';

export const shellCommand: CommandModule<ShellOptions, Outcome> = {
  name: 'shell',
  summary: 'A network-utils debug pod (netshoot) that is always cleaned up: an interactive shell, or -- CMD',
  examples: [
    'kdiag shell -n my-app                           # an interactive shell in a new debug pod, deleted on exit',
    'kdiag shell -n my-app -- curl -sS http://web:80/ # runs the command, exits with its status',
    'kdiag shell -n my-app --near web-0 -- ping -c1 web # on the node of pod web-0',
    'kdiag shell -n my-app --ephemeral web-0 --target app --yes',
    'kdiag shell --gc -A                             # remove debug pods left behind (stale heartbeat or finished)',
  ],
  shared: { output: ['text', 'json'], cluster: true, allNamespaces: true },
  configure(cmd: Command): void {
    cmd
      .argument('[command...]', 'after --: the command to run in the pod (a program name, never a path); none: an interactive shell')
      .option('--image <image>', 'the image (default: nicolaka/netshoot pinned; also KDIAG_SHELL_IMAGE or shell.image in .kdiag.yaml)')
      .option(
        '--profile <profile>',
        'security profile: default, netadmin (adds NET_ADMIN, NET_RAW), baseline, restricted (default: the first one the namespace admits)',
      )
      .option('--near <pod>', 'run on the node of this pod')
      .option('--node <node>', 'run on this node (tolerating its taints)')
      .option('--ephemeral <pod>', 'add an ephemeral container to this pod instead (it can never be removed)')
      .option('--target <container>', "with --ephemeral: share this container's process namespace (as kubectl debug --target)")
      .option('--deadline <duration>', 'how long the pod may live at most (activeDeadlineSeconds)', DEFAULTS.deadline)
      .option('--start-timeout <duration>', 'how long to wait for the pod to start', DEFAULTS.startTimeout)
      .option('-i, --stdin', 'with -- CMD: pass stdin to the command')
      .option('--gc', 'remove kdiag debug pods whose heartbeat is stale or that have finished, and list them')
      .option('--stale-after <duration>', `with --gc: a heartbeat older than this is stale (default ${DEFAULTS.staleAfter})`)
      .option('-y, --yes', 'do not ask (--ephemeral)');
  },
  toOptions: toShellOptions,
  // The implementation is imported on use, so `--help` and other commands never parse it.
  run: async (options, ctx) =>
    options.mode === 'gc' ? (await import('./gc.js')).runShellGc(options, ctx) : (await import('./run.js')).runShell(options, ctx),
};
