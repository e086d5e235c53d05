import type { Command } from 'commander';
import type { CommandModule, Outcome } from '../types.js';
import { toAuditOptions, type AuditOptions } from './options.js';

export const auditCommand: CommandModule<AuditOptions, Outcome> = {
  name: 'audit',
  summary: "Check every Service of a namespace (or, with -A, the cluster) with kdiag svc's engine, in one pass",
  examples: [
    'kdiag audit -n my-app',
    'kdiag audit -A --fail-on warning          # a post-deploy CI gate',
    'kdiag audit -A -l tier=web -o wide',
    'kdiag audit -f examples/my-app.yaml',
    'kdiag audit -n my-app -o sarif > kdiag-audit.sarif',
  ],
  shared: { output: ['text', 'wide', 'json', 'yaml', 'sarif'], failOn: true, cluster: true, allNamespaces: true },
  configure(cmd: Command): void {
    cmd
      .option('-l, --selector <selector>', 'only the Services with these labels (kubectl syntax: app=web,tier!=batch)')
      .option(
        '-f, --filename <file>',
        'read objects from a file (manifests, kubectl get -o yaml|json, a List; - for stdin) instead of the cluster',
      )
      .option('--only <codes>', 'report only these finding codes (comma-separated)')
      .option('--skip <codes>', 'never report these finding codes (comma-separated)');
  },
  toOptions: toAuditOptions,
  validate: async (o) => (await import('./options.js')).validateAuditOptions(o),
  run: async (options, ctx) => (await import('./run.js')).runAudit(options, ctx),
};
