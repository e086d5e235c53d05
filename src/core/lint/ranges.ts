import ipaddr from 'ipaddr.js';
import type { ObjectRef } from '../finding.js';
import type { Address } from './scan.js';

/**
 * Pod and Service ranges, where they come from, and how a host address is classified against them. Pure.
 */

export type RangeKind = 'pod' | 'service';

/** One CIDR with the words that say where it came from. */
export interface NamedRange {
  cidr: string;
  kind: RangeKind;
  /** Where the range came from, e.g. `--pod-cidr`, `.kdiag.yaml`, `the cluster's ServiceCIDR kubernetes`. */
  source: string;
  /** For the defaults table: the distributions whose default this is (then `source` is `default`). */
  distributions?: string[];
  net: Address;
  bits: number;
}

/**
 * IPv4 ranges as [network, mask] 32-bit numbers, so matching a literal needs no ipaddr.js call. Cached per
 * ranges array (one lookup per literal, not one per range); -1 marks an IPv6 range.
 */
const V4_CACHE = new WeakMap<readonly NamedRange[], Float64Array>();

function v4Table(ranges: readonly NamedRange[]): Float64Array {
  const cached = V4_CACHE.get(ranges);
  if (cached) return cached;
  const t = new Float64Array(ranges.length * 2).fill(-1);
  ranges.forEach((r, i) => {
    if (r.net.kind() !== 'ipv4') return;
    const b = r.net.toByteArray();
    const mask = r.bits === 0 ? 0 : (0xffffffff << (32 - r.bits)) >>> 0;
    // `&` yields a signed 32-bit number: `>>> 0` keeps networks with the top bit set (172.30.0.0/16) unsigned,
    // like the address they are compared with.
    t[2 * i] = ((((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) & mask) >>> 0;
    t[2 * i + 1] = mask;
  });
  V4_CACHE.set(ranges, t);
  return t;
}

/** One row of the documented defaults table (docs/lint.md shows the same rows). */
export interface DistributionDefaults {
  distribution: string;
  pod: string[];
  service: string[];
  note?: string;
}

/**
 * Distribution defaults, used when neither the flags, `.kdiag.yaml` nor `--cluster` give ranges. They overlap
 * (kind, minikube and AKS kubenet all use 10.244.0.0/16), so messages name every distribution that matched.
 */
export const DISTRIBUTION_DEFAULTS: readonly DistributionDefaults[] = [
  { distribution: 'kind', pod: ['10.244.0.0/16', 'fd00:10:244::/56'], service: ['10.96.0.0/16', 'fd00:10:96::/112'] },
  { distribution: 'minikube', pod: ['10.244.0.0/16'], service: ['10.96.0.0/12'] },
  { distribution: 'kubeadm', pod: [], service: ['10.96.0.0/12'], note: "no default pod range: it is the CNI's (flannel: 10.244.0.0/16)" },
  { distribution: 'k3s', pod: ['10.42.0.0/16'], service: ['10.43.0.0/16'] },
  { distribution: 'RKE2', pod: ['10.42.0.0/16'], service: ['10.43.0.0/16'] },
  { distribution: 'MicroK8s', pod: ['10.1.0.0/16'], service: ['10.152.183.0/24'] },
  { distribution: 'OpenShift', pod: ['10.128.0.0/14'], service: ['172.30.0.0/16'] },
  { distribution: 'AKS kubenet', pod: ['10.244.0.0/16'], service: ['10.0.0.0/16'] },
  { distribution: 'EKS', pod: [], service: ['10.100.0.0/16', '172.20.0.0/16'], note: 'pods take VPC addresses (no separate range)' },
  {
    distribution: 'GKE',
    pod: [],
    service: ['34.118.224.0/20'],
    note: 'pod ranges are chosen per cluster; 34.118.224.0/20 is the Service range of clusters created since 1.27',
  },
];

/**
 * Parses a CIDR or a single address (taken as /32 or /128); undefined when it is neither. The family is known from
 * the text (only IPv6 has colons): ipaddr.js's family-blind functions try IPv6 first and throw and catch an error
 * for every IPv4 text, which made the first ranges of a run cost milliseconds.
 */
export function parseCidr(text: string): [Address, number] | undefined {
  const t = text.trim();
  const v6 = t.includes(':');
  try {
    if (t.includes('/')) {
      if (v6 ? !ipaddr.IPv6.isValidCIDR(t) : !ipaddr.IPv4.isValidCIDR(t)) return undefined;
      const [net, bits] = v6 ? ipaddr.IPv6.parseCIDR(t) : ipaddr.IPv4.parseCIDR(t);
      return [net, bits];
    }
    if (v6) return ipaddr.IPv6.isValid(t) ? [ipaddr.IPv6.parse(t), 128] : undefined;
    return ipaddr.IPv4.isValid(t) ? [ipaddr.IPv4.parse(t), 32] : undefined;
  } catch {
    return undefined;
  }
}

/** True when the strict dotted-quad / IPv6 text is valid as a CIDR for lint's flags and config. */
export function isValidCidr(text: string): boolean {
  const t = text.trim();
  if (t.includes('/')) {
    const [a] = t.split('/');
    if (a !== undefined && a.includes('.') && !a.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(a)) return false;
  } else if (t.includes('.') && !t.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(t)) {
    return false;
  }
  return parseCidr(t) !== undefined;
}

/** True when `addr` lies in `net/bits` (families must match). */
export function contains(net: Address, bits: number, addr: Address): boolean {
  return net.kind() === addr.kind() && addr.match(net, bits);
}

/** Builds named ranges from CIDR strings (invalid ones must have been rejected before). */
export function namedRanges(cidrs: readonly string[], kind: RangeKind, source: string): NamedRange[] {
  const out: NamedRange[] = [];
  for (const cidr of cidrs) {
    const p = parseCidr(cidr);
    if (p) out.push({ cidr: cidr.trim(), kind, source, net: p[0], bits: p[1] });
  }
  return out;
}

/** The defaults table as named ranges, one per distinct CIDR with every distribution that uses it. */
export function defaultRanges(): NamedRange[] {
  const byKey = new Map<string, NamedRange>();
  for (const row of DISTRIBUTION_DEFAULTS) {
    for (const kind of ['pod', 'service'] as const) {
      for (const cidr of row[kind]) {
        const key = `${kind} ${cidr}`;
        const existing = byKey.get(key);
        if (existing) existing.distributions!.push(row.distribution);
        else {
          const [net, bits] = parseCidr(cidr)!;
          byKey.set(key, { cidr, kind, source: 'default', distributions: [row.distribution], net, bits });
        }
      }
    }
  }
  return [...byKey.values()];
}

/** The ranges matching `addr`, most specific first (ties: Service ranges before pod ranges). */
export function matchRanges(ranges: readonly NamedRange[], addr: Address): NamedRange[] {
  let out: NamedRange[];
  if (addr.kind() === 'ipv4') {
    const b = addr.toByteArray();
    const u = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
    const t = v4Table(ranges);
    out = [];
    for (let i = 0; i < ranges.length; i++) {
      const net = t[2 * i]!;
      if (net !== -1 && (u & t[2 * i + 1]!) >>> 0 === net) out.push(ranges[i]!);
    }
  } else {
    out = ranges.filter((r) => contains(r.net, r.bits, addr));
  }
  if (out.length > 1) out.sort((a, b) => b.bits - a.bits || (a.kind === b.kind ? 0 : a.kind === 'service' ? -1 : 1));
  return out;
}

/** "kind, minikube and AKS kubenet" */
export function listWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * Describes where the best matching range came from, for messages. `matched` is every range holding the address
 * (from `matchRanges`): defaults overlap, so every distribution whose default of the same kind matched is named.
 */
export function describeRange(best: NamedRange, matched: readonly NamedRange[]): string {
  const what = best.kind === 'pod' ? 'pod range' : 'Service range';
  if (best.source === 'default') {
    const dists: string[] = [];
    const cidrs: string[] = [];
    for (const o of matched) {
      if (o.kind !== best.kind || o.source !== 'default') continue;
      cidrs.push(o.cidr);
      for (const d of o.distributions ?? []) if (!dists.includes(d)) dists.push(d);
    }
    return `${listWords(dists.map((d) => `${d}'s`))} default ${what} ${listWords(cidrs)}`;
  }
  return `the ${what} ${best.cidr} (from ${best.source})`;
}

/** What the live cluster says an address is (with `--cluster`). */
export interface ClusterObjectInfo {
  kind: 'Pod' | 'Service' | 'Node';
  ref: ObjectRef;
  /** For a Service: its DNS name. For a pod: the DNS name of a Service that selects it, if any. */
  dnsName?: string;
  /** For a pod: the Service that selects it. */
  via?: ObjectRef;
}
