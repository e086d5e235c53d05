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
    'kdiag dns web.my-app -n other --from-pod client-0 --probe   # and compare with what the pod resolves',
  ],
  shared: { output: ['text', 'json', 'yaml'], failOn: true, cluster: true },
  configure(cmd: Command): void {
    cmd
      .argument('[name]', 'the name a pod looks up: web, web.my-app, web.my-app.svc.cluster.local, http://web:8080/, db-0.db.my-app')
      .option('--from-pod <pod>', 'the client pod (in the -n namespace): its dnsPolicy and dnsConfig are used')
      .option(
        '--probe',
        'also look the name up inside the cluster (getent ahosts / nslookup -type=SRV, and /etc/resolv.conf) in --from-pod, else in a short-lived debug pod, and compare',
      )
      .option(
        '-f, --filename <file>',
        'read objects from a file (manifests, kubectl get -o yaml|json, a List; - for stdin) instead of the cluster',
      )
      .addHelpText(
        'after',
        "\n-n, --namespace is the namespace of the client (the pod that looks the name up), not of the Service.\n--cluster-domain defaults to the probed pod's resolv.conf (--probe), else the domain of the CoreDNS Corefile (kube-system/coredns), else cluster.local.\n--probe needs create and get on pods/exec in the client namespace; without --from-pod also create, list and delete on pods (the debug pod, labelled app.kubernetes.io/managed-by=kdiag, is deleted on every exit; image: .kdiag.yaml shell.image).",
      );
  },
  toOptions: toDnsOptions,
  // The implementation is imported on use, so `--help` and other commands never parse it.
  run: async (options, ctx) => (await import('./run.js')).runDns(options, ctx),
};
