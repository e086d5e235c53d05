import type { Command } from 'commander';
import type { CommandModule, Outcome } from '../types.js';
import { toDnsOptions, type DnsOptions } from './options.js';

export const dnsCommand: CommandModule<DnsOptions, Outcome> = {
  name: 'dns',
  summary: 'Explain what a pod gets when it looks a name up in cluster DNS (live, or from a dump with -f)',
  examples: [
    'kdiag dns web.my-app -n other -f examples/dns.yaml',
    'kdiag dns web -n other -f examples/dns.yaml        # a short name from another namespace',
    'kdiag dns http://web.my-app:8080/ -n other -f examples/dns.yaml',
    'kdiag dns db-0.db.my-app -n other -f examples/dns.yaml -o json',
    'kdiag dns web.my-app -n other                      # live, from namespace other',
  ],
  shared: { output: ['text', 'json', 'yaml'], failOn: true, cluster: true },
  configure(cmd: Command): void {
    cmd
      .argument('[name]', 'the name a pod looks up: web, web.my-app, web.my-app.svc.cluster.local, http://web:8080/, db-0.db.my-app')
      .option('--from-pod <pod>', 'the client pod (in the -n namespace): its dnsPolicy and dnsConfig are used')
      .option(
        '-f, --filename <file>',
        'read objects from a file (manifests, kubectl get -o yaml|json, a List; - for stdin) instead of the cluster',
      )
      .addHelpText(
        'after',
        '\n-n, --namespace is the namespace of the client (the pod that looks the name up), not of the Service.\n--cluster-domain defaults to the domain of the CoreDNS Corefile (kube-system/coredns), else cluster.local.',
      );
  },
  toOptions: toDnsOptions,
  // The implementation is imported on use, so `--help` and other commands never parse it.
  run: async (options, ctx) => (await import('./run.js')).runDns(options, ctx),
};
