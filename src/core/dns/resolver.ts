import type { Pod, Service } from '../k8s/types.js';
import { isIpLiteral } from '../general-catalogue.js';
import { dashIp, undashIp } from './name.js';
import type {
  DnsEndpoint,
  DnsPodSpec,
  DnsQuery,
  DnsRecord,
  DnsSnapshot,
  EndpointSlice,
  ParsedName,
  ResolvConf,
  SrvValue,
} from './types.js';

// ---------------------------------------------------------------------------------------------------------------
// The client side: which names a pod's resolver (glibc or musl, both follow resolv.conf) asks for, in order.

/** The search list kubelet writes for dnsPolicy ClusterFirst, before the node's own search domains. */
export function clusterSearchList(namespace: string, domain: string): string[] {
  return [`${namespace}.svc.${domain}`, `svc.${domain}`, domain];
}

/** The resolver configuration the walk uses, and how much of it is known. */
export interface EffectiveResolver {
  search: string[];
  ndots: number;
  source: 'probe' | 'pod' | 'kubernetes-default';
  /** The node's search domains come after `search` but are not known (no probe). */
  nodeSearchUnknown: boolean;
  /** The pod's queries go to cluster DNS (false for dnsPolicy Default, or ClusterFirst with hostNetwork). */
  clusterDns: boolean;
  /** The pod's effective dnsPolicy, when a client pod was given. */
  policy?: string;
}

/** The dnsPolicy that applies: ClusterFirst on hostNetwork falls back to Default, as kubelet does. */
export function effectivePolicy(pod: Pod): { written: string; effective: string } {
  const written = pod.spec?.dnsPolicy || 'ClusterFirst';
  if (written === 'ClusterFirst' && pod.spec?.hostNetwork) return { written, effective: 'Default' };
  if (written === 'ClusterFirstWithHostNet') return { written, effective: 'ClusterFirst' };
  return { written, effective: written };
}

function ndotsOption(options: { name: string; value?: string }[] | undefined): number | undefined {
  const o = (options ?? []).filter((x) => x.name === 'ndots').pop();
  const n = o?.value !== undefined ? Number(o.value) : NaN;
  return Number.isInteger(n) && n >= 0 ? Math.min(n, 15) : undefined;
}

/**
 * The search list and ndots of the client: the probe's resolv.conf when there is one; else kubelet's rules for the
 * client pod's dnsPolicy and dnsConfig; else ClusterFirst in the client namespace (search list of three cluster
 * domains, then the node's, ndots 5).
 */
export function effectiveResolver(s: DnsSnapshot, domain: string, probe?: ResolvConf): EffectiveResolver {
  if (probe) return { search: probe.search, ndots: probe.ndots, source: 'probe', nodeSearchUnknown: false, clusterDns: true };
  const base = clusterSearchList(s.clientNamespace, domain);
  if (!s.clientPod) return { search: base, ndots: 5, source: 'kubernetes-default', nodeSearchUnknown: true, clusterDns: true };
  const spec = s.clientPod.spec as DnsPodSpec | undefined;
  const { effective } = effectivePolicy(s.clientPod);
  const extra = spec?.dnsConfig?.searches ?? [];
  const ndots = ndotsOption(spec?.dnsConfig?.options);
  if (effective === 'Default') {
    return { search: extra, ndots: ndots ?? 1, source: 'pod', nodeSearchUnknown: true, clusterDns: false, policy: effective };
  }
  if (effective === 'None') {
    return { search: extra, ndots: ndots ?? 1, source: 'pod', nodeSearchUnknown: false, clusterDns: true, policy: effective };
  }
  const search = [...new Set([...base, ...extra])];
  return { search, ndots: ndots ?? 5, source: 'pod', nodeSearchUnknown: true, clusterDns: true, policy: effective };
}

/**
 * The names the resolver tries, in order (the resolv.conf rules glibc and musl share): a name ending in a dot is
 * tried only as written; a name with at least `ndots` dots is tried as written first, then with each search
 * domain; any other name goes through the search list first and is tried as written last.
 */
export function candidateNames(host: string, absolute: boolean, search: readonly string[], ndots: number): string[] {
  if (absolute) return [host];
  const dots = (host.match(/\./g) ?? []).length;
  const searched = search.map((d) => `${host}.${d.replace(/\.$/, '').toLowerCase()}`);
  return dots >= ndots ? [host, ...searched] : [...searched, host];
}

// ---------------------------------------------------------------------------------------------------------------
// The server side: how CoreDNS's kubernetes plugin answers one question.

/** Why a lookup found nothing (for findings). */
export type Miss =
  | 'bad-shape'
  | 'no-namespace'
  | 'no-service'
  | 'headless-no-ready'
  | 'empty-service'
  | 'external-name-ip'
  | 'no-port'
  | 'no-endpoint'
  | 'pods-disabled'
  | 'no-pod';

export interface LookupResult {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'NODATA';
  records: DnsRecord[];
  reason: string;
  service?: Service;
  miss?: Miss;
  /** The zone the name fell in. */
  zone: string;
}

/** The served objects, indexed once per explanation. */
export interface ClusterIndex {
  zones: string[];
  ignoreEmptyService: boolean;
  podMode: 'disabled' | 'insecure' | 'verified';
  services: Map<string, Service>;
  slices: Map<string, EndpointSlice[]>;
  namespaces: Set<string>;
  pods: Pod[];
}

const key = (ns: string, name: string) => `${ns}/${name}`;

function normZone(z: string): string {
  return z.toLowerCase().replace(/\.$/, '');
}

/** Indexes a snapshot for lookups. `domain` is the cluster domain in effect. */
export function indexCluster(s: DnsSnapshot, domain: string): ClusterIndex {
  const zones = s.corefile && s.corefile.zones.length > 0 ? s.corefile.zones.map(normZone) : [normZone(domain)];
  const services = new Map<string, Service>();
  for (const svc of s.services) services.set(key(svc.metadata.namespace ?? 'default', svc.metadata.name), svc);
  const slices = new Map<string, EndpointSlice[]>();
  for (const sl of s.endpointSlices) {
    const owner = sl.metadata.labels?.['kubernetes.io/service-name'];
    if (!owner) continue;
    const k = key(sl.metadata.namespace ?? 'default', owner);
    slices.set(k, [...(slices.get(k) ?? []), sl]);
  }
  const namespaces = new Set<string>();
  if (s.namespaces) for (const n of s.namespaces) namespaces.add(typeof n === 'string' ? n : n.metadata.name);
  else {
    namespaces.add(s.clientNamespace);
    for (const o of [...s.services, ...s.pods, ...s.endpointSlices]) namespaces.add(o.metadata.namespace ?? 'default');
  }
  return {
    zones,
    ignoreEmptyService: s.corefile?.ignoreEmptyService ?? false,
    podMode: s.corefile?.pods ?? 'insecure',
    services,
    slices,
    namespaces,
    pods: s.pods,
  };
}

/** The longest served zone `fqdn` falls in, or undefined (the name goes upstream). */
export function zoneOf(fqdn: string, zones: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const z of zones) {
    if (z === '' || fqdn === z || fqdn.endsWith(`.${z}`)) if (best === undefined || z.length > best.length) best = z;
  }
  return best;
}

export function isHeadless(svc: Service): boolean {
  return svc.spec?.clusterIP === 'None';
}

export function isExternalName(svc: Service): boolean {
  return svc.spec?.type === 'ExternalName';
}

/** An address of an endpoint as DNS sees it. */
export interface DnsAddress {
  ip: string;
  /** The label CoreDNS gives it: the endpoint's hostname, else the dashed IP. */
  label: string;
  ready: boolean;
  slice: EndpointSlice;
  endpoint: DnsEndpoint;
}

/** Every address of the Service's slices (ready or not), in slice order. */
export function addressesOf(idx: ClusterIndex, svc: Service): DnsAddress[] {
  const out: DnsAddress[] = [];
  for (const sl of idx.slices.get(key(svc.metadata.namespace ?? 'default', svc.metadata.name)) ?? []) {
    if (sl.addressType === 'FQDN') continue;
    for (const ep of (sl.endpoints ?? []) as DnsEndpoint[]) {
      for (const ip of ep.addresses)
        out.push({ ip, label: ep.hostname || dashIp(ip), ready: ep.conditions?.ready ?? true, slice: sl, endpoint: ep });
    }
  }
  return out;
}

/**
 * The addresses DNS publishes: ready ones. With publishNotReadyAddresses the EndpointSlice controller marks
 * every endpoint ready; kdiag also counts unready ones then, so a hand-edited slice reads the same way.
 */
export function publishedAddresses(idx: ClusterIndex, svc: Service): DnsAddress[] {
  const all = addressesOf(idx, svc);
  return svc.spec?.publishNotReadyAddresses ? all : all.filter((a) => a.ready);
}

const isV6 = (ip: string) => ip.includes(':');
const familyOk = (type: 'A' | 'AAAA', ip: string) => (type === 'AAAA' ? isV6(ip) : !isV6(ip));

/** The cluster IPs of a non-headless Service; `(not allocated)` when the input has none (a manifest). */
export const UNALLOCATED = '(cluster IP not allocated in the input)';
function clusterIps(svc: Service): string[] {
  const ips = svc.spec?.clusterIPs?.length ? svc.spec.clusterIPs : svc.spec?.clusterIP ? [svc.spec.clusterIP] : [];
  return ips.filter((ip) => ip !== 'None');
}

function addressRecords(name: string, type: 'A' | 'AAAA', ips: readonly string[]): DnsRecord[] {
  return [...new Set(ips.filter((ip) => familyOk(type, ip)))].map((value) => ({ type, name, value }));
}

/**
 * SRV weights as CoreDNS computes them: every record it builds carries no weight of its own, which counts as 100,
 * and it divides 100 among the records of the same priority (all are priority 0): floor(100 / n), at least 1.
 * n counts the records before duplicates are dropped, so a dual-stack ClusterIP Service (one record per cluster
 * IP, both with the same target and port) shows a single record of weight 50. Source: CoreDNS's SRV answer code
 * (plugin/backend_lookup.go) and the kubernetes plugin's service lookup (plugin/kubernetes/kubernetes.go).
 */
function srvRecords(name: string, entries: readonly { port: number; target: string }[]): DnsRecord[] {
  const weight = Math.max(1, Math.floor(100 / Math.max(1, entries.length)));
  const seen = new Set<string>();
  const out: DnsRecord[] = [];
  for (const e of entries) {
    const k = `${e.target}:${e.port}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const value: SrvValue = { priority: 0, weight, port: e.port, target: e.target };
    out.push({ type: 'SRV', name, value });
  }
  return out;
}

const eq = (a: string | undefined, b: string | undefined) => (a ?? '').toLowerCase() === (b ?? '').toLowerCase();

/**
 * Answers one question as CoreDNS's kubernetes plugin does, for a name inside a served zone:
 * `<svc>.<ns>.svc.<zone>` (cluster IPs; a headless Service's ready endpoints; an ExternalName's CNAME),
 * `<endpoint>.<svc>.<ns>.svc.<zone>` (an endpoint by hostname or dashed IP), `_<port>._<proto>.<svc>.<ns>.svc.<zone>`
 * (SRV), `<dashed-ip>.<ns>.pod.<zone>` (pod records, per the `pods` mode). The zone apex, `svc.<zone>`,
 * `pod.<zone>` and `<ns>.svc.<zone>` of an existing namespace exist without addresses (NODATA); anything else
 * is NXDOMAIN. Names are compared case-insensitively.
 */
export function lookup(idx: ClusterIndex, fqdn: string, zone: string, type: 'A' | 'AAAA' | 'SRV', depth = 0): LookupResult {
  const base = zone === '' ? fqdn : fqdn === zone ? '' : fqdn.slice(0, -(zone.length + 1));
  const nodata = (reason: string): LookupResult => ({ rcode: 'NODATA', records: [], reason, zone });
  const nx = (reason: string, miss: Miss, service?: Service): LookupResult => ({
    rcode: 'NXDOMAIN',
    records: [],
    reason,
    miss,
    zone,
    ...(service ? { service } : {}),
  });
  if (base === '' || base === 'svc' || base === 'pod') return nodata(`${fqdn} exists but holds no ${type} record`);
  const segs = base.split('.');
  const kind = segs.pop()!;
  if (kind !== 'svc' && kind !== 'pod') return nx(`names in ${zone} end in .svc.${zone} or .pod.${zone}`, 'bad-shape');
  const ns = segs.pop()!;
  if (!idx.namespaces.has(ns)) return nx(`namespace "${ns}" does not exist`, 'no-namespace');
  if (segs.length === 0) return nodata(`namespace "${ns}" exists, but ${fqdn} holds no ${type} record`);
  if (kind === 'pod') return lookupPod(idx, segs, ns, zone, type, nx);
  const name = segs.pop()!;
  if (segs.length > 2) return nx(`${fqdn} has too many labels for a Service record`, 'bad-shape');
  const svc = idx.services.get(key(ns, name));
  if (!svc) return nx(`no Service "${name}" in namespace "${ns}"`, 'no-service');
  const endpoint = segs.length === 1 ? segs[0] : undefined;
  const port = segs.length === 2 ? { name: segs[0]!.replace(/^_/, ''), protocol: segs[1]!.replace(/^_/, '') } : undefined;
  const ok = (records: DnsRecord[], reason: string): LookupResult =>
    records.length > 0 ? { rcode: 'NOERROR', records, reason, service: svc, zone } : { ...nodata(reason), service: svc };
  const svcFqdn = `${name}.${ns}.svc.${zone}`;

  if (isExternalName(svc)) {
    if (endpoint !== undefined) return nx(`ExternalName Service "${name}" has no endpoint records`, 'no-endpoint', svc);
    const target = (svc.spec?.externalName ?? '').toLowerCase().replace(/\.$/, '');
    if (target === '' || isIpLiteral(target)) {
      return nx(
        `spec.externalName "${svc.spec?.externalName ?? ''}" is not a host name: CoreDNS serves no record for it`,
        'external-name-ip',
        svc,
      );
    }
    const cname: DnsRecord = { type: 'CNAME', name: fqdn, value: target };
    const records: DnsRecord[] = [cname];
    const targetZone = zoneOf(target, idx.zones);
    if (targetZone !== undefined && depth < 8) records.push(...lookup(idx, target, targetZone, type, depth + 1).records);
    return { rcode: 'NOERROR', records, reason: `ExternalName Service "${name}" is a CNAME to ${target}`, service: svc, zone };
  }

  const published = publishedAddresses(idx, svc);
  if (idx.ignoreEmptyService && !isHeadless(svc) && published.length === 0) {
    return nx(`Service "${name}" has no ready endpoints and CoreDNS is configured with "ignore empty_service"`, 'empty-service', svc);
  }

  if (endpoint !== undefined) {
    const hits = published.filter((a) => eq(a.label, endpoint));
    if (hits.length === 0) return nx(`no ready endpoint of Service "${name}" is named "${endpoint}"`, 'no-endpoint', svc);
    if (type === 'SRV') return ok([], `${fqdn} holds address records only`);
    return ok(
      addressRecords(
        fqdn,
        type,
        hits.map((a) => a.ip),
      ),
      `endpoint ${endpoint} of Service "${name}"`,
    );
  }

  if (isHeadless(svc)) {
    if (published.length === 0) return nx(`headless Service "${name}" has no ready endpoints`, 'headless-no-ready', svc);
    if (type !== 'SRV') {
      return ok(
        addressRecords(
          fqdn,
          type,
          published.map((a) => a.ip),
        ),
        `headless Service "${name}": its ready endpoints`,
      );
    }
    if (!port) return ok([], `SRV records live at _<port>._<proto>.${svcFqdn}`);
    const entries: { port: number; target: string }[] = [];
    for (const a of published) {
      for (const p of a.slice.ports ?? []) {
        if (eq(p.name, port.name) && eq(p.protocol ?? 'TCP', port.protocol) && p.port !== undefined) {
          entries.push({ port: p.port, target: `${a.label}.${svcFqdn}` });
        }
      }
    }
    if (entries.length === 0)
      return nx(`no endpoint of Service "${name}" has a port named "${port.name}" over ${port.protocol.toUpperCase()}`, 'no-port', svc);
    return ok(srvRecords(fqdn, entries), `headless Service "${name}": one SRV record per ready endpoint`);
  }

  const ips = clusterIps(svc);
  if (type !== 'SRV') {
    if (ips.length === 0) return ok(type === 'A' ? [{ type: 'A', name: fqdn, value: UNALLOCATED }] : [], `Service "${name}"`);
    return ok(addressRecords(fqdn, type, ips), `Service "${name}": its cluster IP`);
  }
  if (!port) return ok([], `SRV records live at _<port>._<proto>.${svcFqdn}`);
  const entries: { port: number; target: string }[] = [];
  for (const p of svc.spec?.ports ?? []) {
    if (eq(p.name, port.name) && eq(p.protocol ?? 'TCP', port.protocol)) {
      for (let i = 0; i < Math.max(1, ips.length); i++) entries.push({ port: p.port, target: svcFqdn });
    }
  }
  if (entries.length === 0)
    return nx(`Service "${name}" has no port named "${port.name}" over ${port.protocol.toUpperCase()}`, 'no-port', svc);
  return ok(srvRecords(fqdn, entries), `Service "${name}": one SRV record per matching port`);
}

function lookupPod(
  idx: ClusterIndex,
  segs: string[],
  ns: string,
  zone: string,
  type: 'A' | 'AAAA' | 'SRV',
  nx: (reason: string, miss: Miss) => LookupResult,
): LookupResult {
  if (segs.length !== 1) return nx(`pod records are <dashed-ip>.${ns}.pod.${zone}`, 'bad-shape');
  if (idx.podMode === 'disabled') return nx('CoreDNS is configured with "pods disabled": no pod records', 'pods-disabled');
  const ip = undashIp(segs[0]!);
  if (!ip) return nx(`"${segs[0]}" is not a dashed IP address`, 'bad-shape');
  if (idx.podMode === 'verified') {
    const pod = idx.pods.find((p) => (p.metadata.namespace ?? 'default') === ns && p.status?.podIP === ip);
    if (!pod) return nx(`no pod in namespace "${ns}" has IP ${ip} ("pods verified")`, 'no-pod');
  }
  const fqdn = `${segs[0]}.${ns}.pod.${zone}`;
  const records = type === 'SRV' ? [] : addressRecords(fqdn, type, [ip]);
  return records.length > 0
    ? { rcode: 'NOERROR', records, reason: `pod record for ${ip}`, zone }
    : { rcode: 'NODATA', records: [], reason: `${fqdn} holds no ${type} record`, zone };
}

// ---------------------------------------------------------------------------------------------------------------
// The walk: the client's questions, each answered, until one has an answer.

export interface Walk {
  queries: DnsQuery[];
  /** The name that answered, with its result; undefined when none in the cluster did. */
  answered?: { fqdn: string; results: LookupResult[] };
  /** Every cluster lookup made, by name (for findings). */
  lookups: { fqdn: string; result: LookupResult }[];
  /** The walk reached names outside the cluster zones (unchecked). */
  reachedUpstream: boolean;
}

/**
 * Sends the candidate names in order, each with the query types the client uses, and stops at the first name
 * that has records (NODATA does not stop a resolver: it moves on to the next search domain).
 */
export function walk(idx: ClusterIndex, parsed: ParsedName, resolver: EffectiveResolver, addressTypes: readonly ('A' | 'AAAA')[]): Walk {
  const types: ('A' | 'AAAA' | 'SRV')[] = parsed.queryType === 'SRV' ? ['SRV'] : [...addressTypes];
  const names = candidateNames(parsed.host, parsed.absolute, resolver.search, resolver.ndots);
  const out: Walk = { queries: [], lookups: [], reachedUpstream: false };
  for (const fqdn of names) {
    const zone = resolver.clusterDns ? zoneOf(fqdn, idx.zones) : undefined;
    if (zone === undefined) {
      out.reachedUpstream = true;
      for (const type of types) {
        out.queries.push({
          name: fqdn,
          type,
          result: 'UPSTREAM',
          reason: resolver.clusterDns
            ? 'outside the cluster zones: forwarded upstream, not checked'
            : 'sent to the node\u2019s resolver, not checked',
        });
      }
      continue;
    }
    const results = types.map((type) => {
      const r = lookup(idx, fqdn, zone, type);
      const q: DnsQuery = { name: fqdn, type, result: r.rcode, reason: r.reason };
      if (r.service) q.object = { kind: 'Service', namespace: r.service.metadata.namespace ?? 'default', name: r.service.metadata.name };
      out.queries.push(q);
      return r;
    });
    out.lookups.push({ fqdn, result: results[0]! });
    if (results.some((r) => r.rcode === 'NOERROR')) {
      out.answered = { fqdn, results };
      break;
    }
  }
  return out;
}
