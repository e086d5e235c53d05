import type { Command } from 'commander';
import type { CommandModule, Outcome } from '../types.js';
import { toSvcOptions, type SvcOptions } from './options.js';

export const svcCommand: CommandModule<SvcOptions, Outcome> = {
  name: 'svc',
  summary:
    'Explain why a Service has no endpoints or gets no traffic, and check the Ingresses and HTTPRoutes that route to it (live, or from a dump with -f)',
  examples: [
    'kdiag svc web -n my-app',
    'kdiag svc svc/web -n my-app        # the TYPE/NAME form, as in kubectl',
    'kdiag svc web -n my-app -f examples/my-app.yaml',
    'kubectl get svc,deploy,pods,endpointslices -n my-app -o yaml | kdiag svc web -f -',
    'kdiag svc web -n my-app -o json',
    'kdiag svc web -n shop -f test/fixtures/route/routes-to-service.yaml   # with the routes to it (Ingress, HTTPRoute)',
    'kdiag svc web -n my-app -f examples/my-app.yaml -o sarif > kdiag.sarif',
  ],
  shared: { output: ['text', 'wide', 'json', 'yaml', 'sarif'], failOn: true, cluster: true },
  configure(cmd: Command): void {
    cmd
      .argument('[name]', 'the Service (a pick list is offered in a terminal when omitted)')
      .option(
        '-f, --filename <file>',
        'read objects from a file (manifests, kubectl get -o yaml|json, a List; - for stdin) instead of the cluster',
      );
  },
  toOptions: toSvcOptions,
  // The implementation is imported on use, so `--help` and other commands never parse it.
  run: async (options, ctx) => (await import('./run.js')).runSvc(options, ctx),
};
