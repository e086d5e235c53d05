import type { Command } from 'commander';
import type { CommandModule, EventStream } from '../types.js';
import { DEFAULT_POD_RUNNING_TIMEOUT, toForwardOptions, validateForwardOptions, type ForwardOptions } from './options.js';

export const forwardCommand: CommandModule<ForwardOptions, EventStream> = {
  name: 'forward',
  summary: 'Port-forward to a Service, workload or pod, following its pods as they come and go (runs until stopped)',
  examples: [
    'kdiag forward svc/web :80 -n my-app            # a free local port to the Service port 80',
    'kdiag forward svc/web 8080:80 -n my-app -o json # one JSON event per line',
    'kdiag forward deploy/web 9000:8080 -n my-app --wait',
    'kdiag forward pod/web-0 8080 -n my-app --address 127.0.0.1',
    'kdiag forward --forwards forwards.yaml',
    'kdiag forward --all -l tier=backend -n my-app   # every Service, each port on its own number',
  ],
  shared: { output: ['text', 'json'], cluster: true },
  configure(cmd: Command): void {
    cmd
      .argument(
        '[target-and-ports...]',
        'TARGET [LOCAL:]REMOTE...: svc/NAME, deploy/NAME, sts/NAME, rs/NAME, pod/NAME or NAME (a pod); without TARGET in a terminal, a pick list of Services',
      )
      .option(
        '--address <addresses>',
        'addresses to listen on, comma-separated IPs or localhost (default: localhost, i.e. 127.0.0.1 and ::1)',
      )
      .option('--pod-running-timeout <duration>', 'how long a connection waits for a ready pod (0: for ever)', DEFAULT_POD_RUNNING_TIMEOUT)
      .option('--wait', 'when no pod can serve at start, wait for one instead of exiting 1')
      .option('--forwards <file>', 'a YAML file listing the targets: forwards: [{target, namespace, context, ports, address}]')
      .option(
        '--all',
        'every selector-backed Service of the namespace, each TCP port on its own number (a free one when taken or below 1024)',
      )
      .option('-l, --selector <selector>', 'with --all: only the Services whose labels match (kubectl syntax, e.g. tier=backend)');
  },
  // A forward runs for hours and opens a WebSocket per connection: with V8's default young generation (up to 16 MB per
  // semi-space, grown under the allocation rate and kept) RSS grew 36-87 MB over 10,000 connections; capped at 1 MB,
  // 1-2 MB (bench/README.md).
  nodeFlags: ['--max-semi-space-size=1'],
  toOptions: toForwardOptions,
  validate: validateForwardOptions,
  // The implementation is imported on use, so `--help` and other commands never parse it.
  run: async (options, ctx) => (await import('./run.js')).runForward(options, ctx),
};
