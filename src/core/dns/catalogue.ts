import type { Severity } from '../finding.js';

/**
 * Every finding `kdiag dns` can report. Same fields as the shared CatalogueEntry (src/core/catalogue.ts), with
 * area `dns`; the command wiring adds `dns` to CatalogueEntry's area and DNS_CATALOGUE to src/core/catalogues.ts.
 * `severity` is the default; where an entry says so, a check raises or lowers it.
 */
export const DNS_CATALOGUE = [
  {
    code: 'dns-name-not-found',
    severity: 'error',
    area: 'dns',
    title: 'Name does not resolve',
    meaning: 'No name the client tries (the name itself and each search-list expansion) exists in cluster DNS.',
    detection:
      "kdiag replays the client's resolver (search list, ndots) against the Services, EndpointSlices and pods it read, answering each question as CoreDNS's kubernetes plugin does. Close Service names in every namespace are suggested.",
    fix: 'Use one of the suggested names, or create the Service. From another namespace, use <service>.<namespace>.',
  },
  {
    code: 'dns-cross-namespace-short-name',
    severity: 'error',
    area: 'dns',
    title: 'Short name used across namespaces',
    meaning:
      "A bare Service name only resolves in the client's own namespace (the search list starts with <client-namespace>.svc). The Service exists, but in another namespace.",
    detection: 'The short name is not a Service in the client namespace, and a Service of exactly that name exists in another namespace.',
    fix: 'Use <service>.<namespace> (or the full name <service>.<namespace>.svc.<cluster-domain>).',
  },
  {
    code: 'dns-custom-cluster-domain',
    severity: 'error',
    area: 'dns',
    title: 'Name hard-codes another cluster domain',
    meaning:
      'The name ends in a cluster domain (often cluster.local) that this cluster does not serve, so every lookup fails or leaves the cluster.',
    detection:
      'The labels after .svc. or .pod. differ from every zone of the CoreDNS kubernetes plugin (or the cluster domain from --cluster-domain or the pod\u2019s resolv.conf).',
    fix: 'Drop the domain (<service>.<namespace> works in every cluster) or use the cluster\u2019s domain.',
  },
  {
    code: 'dns-headless-no-ready-pods',
    severity: 'error',
    area: 'dns',
    title: 'Headless Service without ready endpoints',
    meaning:
      'A headless Service (clusterIP: None) answers with the addresses of its ready endpoints; with none, the name does not exist (NXDOMAIN) and the resolver moves on.',
    detection: 'The Service is headless and none of its EndpointSlice endpoints is ready (publishNotReadyAddresses counts every endpoint).',
    fix: 'Make the pods ready (kdiag svc <service> -n <namespace> explains why they are not), or set publishNotReadyAddresses: true when clients must find pods before they are ready (StatefulSet peers).',
  },
  {
    code: 'dns-headless-client-balancing',
    severity: 'info',
    area: 'dns',
    title: 'Headless Service: clients balance, not kube-proxy',
    meaning:
      'A headless name answers with every ready pod IP. Most clients take the first address and keep it (and DNS caches it), so load is not spread and a client may hold on to a pod that is gone.',
    detection: 'The name resolves to a headless Service with more than one address.',
    fix: 'Give the Service a cluster IP for balancing by kube-proxy, or use a client that resolves again and balances over all addresses (gRPC round_robin, a service mesh).',
  },
  {
    code: 'dns-service-no-endpoints',
    severity: 'warning',
    area: 'dns',
    title: 'Name resolves, nothing answers behind it',
    meaning:
      'The name resolves to the Service\u2019s cluster IP, but the Service has no ready endpoint, so connections are refused or time out. (With CoreDNS\u2019s "ignore empty_service" the name does not even resolve: then it is an error.)',
    detection: 'The Service is not headless and none of its EndpointSlice endpoints is ready; the cause comes from the svc diagnosis.',
    fix: 'kdiag svc <service> -n <namespace> explains why the Service has no endpoints.',
  },
  {
    code: 'dns-port-not-on-service',
    severity: 'error',
    area: 'dns',
    title: 'Port is not a port of the Service',
    meaning:
      'The URL connects to a port the Service does not expose, so the name resolves but the connection fails. For a headless Service the client connects to the pods directly, so the port must be a port the endpoints serve.',
    detection:
      'The port of the URL (or its scheme\u2019s default) is compared with spec.ports[].port, or for a headless Service with the ports of its EndpointSlices. ExternalName Services are not checked.',
    fix: 'Use one of the Service\u2019s ports in the URL, or add the port to the Service.',
  },
  {
    code: 'dns-pod-dns-policy',
    severity: 'warning',
    area: 'dns',
    title: 'Client pod does not use cluster DNS',
    meaning:
      'With dnsPolicy Default (or ClusterFirst on hostNetwork, which falls back to Default) the pod uses the node\u2019s resolver, which does not know cluster names; with None it uses only its dnsConfig.',
    detection: 'The --from-pod pod has dnsPolicy Default or None, or hostNetwork: true without dnsPolicy ClusterFirstWithHostNet.',
    fix: 'Set dnsPolicy: ClusterFirst (ClusterFirstWithHostNet for hostNetwork pods), or list the cluster DNS server and search domains in dnsConfig.',
  },
  {
    code: 'dns-probe-mismatch',
    severity: 'error',
    area: 'dns',
    title: 'The pod sees a different answer',
    meaning:
      'A lookup made inside the pod (--probe) returned something other than what the cluster\u2019s objects say DNS should answer: a stale cache (NodeLocal DNSCache, the application), a different resolver, or a search domain answering first.',
    detection: 'Addresses are compared as sets; SRV records by port and target only (priority and weight are ignored).',
    fix: 'Compare the pod\u2019s /etc/resolv.conf with the expected one, check NodeLocal DNSCache and the CoreDNS Corefile, and restart clients that cache answers.',
  },
] as const satisfies readonly {
  code: string;
  severity: Severity;
  area: 'dns';
  title: string;
  meaning: string;
  detection: string;
  fix: string;
}[];

export type DnsCode = (typeof DNS_CATALOGUE)[number]['code'];

const BY_CODE = new Map<string, (typeof DNS_CATALOGUE)[number]>(DNS_CATALOGUE.map((e) => [e.code, e]));

/** The catalogue entry of a code (typed: a typo does not compile). */
export function dnsEntry(code: DnsCode): (typeof DNS_CATALOGUE)[number] {
  return BY_CODE.get(code)!;
}
