import type { Evidence, Finding } from '../../finding.js';
import {
  externalTrafficPolicyLocal as externalTrafficPolicyLocalFinding,
  loadBalancerPending as loadBalancerPendingFinding,
} from '../../general-catalogue.js';
import { describeAllowedPorts, describePodSelector, evaluateIngress, isIngressPolicy } from '../../k8s/netpol.js';
import { findPort, protocolOf, servicePortKey } from '../../k8s/ports.js';
import { refOf } from '../../k8s/refs.js';
import type { NetworkPolicy, NetworkPolicyPeer, Pod, ServicePort } from '../../k8s/types.js';
import { selectorToString } from '../../k8s/selectors.js';
import { isTemplatePod } from '../../k8s/workloads.js';
import { podsBySpec, type Analysis } from './analysis.js';
import { defineCheck, finding } from './check.js';
import { q } from '../../words.js';

// NetworkPolicies and traffic policies: what reaches the endpoints, and from where.

/**
 * `network-policy-denies-all`: NetworkPolicies select the pods and no rule allows the target port from any source.
 * `network-policy-isolated`: the rules that allow the target port all name their sources (a rule with ports and
 * no `from` allows every source).
 */
export const networkPolicyIsolated = defineCheck({
  name: 'networkPolicyIsolated',
  codes: ['network-policy-denies-all', 'network-policy-isolated'],
  stage: 'traffic',
  run: (a) => {
    const policies = (a.s.networkPolicies ?? []).filter(isIngressPolicy);
    if (!a.selector || policies.length === 0) return [];
    const out: Finding[] = [];
    const groups = podsBySpec(a);
    a.ports.forEach((sp) => {
      const protocol = protocolOf(sp);
      const blocked: Blocked[] = [];
      const restricted: Restricted[] = [];
      for (const g of groups) {
        const r = findPort(g.pod.spec, sp);
        if (!r.ok) continue;
        const verdict = evaluateIngress(policies, { pod: g.pod, port: r.port, protocol });
        if (!verdict.allowed) blocked.push({ pod: g.pod, port: r.port, pols: verdict.selecting });
        else if (verdict.selecting.length > 0) {
          const rules = verdict.allowedBy.map(({ policy, rule }) => ({ policy, from: policy.spec?.ingress?.[rule]?.from ?? [] }));
          if (rules.every((x) => x.from.length > 0)) restricted.push({ pod: g.pod, port: r.port, rules });
        }
      }
      if (blocked.length > 0) out.push(deniesAllFinding(a, sp, protocol, blocked[0]!));
      else if (restricted.length > 0) out.push(isolatedFinding(a, sp, protocol, restricted[0]!));
    });
    return out;
  },
});

interface Blocked {
  pod: Pod;
  /** The resolved target port. */
  port: number;
  /** The ingress policies selecting the pod. */
  pols: NetworkPolicy[];
}

interface Restricted {
  pod: Pod;
  port: number;
  /** The rules allowing the port, each with its sources. */
  rules: { policy: NetworkPolicy; from: NetworkPolicyPeer[] }[];
}

/** A rule's source in words: `pods app=web`, `namespaces team=a`, `10.0.0.0/8 except 10.1.0.0/16`. */
export function describePeer(f: NetworkPolicyPeer): string {
  if (f.ipBlock) return `${f.ipBlock.cidr}${f.ipBlock.except?.length ? ` except ${f.ipBlock.except.join(', ')}` : ''}`;
  const pods = f.podSelector ? `pods ${selectorToString(f.podSelector) || '(all)'}` : '';
  const nss = f.namespaceSelector ? `namespaces ${selectorToString(f.namespaceSelector) || '(all)'}` : '';
  if (pods && nss) return `${pods} in ${nss}`;
  return pods ? `${pods} (same namespace)` : nss;
}

function isolatedFinding(a: Analysis, sp: ServicePort, protocol: string, r: Restricted): Finding {
  const what = isTemplatePod(r.pod) ? r.pod.metadata.name : `pod ${r.pod.metadata.name}`;
  const sources = [...new Set(r.rules.flatMap((x) => x.from.map(describePeer)))];
  const pols = [...new Set(r.rules.map((x) => x.policy))];
  const one = pols.length === 1;
  return finding(
    'network-policy-isolated',
    `NetworkPolicy ${pols.map((np) => np.metadata.name).join(', ')} select${one ? 's' : ''} the pods for ingress and ` +
      `allow${one ? 's' : ''} target port ${r.port}/${protocol} (Service port ${servicePortKey(sp)}) only from: ${sources.join('; ')}. ` +
      `Other clients are dropped.`,
    r.rules.map((x) => ({
      kind: 'networkpolicy',
      object: refOf(x.policy, 'NetworkPolicy'),
      value: `selects ${what} (podSelector ${describePodSelector(x.policy)}); allows ${r.port}/${protocol} from ${x.from.map(describePeer).join('; ')}`,
    })),
    `check that the clients are among these sources; to admit others, add them to a rule of ${pols[0]!.metadata.name}: ` +
      `kubectl edit networkpolicy ${pols[0]!.metadata.name} -n ${a.ns}`,
    a.ref,
  );
}

function deniesAllFinding(a: Analysis, sp: ServicePort, protocol: string, b: Blocked): Finding {
  const what = isTemplatePod(b.pod) ? b.pod.metadata.name : `pod ${b.pod.metadata.name}`;
  const evidence: Evidence[] = b.pols.map((np) => ({
    kind: 'networkpolicy',
    object: refOf(np, 'NetworkPolicy'),
    value: `selects ${what} (podSelector ${describePodSelector(np)}); ingress ports allowed: ${describeAllowedPorts(np)}`,
  }));
  // A rule written for the Service port: policies see traffic after the Service translated it.
  const usesServicePort = b.port !== sp.port && evaluateIngress(b.pols, { pod: b.pod, port: sp.port, protocol }).allowed;
  const one = b.pols.length === 1;
  const first = b.pols[0]!.metadata.name;
  const servicePortNote = usesServicePort ? ` A rule allows ${sp.port}, the Service port, but policies apply to the pod's port.` : '';
  return finding(
    'network-policy-denies-all',
    `NetworkPolicy ${b.pols.map((np) => np.metadata.name).join(', ')} select${one ? 's' : ''} the pods for ingress and ` +
      `allow${one ? 's' : ''} nothing on target port ${b.port}/${protocol} (Service port ${servicePortKey(sp)}) from any source: ` +
      `every connection is dropped although endpoints look healthy.${servicePortNote}`,
    evidence,
    usesServicePort
      ? `change the policy's port from ${sp.port} to ${b.port} (the container port; policies see traffic after the Service translated it)`
      : `add an ingress rule for port ${b.port}/${protocol} from the clients to ${first}: kubectl edit networkpolicy ${first} -n ${a.ns}`,
    a.ref,
  );
}

function nodesWithReadyEndpoints(a: Analysis): string[] {
  return [...new Set(a.rows.filter((r) => r.ready && r.nodeName).map((r) => r.nodeName!))].sort();
}

/** `external-traffic-policy-local`: only nodes with a ready endpoint accept external traffic (the general builder). */
export const externalTrafficPolicyLocal = defineCheck({
  name: 'externalTrafficPolicyLocal',
  codes: ['external-traffic-policy-local'],
  stage: 'traffic',
  run: (a) => {
    const type = a.svc.spec?.type;
    if ((type !== 'NodePort' && type !== 'LoadBalancer') || a.svc.spec?.externalTrafficPolicy !== 'Local') return [];
    return [externalTrafficPolicyLocalFinding(a.svc, a.s.hasStatus ? { withReady: nodesWithReadyEndpoints(a) } : {})];
  },
});

/** `internal-traffic-policy-local`: in-cluster clients only reach endpoints on their own node. */
export const internalTrafficPolicyLocal = defineCheck({
  name: 'internalTrafficPolicyLocal',
  codes: ['internal-traffic-policy-local'],
  stage: 'traffic',
  run: (a) => {
    if (a.svc.spec?.internalTrafficPolicy !== 'Local') return [];
    const nodes = nodesWithReadyEndpoints(a);
    return [
      finding(
        'internal-traffic-policy-local',
        `Service ${q(a.svc.metadata.name)} has internalTrafficPolicy: Local: in-cluster clients only reach endpoints on their own ` +
          `node${a.s.hasStatus ? ` (ready endpoints on: ${nodes.length > 0 ? nodes.join(', ') : 'no node'})` : ''}.`,
        [{ kind: 'field', object: a.ref, field: 'spec.internalTrafficPolicy', value: 'Local' }],
        'set spec.internalTrafficPolicy: Cluster unless every client node runs an endpoint (a DaemonSet)',
        a.ref,
      ),
    ];
  },
});

/** `session-affinity`: ClientIP stickiness. */
export const sessionAffinity = defineCheck({
  name: 'sessionAffinity',
  codes: ['session-affinity'],
  stage: 'traffic',
  run: (a) => {
    if (a.svc.spec?.sessionAffinity !== 'ClientIP') return [];
    return [
      finding(
        'session-affinity',
        `Service ${q(a.svc.metadata.name)} has sessionAffinity: ClientIP: each client sticks to one pod, so load looks unbalanced and a ` +
          `client can keep hitting a bad pod.`,
        [{ kind: 'field', object: a.ref, field: 'spec.sessionAffinity', value: 'ClientIP' }],
        'set spec.sessionAffinity: None unless the application needs sticky sessions',
        a.ref,
      ),
    ];
  },
});

/** `load-balancer-pending`: a LoadBalancer without an external address (the general builder). */
export const loadBalancerPending = defineCheck({
  name: 'loadBalancerPending',
  codes: ['load-balancer-pending'],
  stage: 'traffic',
  run: (a) => {
    if (!a.s.hasStatus || a.svc.spec?.type !== 'LoadBalancer' || (a.svc.status?.loadBalancer?.ingress?.length ?? 0) > 0) return [];
    return [loadBalancerPendingFinding(a.svc, a.s.events)];
  },
});
