import type { ObjectRef } from './finding.js';

/*
 * Cluster DNS names, in a leaf module of its own: `kdiag lint` names Services in its hints on its hot path and must
 * not load the rest of core/k8s (test/unit/startup.test.ts). core/k8s/services.ts re-exports these.
 */

/** The cluster DNS domain unless the user or the cluster says otherwise. */
export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

/** The Service's fully qualified DNS name, `name.namespace.svc.<domain>`. */
export function serviceDnsName(ref: Pick<ObjectRef, 'name' | 'namespace'>, clusterDomain = DEFAULT_CLUSTER_DOMAIN): string {
  return `${ref.name}.${ref.namespace ?? 'default'}.svc.${clusterDomain}`;
}
