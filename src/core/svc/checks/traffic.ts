import type { Evidence, Finding } from '../../finding.js';
import { eventsFor } from '../../k8s/events.js';
import { describeAllowedPorts, describePodSelector, evaluateIngress, isIngressPolicy } from '../../k8s/netpol.js';
import { findPort, protocolOf, servicePortKey } from '../../k8s/ports.js';
import { refOf } from '../../k8s/refs.js';
import type { NetworkPolicy, Pod, ServicePort } from '../../k8s/types.js';
import { isTemplatePod } from '../../k8s/workloads.js';
import { podsBySpec, type Analysis } from './analysis.js';
import { defineCheck, finding } from './check.js';
import { q } from '../../words.js';

// NetworkPolicies and traffic policies: what reaches the endpoints, and from where.

/** `network-policy-isolated`: NetworkPolicies select the pods and allow nothing on the target port. */
export const networkPolicyIsolated = defineCheck({
  name: 'networkPolicyIsolated',
  codes: ['network-policy-isolated'],
  stage: 'traffic',
  run: (a) => {
    const policies = (a.s.networkPolicies ?? []).filter(isIngressPolicy);
    if (!a.selector || policies.length === 0) return [];
    const out: Finding[] = [];
    const groups = podsBySpec(a);
    a.ports.forEach((sp) => {
      const protocol = protocolOf(sp);
      const blocked: Blocked[] = [];
      for (const g of groups) {
        const r = findPort(g.pod.spec, sp);
        if (!r.ok) continue;
        const verdict = evaluateIngress(policies, { pod: g.pod, port: r.port, protocol });
        if (!verdict.allowed) blocked.push({ pod: g.pod, port: r.port, pols: verdict.selecting });
      }
      if (blocked.length > 0) out.push(isolatedFinding(a, sp, protocol, blocked[0]!));
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

function isolatedFinding(a: Analysis, sp: ServicePort, protocol: string, b: Blocked): Finding {
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
    'network-policy-isolated',
    `NetworkPolicy ${b.pols.map((np) => np.metadata.name).join(', ')} select${one ? 's' : ''} the pods for ingress and ` +
      `allow${one ? 's' : ''} nothing on target port ${b.port}/${protocol} (Service port ${servicePortKey(sp)}): ` +
      `connections are dropped although endpoints look healthy.${servicePortNote}`,
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

/** `external-traffic-policy-local`: only nodes with a ready endpoint accept external traffic. */
export const externalTrafficPolicyLocal = defineCheck({
  name: 'externalTrafficPolicyLocal',
  codes: ['external-traffic-policy-local'],
  stage: 'traffic',
  run: (a) => {
    const type = a.svc.spec?.type;
    if ((type !== 'NodePort' && type !== 'LoadBalancer') || a.svc.spec?.externalTrafficPolicy !== 'Local') return [];
    const nodes = nodesWithReadyEndpoints(a);
    return [
      finding(
        'external-traffic-policy-local',
        `Service ${q(a.svc.metadata.name)} has externalTrafficPolicy: Local: traffic from outside the cluster is only accepted by nodes ` +
          `running a ready endpoint${a.s.hasStatus ? ` (${nodes.length > 0 ? nodes.join(', ') : 'none now'})` : ''}.`,
        [{ kind: 'field', object: a.ref, field: 'spec.externalTrafficPolicy', value: 'Local' }],
        'expected with Local (it preserves client IPs); use externalTrafficPolicy: Cluster to accept traffic on every node',
        a.ref,
      ),
    ];
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

/** `load-balancer-pending`: a LoadBalancer without an external address. */
export const loadBalancerPending = defineCheck({
  name: 'loadBalancerPending',
  codes: ['load-balancer-pending'],
  stage: 'traffic',
  run: (a) => {
    if (!a.s.hasStatus || a.svc.spec?.type !== 'LoadBalancer' || (a.svc.status?.loadBalancer?.ingress?.length ?? 0) > 0) return [];
    const evidence: Evidence[] = [{ kind: 'field', object: a.ref, field: 'status.loadBalancer.ingress', value: '(empty)' }];
    const ev = eventsFor(a.s.events, a.svc, 'Service')[0];
    if (ev) evidence.push({ kind: 'event', object: a.ref, value: `${ev.reason ?? ''}: ${ev.message ?? ''}` });
    return [
      finding(
        'load-balancer-pending',
        `LoadBalancer Service ${q(a.svc.metadata.name)} has no external ` +
          `address${a.svc.metadata.creationTimestamp ? ` (created ${a.svc.metadata.creationTimestamp})` : ''}: no load-balancer ` +
          `controller has provisioned one${ev ? `; last event: ${ev.reason}` : ''}.`,
        evidence,
        'install or fix the load-balancer controller (cloud controller manager, MetalLB); meanwhile reach it through its NodePort or ' +
          'kubectl port-forward',
        a.ref,
      ),
    ];
  },
});
