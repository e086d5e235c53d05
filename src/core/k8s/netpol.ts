import ipaddr from 'ipaddr.js';
import { declaredPorts } from './ports.js';
import { matchesLabelSelector, selectorToString } from './selectors.js';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, Pod } from './types.js';

/**
 * NetworkPolicy ingress evaluation, as the API defines it: a pod selected by no ingress policy accepts all
 * traffic; a pod selected by some accepts what at least one rule of one of them allows (rules are ORed, a rule
 * needs its peer and its port to match). Pure, so any command can ask "may X reach pod Y on port Z, and why".
 */

/** The source of traffic. Unknown labels count as none; a namespace always carries `kubernetes.io/metadata.name`. */
export interface Peer {
  namespace: string;
  labels?: Record<string, string>;
  namespaceLabels?: Record<string, string>;
  /** The peer's IP, for ipBlock rules. */
  ip?: string;
}

export interface IngressQuery {
  /** The destination pod (its namespace, labels and declared ports are read). */
  pod: Pod;
  port: number;
  /** `TCP` unless given. */
  protocol?: string;
  /** The source; undefined asks "from any peer some rule names" (only ports are compared). */
  from?: Peer;
}

export interface IngressVerdict {
  allowed: boolean;
  /** The ingress policies selecting the pod: none means the pod is not isolated for ingress. */
  selecting: NetworkPolicy[];
  /** The rules that allow the traffic: policy and index in `spec.ingress`. */
  allowedBy: { policy: NetworkPolicy; rule: number }[];
  /** Why, one sentence per fact, in the order they were established. */
  reasons: string[];
}

/** True when the policy restricts ingress (policyTypes unset counts as Ingress). */
export function isIngressPolicy(np: NetworkPolicy): boolean {
  const types = np.spec?.policyTypes;
  return !types || types.length === 0 ? true : types.includes('Ingress');
}

/** The ingress policies that select `pod`: same namespace (when both say) and a matching podSelector. */
export function ingressPoliciesSelecting(policies: readonly NetworkPolicy[], pod: Pod): NetworkPolicy[] {
  const ns = pod.metadata.namespace;
  return policies.filter(
    (np) =>
      isIngressPolicy(np) &&
      (!ns || !np.metadata.namespace || np.metadata.namespace === ns) &&
      matchesLabelSelector(np.spec?.podSelector ?? {}, pod.metadata.labels),
  );
}

/** True when one of a rule's ports admits `port`/`protocol` on `pod` (named ports resolve against its containers). */
export function portsAllow(ports: readonly NetworkPolicyPort[] | undefined, pod: Pod, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    if (typeof p.port === 'number') return port >= p.port && port <= (p.endPort ?? p.port);
    return declaredPorts(pod.spec).some((d) => d.port.name === p.port && d.port.containerPort === port && d.protocol === protocol);
  });
}

/** True when one of a rule's peers admits `peer` (undefined: any peer); `policyNamespace` scopes bare podSelectors. */
export function peersAllow(from: readonly NetworkPolicyPeer[] | undefined, policyNamespace: string | undefined, peer?: Peer): boolean {
  if (!peer || !from || from.length === 0) return true;
  return from.some((f) => peerMatches(f, policyNamespace, peer));
}

function peerMatches(f: NetworkPolicyPeer, policyNamespace: string | undefined, peer: Peer): boolean {
  if (f.ipBlock) return peer.ip !== undefined && inIpBlock(peer.ip, f.ipBlock);
  if (!f.podSelector && !f.namespaceSelector) return false;
  const nsLabels = { ...peer.namespaceLabels, 'kubernetes.io/metadata.name': peer.namespace };
  const nsOk = f.namespaceSelector
    ? matchesLabelSelector(f.namespaceSelector, nsLabels)
    : (policyNamespace ?? peer.namespace) === peer.namespace;
  return nsOk && (!f.podSelector || matchesLabelSelector(f.podSelector, peer.labels ?? {}));
}

function inIpBlock(ip: string, block: { cidr: string; except?: string[] }): boolean {
  const within = (cidr: string): boolean => {
    try {
      const addr = ipaddr.parse(ip);
      const [net, bits] = ipaddr.parseCIDR(cidr);
      return addr.kind() === net.kind() && addr.match(net, bits);
    } catch {
      return false;
    }
  };
  return within(block.cidr) && !(block.except ?? []).some(within);
}

/** Does the policy set allow `q.from` to reach `q.pod` on `q.port`? With the reasons. */
export function evaluateIngress(policies: readonly NetworkPolicy[], q: IngressQuery): IngressVerdict {
  const protocol = q.protocol ?? 'TCP';
  const target = `${q.port}/${protocol}`;
  const selecting = ingressPoliciesSelecting(policies, q.pod);
  if (selecting.length === 0) {
    return { allowed: true, selecting, allowedBy: [], reasons: ['no NetworkPolicy selects the pod for ingress: all ingress is allowed'] };
  }
  const reasons = [`selected for ingress by NetworkPolicy ${selecting.map((np) => np.metadata.name).join(', ')}`];
  const allowedBy: IngressVerdict['allowedBy'] = [];
  for (const np of selecting) {
    (np.spec?.ingress ?? []).forEach((rule, i) => {
      if (portsAllow(rule.ports, q.pod, q.port, protocol) && peersAllow(rule.from, np.metadata.namespace, q.from)) {
        allowedBy.push({ policy: np, rule: i });
        reasons.push(`ingress rule ${i} of NetworkPolicy ${np.metadata.name} allows ${target}${q.from ? ' from the peer' : ''}`);
      }
    });
  }
  if (allowedBy.length === 0) reasons.push(`no ingress rule of these policies allows ${target}${q.from ? ' from the peer' : ''}`);
  return { allowed: allowedBy.length > 0, selecting, allowedBy, reasons };
}

/** The ports a policy's ingress rules allow, in words: `8080/TCP; all`, or `none (denies all ingress)`. */
export function describeAllowedPorts(np: NetworkPolicy): string {
  const rules = np.spec?.ingress ?? [];
  if (rules.length === 0) return 'none (denies all ingress)';
  return rules
    .map((r) =>
      r.ports?.length
        ? r.ports.map((p) => `${p.port ?? 'all'}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`).join(' ')
        : 'all',
    )
    .join('; ');
}

/** A policy's podSelector in words (`{} (all pods)` when empty). */
export function describePodSelector(np: NetworkPolicy): string {
  return selectorToString(np.spec?.podSelector ?? {}) || '{} (all pods)';
}
