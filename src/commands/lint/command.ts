import { Option } from 'commander';
import type { CommandModule, Outcome } from '../types.js';
import { toLintOptions, type LintOptions } from './options.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** `kdiag lint [PATH...]`: hard-coded pod, Service and host IPs in config and code, for CI. */
export const lintCommand: CommandModule<LintOptions, Outcome> = {
  name: 'lint',
  summary: 'Find hard-coded pod, Service and host IPs in config files and code (a CI step)',
  examples: [
    'kdiag lint',
    'kdiag lint examples/ --fail-on warning',
    'kdiag lint -o sarif > kdiag.sarif',
    'kdiag lint --pod-cidr 10.244.0.0/16 --service-cidr 10.96.0.0/12',
    'kdiag lint --cluster            # name the pods and Services the IPs belong to',
    'kdiag lint -j 4                 # scan on four threads',
  ],
  // The cluster flags matter with --cluster.
  shared: { output: ['text', 'json', 'yaml', 'sarif', 'github'], failOn: true, cluster: true },
  configure(cmd) {
    cmd
      .argument('[path...]', 'files and folders to scan (default: .)')
      .option('--cluster', 'read pod and Service ranges and current pod/Service/node IPs from the live cluster')
      .addOption(new Option('--pod-cidr <cidr>', 'a pod range of your cluster (repeatable)').argParser(collect))
      .addOption(new Option('--service-cidr <cidr>', 'a Service range of your cluster (repeatable)').argParser(collect))
      .option('--strict', 'also report documentation ranges (192.0.2.0/24, 2001:db8::/32, ...)')
      .option('--include-comments', 'also report addresses inside comments')
      .option('--include-tests', 'also scan test files and folders (test/, testdata/, fixtures/, *_test.go, *.test.*, ...)')
      .option('-j, --jobs <n>', 'scanning threads (default: the CPUs, at most 4, with 3 CPUs or more; else 1)');
  },
  // The implementation is imported on use, so `--help` and other commands never parse it.
  toOptions: toLintOptions,
  validate: async (options) => (await import('./run.js')).validateLintOptions(options),
  run: async (options, ctx) => (await import('./run.js')).runLint(options, ctx),
};
