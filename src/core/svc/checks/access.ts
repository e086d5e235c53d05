import { rbacPartial } from '../../general-catalogue.js';
import type { Finding } from '../../finding.js';
import type { Denied } from '../../k8s/access.js';

// Access: reads the server refused, worded for `kdiag svc` (the finding itself is the general `rbac-partial`).

/** What a denied read prevented, in user terms. */
function deniedMeans(resource: string, allNamespaces: boolean): string {
  if (resource === 'pods')
    return allNamespaces
      ? 'pods matching the selector in other namespaces were not looked for'
      : "the namespace's pods were not compared with the selector (near misses)";
  if (resource === 'nodes') return "the pods' nodes were not checked (NotReady, gone)";
  if (resource === 'events') return 'events (probe failure messages, scheduling failures) were not read';
  if (resource.startsWith('networkpolicies')) return 'NetworkPolicies were not checked';
  if (resource.startsWith('endpointslices')) return 'EndpointSlices were not read (legacy Endpoints were used if allowed)';
  if (resource === 'endpoints') return 'legacy Endpoints were not read';
  if (resource === 'namespaces') return 'whether the namespace exists was not checked';
  if (resource === 'services')
    return allNamespaces
      ? 'Services of the same name in other namespaces were not looked for'
      : "the namespace's Service names were not read";
  if (/^(deployments|statefulsets|daemonsets|replicasets)/.test(resource))
    return 'workloads were not checked (scaled to zero, template labels)';
  return `${resource} were not read`;
}

/** `rbac-partial` for `kdiag svc`: one info finding per distinct denied read. */
export function svcRbacPartial(denied: readonly Denied[]): Finding[] {
  return rbacPartial(denied, { means: (d) => deniedMeans(d.resource, !d.namespace) });
}
