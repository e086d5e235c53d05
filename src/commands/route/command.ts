import type { Command } from 'commander';
import type { CommandModule, Outcome } from '../types.js';
import { toRouteOptions, type RouteOptions } from './options.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export const routeCommand: CommandModule<RouteOptions, Outcome> = {
  name: 'route',
  summary: 'Follow a request from outside (URL, Ingress, HTTPRoute, NodePort, LoadBalancer) hop by hop to the pods',
  examples: [
    'kdiag route https://shop.example.com/api/v1',
    'kdiag route https://shop.example.com/api -n shop -X POST -H "X-Canary: true"',
    'kdiag route ingress/web -n shop',
    'kdiag route httproute/web -n shop -o json',
    'kdiag route svc/web -n shop          # the NodePort or LoadBalancer way in',
    'kubectl get ingress,svc,endpointslices,pods -A -o yaml | kdiag route https://shop.example.com/ -f -',
  ],
  shared: { output: ['text', 'json', 'yaml'], failOn: true, cluster: true, allNamespaces: true },
  configure(cmd: Command): void {
    cmd
      .argument('<target>', 'a URL (http or https), or ingress/NAME, httproute/NAME, svc/NAME')
      .option('-X, --method <method>', 'the request method, for HTTPRoute method matches')
      .option('-H, --header <header>', "a request header 'Name: value', for HTTPRoute header matches (repeatable)", collect)
      .option(
        '-f, --filename <file>',
        'read objects from a file (manifests, kubectl get -o yaml|json, a List; - for stdin) instead of the cluster',
      );
  },
  toOptions: toRouteOptions,
  run: async (options, ctx) => (await import('./run.js')).runRoute(options, ctx),
};
