import ipaddr from 'ipaddr.js';
import { matchesMap } from '../core/k8s/selectors.js';
import { podIps } from '../core/k8s/pods.js';
import { R, type ClusterReader, type Denied } from '../cluster/reader.js';
import type { KubeObject, Node, Pod, Service } from '../core/k8s/types.js';
import { addressKey } from '../core/lint/engine.js';
import { serviceDnsName } from '../core/k8s/services.js';
import { DISTRIBUTION_DEFAULTS, parseCidr, type ClusterObjectInfo } from '../core/lint/ranges.js';

/**
 * What `kdiag lint --cluster` learns from the live cluster: the pod and Service ranges, and which object each
 * current pod, Service and node address belongs to. Reads go through the ClusterReader (the caller got it from
 * `ctx.cluster()`, which is what loads the Kubernetes client), so this module imports no client code.
 */
export interface ClusterFacts {
  podCidrs: string[];
  podSource: string;
  serviceCidrs: string[];
  serviceSource: string;
  objects: Map<string, ClusterObjectInfo>;
  /** Optional reads RBAC refused: they become `rbac-partial` findings. */
  denied: Denied[];
}

interface ServiceCIDRObject extends KubeObject {
  spec?: { cidrs?: string[] };
}

/** Reads ranges and objects. A failed required read throws ClusterAccessError (exit 3) from the reader. */
/** `clusterDomain` (`--cluster-domain`) names the Services' DNS names; cluster.local when unset. */
export async function readClusterFacts(reader: ClusterReader, clusterDomain?: string): Promise<ClusterFacts> {
  const denied: Denied[] = [];
  const objects = new Map<string, ClusterObjectInfo>();

  const [cidrObjs, services, pods, nodes] = await Promise.all([
    reader.tryList<ServiceCIDRObject>(R.servicecidrs),
    reader.tryList<Service>(R.services),
    reader.tryList<Pod>(R.pods),
    reader.tryList<Node>(R.nodes),
  ]);
  for (const r of [cidrObjs, services, pods, nodes]) if (!r.ok) denied.push(r.denied);

  // Service ranges: ServiceCIDR objects (Kubernetes 1.33+ serves them), else around the kubernetes Service's IP.
  const serviceCidrs: string[] = [];
  let serviceSource = '';
  if (cidrObjs.ok && cidrObjs.items.length > 0) {
    for (const o of cidrObjs.items) for (const c of o.spec?.cidrs ?? []) if (parseCidr(c)) serviceCidrs.push(c);
    serviceSource = `the cluster's ServiceCIDR ${cidrObjs.items.map((o) => o.metadata.name).join(', ')}`;
  }
  if (serviceCidrs.length === 0) {
    // From the Service list already read (a separate get would fail the run on a 403 the list reported).
    const kube = services.ok
      ? services.items.find((x) => x.metadata.name === 'kubernetes' && (x.metadata.namespace ?? 'default') === 'default')
      : undefined;
    const ips = kube?.spec?.clusterIPs ?? (kube?.spec?.clusterIP ? [kube.spec.clusterIP] : []);
    for (const ip of ips) {
      if (!ipaddr.isValid(ip)) continue;
      serviceCidrs.push(rangeAroundApiServiceIp(ip));
    }
    if (serviceCidrs.length > 0) serviceSource = `the cluster, around the kubernetes Service's IP ${ips.join(', ')}`;
  }

  // Pod ranges: node podCIDRs, else the /16 (IPv4) or /64 (IPv6) ranges of live pod IPs.
  let podCidrs: string[] = [];
  let podSource = '';
  if (nodes.ok) {
    const set = new Set<string>();
    for (const n of nodes.items) for (const c of n.spec?.podCIDRs ?? (n.spec?.podCIDR ? [n.spec.podCIDR] : [])) set.add(c);
    podCidrs = [...set].filter((c) => parseCidr(c));
    if (podCidrs.length > 0) podSource = "the cluster's node podCIDRs";
  }
  const liveServices = services.ok ? services.items : [];
  const livePods = pods.ok ? pods.items.filter((p) => !p.spec?.hostNetwork) : [];
  if (podCidrs.length === 0 && livePods.length > 0) {
    const set = new Set<string>();
    for (const p of livePods) for (const ip of validPodIps(p)) set.add(coarseRange(ip));
    podCidrs = [...set];
    if (podCidrs.length > 0) podSource = 'the ranges of live pod IPs';
  }

  // Objects: Services first, then pods with the Service that selects them, then nodes.
  const byNamespace = new Map<string, Service[]>();
  for (const s of liveServices) {
    const ns = s.metadata.namespace ?? 'default';
    const list = byNamespace.get(ns) ?? [];
    list.push(s);
    byNamespace.set(ns, list);
    const ref = { kind: 'Service', namespace: ns, name: s.metadata.name };
    for (const ip of s.spec?.clusterIPs ?? (s.spec?.clusterIP ? [s.spec.clusterIP] : [])) {
      const key = keyOf(ip);
      if (key) objects.set(key, { kind: 'Service', ref, dnsName: serviceDnsName(ref, clusterDomain) });
    }
  }
  for (const p of livePods) {
    const ns = p.metadata.namespace ?? 'default';
    const ref = { kind: 'Pod', namespace: ns, name: p.metadata.name };
    const labels = p.metadata.labels ?? {};
    const svc = (byNamespace.get(ns) ?? []).find((s) => {
      const sel = s.spec?.selector;
      return sel !== undefined && Object.keys(sel).length > 0 && matchesMap(sel, labels);
    });
    const info: ClusterObjectInfo = { kind: 'Pod', ref };
    if (svc) {
      info.via = { kind: 'Service', namespace: ns, name: svc.metadata.name };
      info.dnsName = serviceDnsName(info.via, clusterDomain);
    }
    for (const ip of validPodIps(p)) {
      const key = keyOf(ip);
      if (key && !objects.has(key)) objects.set(key, info);
    }
  }
  for (const n of nodes.ok ? nodes.items : []) {
    for (const a of n.status?.addresses ?? []) {
      if (a.type !== 'InternalIP' && a.type !== 'ExternalIP') continue;
      const key = keyOf(a.address);
      if (key && !objects.has(key)) objects.set(key, { kind: 'Node', ref: { kind: 'Node', name: n.metadata.name } });
    }
  }
  return { podCidrs, podSource, serviceCidrs, serviceSource, objects, denied };
}

function validPodIps(p: Pod): string[] {
  return podIps(p).filter((ip) => ipaddr.isValid(ip));
}

function keyOf(ip: string): string | undefined {
  if (!ipaddr.isValid(ip)) return undefined;
  let a = ipaddr.parse(ip);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  return addressKey(a);
}

/** The /16 (IPv4) or /64 (IPv6) holding `ip`: the range reported for live pod IPs when nodes have no podCIDR. */
function coarseRange(ip: string): string {
  const a = ipaddr.parse(ip);
  const bits = a.kind() === 'ipv4' ? 16 : 64;
  return `${networkOf(a, bits)}/${bits}`;
}

function networkOf(a: ipaddr.IPv4 | ipaddr.IPv6, bits: number): string {
  const bytes = a.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * The Service range when the API has no ServiceCIDR objects: the kubernetes Service takes the first address of
 * the range, so a distribution default holding it is the best guess; else the /16 (IPv4) or /112 (IPv6) around it.
 */
function rangeAroundApiServiceIp(ip: string): string {
  const a = ipaddr.parse(ip);
  for (const row of DISTRIBUTION_DEFAULTS) {
    for (const c of row.service) {
      const p = parseCidr(c);
      if (p && p[0].kind() === a.kind() && a.match(p[0], p[1])) return c;
    }
  }
  const bits = a.kind() === 'ipv4' ? 16 : 112;
  return `${networkOf(a, bits)}/${bits}`;
}
