import type { Finding } from '../finding.js';
import type { EndpointSlice, EndpointSliceEndpoint, KubeObject, Pod, PodSpec, Service } from '../k8s/types.js';

/** Where the cluster DNS domain came from, strongest first. */
export type ClusterDomainSource = 'flag' | 'resolv.conf' | 'corefile' | 'assumed';

/** What `kdiag dns` needs to know of the CoreDNS configuration (see `parseCorefile` for the full parse). */
export interface CorefileFacts {
  /** Every zone the `kubernetes` plugin serves, lower case, no trailing dot (`cluster.local`, `in-addr.arpa`). */
  zones: string[];
  /** `ignore empty_service`: a ClusterIP Service without ready endpoints answers NXDOMAIN. */
  ignoreEmptyService: boolean;
  /** `pods disabled|insecure|verified` (the plugin's default is disabled; kubeadm's Corefile says insecure). */
  pods?: 'disabled' | 'insecure' | 'verified';
}

/** An EndpointSlice endpoint with the DNS field the shared type does not carry yet. */
export interface DnsEndpoint extends EndpointSliceEndpoint {
  /** Set by the EndpointSlice controller from pod.spec.hostname when pod.spec.subdomain names the Service. */
  hostname?: string;
}

/** A pod spec with the DNS fields the shared type does not carry yet. */
export interface DnsPodSpec extends PodSpec {
  dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] };
}

export interface Namespace extends KubeObject {
  status?: { phase?: string };
}

/** A read the server refused (the same shape as src/cluster/reader.ts's Denied, restated: core cannot import it). */
export interface DnsDenied {
  verb: string;
  resource: string;
  namespace?: string;
  message: string;
}

/**
 * Everything `explainDns` looks at, read beforehand by the command. Lists hold what was read; an absent
 * optional list means "not read" (the engine then says what it could not check).
 */
export interface DnsSnapshot {
  /** The namespace the client pod runs in (`-n`, or the pod's namespace with --from-pod). */
  clientNamespace: string;
  /** The cluster DNS domain, e.g. `cluster.local`, without a trailing dot. */
  clusterDomain: string;
  clusterDomainSource: ClusterDomainSource;
  /** Services of every namespace kdiag could list (for answers, suggestions and cross-namespace checks). */
  services: Service[];
  /** EndpointSlices of the Services that matter (at least the one the name resolves to). */
  endpointSlices: EndpointSlice[];
  /** Pods that matter for pod records (e.g. those whose spec.subdomain names a headless Service). */
  pods: Pod[];
  /** Namespace names (or objects) that exist; absent when not read: then the namespaces of `services` count. */
  namespaces?: (string | Namespace)[];
  /** From the CoreDNS ConfigMap, when it could be read. */
  corefile?: CorefileFacts;
  /** The pod the lookup is made from (--from-pod): its dnsPolicy, dnsConfig and hostNetwork matter. */
  clientPod?: Pod;
  /** Reads the server refused. */
  denied?: DnsDenied[];
}

/** What the resolver library is configured with (the pod's /etc/resolv.conf, or kdiag's model of it). */
export interface ResolvConf {
  nameservers: string[];
  search: string[];
  /** `options ndots:N`; the resolver's own default is 1, Kubernetes writes 5. */
  ndots: number;
  /** Every other option as written (`timeout:2`, `attempts:3`, `single-request-reopen`, ...). */
  options: string[];
}

export type RecordType = 'A' | 'AAAA' | 'SRV' | 'CNAME';

export interface SrvValue {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

/** One record of an answer. `name` is the owner name (lower case, no trailing dot). */
export type DnsRecord =
  | { type: 'A' | 'AAAA'; name: string; value: string }
  | { type: 'CNAME'; name: string; value: string }
  | { type: 'SRV'; name: string; value: SrvValue };

/**
 * One question the client's resolver sends. UPSTREAM: the name is outside every zone cluster DNS serves, so
 * CoreDNS forwards it; kdiag does not check what comes back.
 */
export interface DnsQuery {
  name: string;
  type: 'A' | 'AAAA' | 'SRV';
  result: 'NOERROR' | 'NXDOMAIN' | 'NODATA' | 'UPSTREAM';
  /** The object that answered (or that the name points at, for NODATA). */
  object?: { kind: string; namespace?: string; name: string };
  /** Why, in a few words: `no Service "web" in namespace "default"`. */
  reason?: string;
}

/** How the typed NAME was read. */
export interface ParsedName {
  /** As typed. */
  input: string;
  /** The DNS name the client looks up: lower case, no trailing dot, no scheme, port or path. */
  host: string;
  /** The name ends in a dot: the resolver tries it only as written. */
  absolute: boolean;
  /** From a URL or `host:port`. */
  port?: number;
  scheme?: string;
  /**
   * service: `web`, `web.ns`, `web.ns.svc[.domain]`; srv: `_port._proto.web.ns.svc[.domain]`; endpoint:
   * `host.web.ns[.svc[.domain]]` (a pod record of a headless Service, by hostname or dashed IP); pod:
   * `a-b-c-d.ns.pod[.domain]`; ip: an IP address (no lookup); other: anything else (`example.com`).
   */
  kind: 'service' | 'srv' | 'endpoint' | 'pod' | 'ip' | 'other';
  /** The query type the lookup uses: SRV for `_port._proto.` names, else addresses. */
  queryType: 'address' | 'SRV';
  service?: string;
  namespace?: string;
  endpoint?: string;
  srv?: { port: string; protocol: string };
  /** The domain written after `svc`/`pod` (`cluster.local` in `web.ns.svc.cluster.local`), when there is one. */
  domain?: string;
}

/** An answer a probe observed from inside a pod (`getent ahosts`, `nslookup -type=SRV`). */
export interface ObservedAnswer {
  /** The command that produced it, for evidence: `getent ahosts web.my-app`. */
  source: string;
  /** Addresses (A/AAAA lookups). */
  addresses?: string[];
  /** SRV records (SRV lookups). */
  srv?: SrvValue[];
  /** The lookup failed: `NXDOMAIN`, `NODATA`, `SERVFAIL`, `timeout`. */
  error?: string;
}

export interface ExplainDnsOptions {
  /** From --probe: the client pod's resolv.conf and what the lookup returned there. */
  probe?: { resolvConf?: ResolvConf; observed?: ObservedAnswer };
  /**
   * For `dns-service-no-endpoints`: one line saying why the Service has no ready endpoints (from the svc
   * engine, which the command runs); undefined when unknown.
   */
  noEndpointsCause?: (service: { namespace: string; name: string }) => string | undefined;
  /** Address query types the client sends for each name (getaddrinfo sends both; default ['A', 'AAAA']). */
  addressTypes?: ('A' | 'AAAA')[];
}

/** The JSON document of `kdiag dns`, minus schemaVersion and command. */
export interface DnsReport {
  query: ParsedName;
  clientNamespace: string;
  clusterDomain: string;
  clusterDomainSource: ClusterDomainSource;
  /** The search list and ndots the walk used, and where they came from. */
  resolver: { search: string[]; ndots: number; source: 'probe' | 'pod' | 'kubernetes-default' };
  queries: DnsQuery[];
  answer: { records: DnsRecord[] };
  findings: Finding[];
  /** What kdiag could not check, in sentences (node search domains unknown, upstream names, denied reads). */
  notes: string[];
}

export type { EndpointSlice, Pod, Service };
