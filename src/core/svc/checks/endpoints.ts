import type { Evidence } from '../../finding.js';
import { condition, podIps } from '../../k8s/pods.js';
import { refOf } from '../../k8s/refs.js';
import { eventsFor } from '../../k8s/events.js';
import type { KubeEvent, Pod } from '../../k8s/types.js';
import { readyPods } from './analysis.js';
import { defineCheck, finding } from './check.js';
import { MAX_LISTED, plural, q } from '../../words.js';

// Endpoints: Ready pods the EndpointSlices do not list.

function readySince(p: Pod): string | undefined {
  return condition(p, 'Ready') ? (p.status?.conditions ?? []).find((c) => c.type === 'Ready')?.lastTransitionTime : undefined;
}

/** `endpoints-not-reconciled`: Ready pods missing from every EndpointSlice. */
/** How long after turning Ready a pod may be missing from the EndpointSlices before it counts as not reconciled. */
const RECONCILE_GRACE_MS = 10_000;

export const endpointsNotReconciled = defineCheck({
  name: 'endpointsNotReconciled',
  codes: ['endpoints-not-reconciled'],
  stage: 'endpoints',
  run: (a) => {
    if (!a.s.hasStatus || !a.s.endpointsKnown || !a.selector) return [];
    const listed = new Set(a.rows.map((r) => r.ip));
    const nodeGone = (p: Pod): boolean => {
      const n = p.spec?.nodeName;
      return Boolean(n) && (a.s.nodesLookedUp ?? []).includes(n!) && !(a.s.nodes ?? []).some((x) => x.metadata.name === n);
    };
    const missing = readyPods(a).filter((p) => {
      if (podIps(p).some((ip) => listed.has(ip))) return false;
      // A pod that turned Ready moments before the read may just not be processed yet. Only moments: a controller
      // that skips the pod (its Node is gone) or is not running never catches up, however long one waits.
      const since = readySince(p);
      if (nodeGone(p) || !a.s.readAt || !since) return true;
      return Date.parse(a.s.readAt) - Date.parse(since) > RECONCILE_GRACE_MS;
    });
    if (missing.length === 0) return [];
    const evidence: Evidence[] = missing.slice(0, MAX_LISTED).map((p) => ({
      kind: 'pod',
      object: refOf(p, 'Pod'),
      field: 'status.podIP',
      value: `${p.status?.podIP} is Ready but in no EndpointSlice`,
    }));
    const gone = [...new Set(missing.filter(nodeGone).map((p) => p.spec!.nodeName!))];
    for (const n of gone) evidence.push({ kind: 'node', object: { kind: 'Node', name: n }, value: 'does not exist' });
    evidence.push({
      kind: 'endpointslices',
      value:
        a.s.endpointSlices.length === 0
          ? 'the Service has no EndpointSlice'
          : `${plural(a.s.endpointSlices.length, 'EndpointSlice')} ${a.s.endpointSlices.length === 1 ? 'lists' : 'list'} ` +
            `${plural(a.rows.length, 'address', 'addresses')}`,
    });
    const why =
      gone.length === 0
        ? 'the endpoint controller has not reconciled them'
        : `${gone.length === 1 ? 'its node is' : 'their nodes are'} gone (${gone.join(', ')})`;
    return [
      finding(
        'endpoints-not-reconciled',
        `${plural(missing.length, 'Ready matching pod')} ${missing.length === 1 ? 'is' : 'are'} missing from every EndpointSlice: ${why}.`,
        evidence,
        gone.length > 0
          ? `delete the pods so their workload recreates them on a live node: kubectl delete pod ${missing
              .slice(0, 3)
              .map((p) => p.metadata.name)
              .join(' ')} -n ${a.ns}`
          : 'check kube-controller-manager (kubectl get pods -n kube-system -l component=kube-controller-manager) and its logs for ' +
              'EndpointSlice errors',
        a.ref,
      ),
    ];
  },
});

/** `service-warning-events`: Warning events recorded on the Service itself, the latest of each reason. */
export const serviceWarningEvents = defineCheck({
  name: 'serviceWarningEvents',
  codes: ['service-warning-events'],
  stage: 'endpoints',
  run: (a) => {
    const lbPending = a.s.hasStatus && a.svc.spec?.type === 'LoadBalancer' && !a.svc.status?.loadBalancer?.ingress?.length;
    const byReason = new Map<string, KubeEvent>();
    for (const e of eventsFor(a.s.events, a.svc, 'Service')) {
      if (e.type !== 'Warning') continue;
      // load-balancer-pending quotes the load balancer's own events.
      if (lbPending && /LoadBalancer/i.test(e.reason ?? '')) continue;
      if (!byReason.has(e.reason ?? '')) byReason.set(e.reason ?? '', e);
    }
    if (byReason.size === 0) return [];
    const events = [...byReason.values()];
    const text = (e: KubeEvent) => `${e.reason ?? ''}${e.count && e.count > 1 ? ` (x${e.count})` : ''}: ${e.message ?? ''}`.trim();
    return [
      finding(
        'service-warning-events',
        `Service ${q(a.svc.metadata.name)} has ${plural(events.length, 'Warning event')}: ${events.slice(0, 3).map(text).join('; ')}.`,
        events.slice(0, MAX_LISTED).map((e): Evidence => ({ kind: 'event', object: a.ref, value: text(e) })),
        `read them and fix what they name: kubectl describe service ${a.svc.metadata.name} -n ${a.ns}`,
        a.ref,
      ),
    ];
  },
});
