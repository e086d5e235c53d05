import type { Command } from 'commander';
import type { CommandModule } from '../types.js';

export const svcCommand: CommandModule = {
  name: 'svc',
  summary: 'Explain why a Service has no endpoints or gets no traffic (live, or from a dump with -f)',
  examples: [
    'kdiag svc web -n my-app',
    'kdiag svc web -n my-app -f examples/my-app.yaml',
    'kubectl get svc,deploy,pods,endpointslices -n my-app -o yaml | kdiag svc web -f -',
    'kdiag svc web -n my-app -o json',
  ],
  formats: ['text', 'wide', 'json', 'yaml'],
  configure(cmd: Command): void {
    cmd
      .argument('[name]', 'the Service (a pick list is offered in a terminal when omitted)')
      .option(
        '-f, --filename <file>',
        'read objects from a file (manifests, kubectl get -o yaml|json, a List; - for stdin) instead of the cluster',
      );
  },
  // The implementation is imported on use, so `--help` and other commands never parse it.
  run: async (args, flags, ctx) => (await import('./run.js')).runSvc(args, flags, ctx),
};
