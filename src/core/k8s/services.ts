import { DEFAULT_CLUSTER_DOMAIN, serviceDnsName } from '../dns-names.js';
import type { Pod, Service, ServicePort } from './types.js';

/** What every command knows about Services: selector, headlessness, ports and DNS names. Pure. */

export { DEFAULT_CLUSTER_DOMAIN, serviceDnsName } from '../dns-names.js';

/** A Service selector that selects something: selectorless Services have none (or an empty map). */
export function selectorOf(svc: Service | undefined): Record<string, string> | undefined {
  const sel = svc?.spec?.selector;
  return sel && Object.keys(sel).length > 0 ? sel : undefined;
}

/** True when the Service is headless (`clusterIP: None`). */
export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

/** The Service's ports (`[]` when it declares none). */
export function servicePorts(svc: Service): ServicePort[] {
  return svc.spec?.ports ?? [];
}

/**
 * The DNS names that reach the Service from a pod: short name (same namespace only), `name.ns`, `name.ns.svc`,
 * the FQDN; for headless Services, per-pod names of pods whose hostname and subdomain are set.
 */
export function serviceDnsNames(svc: Service, pods: readonly Pod[], clusterDomain = DEFAULT_CLUSTER_DOMAIN): string[] {
  const name = svc.metadata.name;
  const ns = svc.metadata.namespace ?? 'default';
  const fqdn = serviceDnsName({ name, namespace: ns }, clusterDomain);
  const out = [name, `${name}.${ns}`, `${name}.${ns}.svc`, fqdn];
  if (isHeadless(svc)) {
    for (const p of pods) {
      // Pod templates (offline) have no hostname of their own: their names hold a `/`.
      if (p.spec?.hostname && p.spec.subdomain === name && !p.metadata.name.includes('/')) out.push(`${p.spec.hostname}.${fqdn}`);
    }
  }
  return out;
}
