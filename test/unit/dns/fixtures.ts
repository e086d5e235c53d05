import type { EndpointSlice, Pod, Service, ServicePort } from '../../../src/core/k8s/types.js';
import { parseDnsName } from '../../../src/core/dns/name.js';
import type { DnsEndpoint, DnsSnapshot, ParsedName } from '../../../src/core/dns/types.js';

/** A ClusterIP Service (pass clusterIP: 'None' for headless, type: 'ExternalName' with externalName). */
export function svc(
  name: string,
  ns: string,
  spec: Partial<NonNullable<Service['spec']>> = {},
  ports: ServicePort[] = [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }],
): Service {
  const clusterIP = spec.clusterIP ?? (spec.type === 'ExternalName' ? undefined : '10.96.0.20');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: ns },
    spec: {
      selector: { app: name },
      ports,
      ...(clusterIP ? { clusterIP, clusterIPs: [clusterIP] } : {}),
      ...spec,
    },
  };
}

export function headless(name: string, ns: string, spec: Partial<NonNullable<Service['spec']>> = {}, ports?: ServicePort[]): Service {
  return svc(name, ns, { clusterIP: 'None', clusterIPs: ['None'], ...spec }, ports);
}

export interface Ep {
  ip: string;
  ready?: boolean;
  pod?: string;
  hostname?: string;
}

/** An EndpointSlice of Service `service` with the given endpoints and ports. */
export function slice(
  service: string,
  ns: string,
  eps: Ep[],
  ports: { name?: string; port: number; protocol?: string }[] = [{ name: 'http', port: 8080, protocol: 'TCP' }],
  addressType = 'IPv4',
): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-abcde`, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType,
    endpoints: eps.map((e): DnsEndpoint => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true },
      ...(e.pod ? { targetRef: { kind: 'Pod', namespace: ns, name: e.pod } } : {}),
      ...(e.hostname ? { hostname: e.hostname } : {}),
    })),
    ports,
  };
}

export function pod(name: string, ns: string, spec: Record<string, unknown> = {}, labels: Record<string, string> = {}, ip?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: { containers: [{ name: 'app' }], ...spec },
    status: { phase: 'Running', ...(ip ? { podIP: ip } : {}) },
  };
}

export function snapshot(over: Partial<DnsSnapshot> = {}): DnsSnapshot {
  return {
    clientNamespace: 'default',
    clusterDomain: 'cluster.local',
    clusterDomainSource: 'corefile',
    services: [],
    endpointSlices: [],
    pods: [],
    namespaces: ['default', 'kube-system', 'my-app', 'data', 'staging'],
    ...over,
  };
}

export function name(text: string): ParsedName {
  const r = parseDnsName(text);
  if (!r.ok) throw new Error(`${text}: ${r.message}`);
  return r.name;
}
