import type { Evidence } from '../../finding.js';
import { condition, podIps } from '../../k8s/pods.js';
import { refOf } from '../../k8s/refs.js';
import { eventTime, eventsFor } from '../../k8s/events.js';
import type { KubeEvent, Pod } from '../../k8s/types.js';
import { readyPods, type Analysis } from './analysis.js';
import { defineCheck, finding } from './check.js';
import { MAX_LISTED, plural, q } from '../../words.js';

// Endpoints: Ready pods the EndpointSlices do not list.

function readySince(p: Pod): string | undefined {
  return condition(p, 'Ready') ? (p.status?.conditions ?? []).find((c) => c.type === 'Ready')?.lastTransitionTime : undefined;
}

/** The reason the EndpointSlice controller gives a Warning event when it cannot write a Service's EndpointSlices. */
const SLICE_SYNC_FAILED = 'FailedToUpdateEndpointSlices';

/** The newest sync failure the EndpointSlice controller recorded on the Service, if any. */
function latestSyncFailure(a: Analysis): KubeEvent | undefined {
  return eventsFor(a.s.events, a.svc, 'Service').find((e) => e.type === 'Warning' && e.reason === SLICE_SYNC_FAILED);
}

/** What the Service's EndpointSlices hold, as one line of evidence. */
function slicesEvidence(a: Analysis): Evidence {
  const n = a.s.endpointSlices.length;
  return {
    kind: 'endpointslices',
    value:
      n === 0
        ? 'the Service has no EndpointSlice'
        : `${plural(n, 'EndpointSlice')} ${n === 1 ? 'lists' : 'list'} ${plural(a.rows.length, 'address', 'addresses')}`,
  };
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
    // The Service's events are looked at only once a Ready pod is found missing: most Services have none.
    let failure: KubeEvent | null | undefined;
    const failedAt = (): number => {
      failure ??= latestSyncFailure(a) ?? null;
      return failure ? Date.parse(eventTime(failure)) : NaN;
    };
    const missing = readyPods(a).filter((p) => {
      if (podIps(p).some((ip) => listed.has(ip))) return false;
      // A pod that turned Ready moments before the read may just not be processed yet. Only moments: a controller
      // that skips the pod (its Node is gone), is not running, or has failed to write the slices since the pod
      // turned Ready (its Warning event says so) is not merely behind.
      const since = readySince(p);
      if (nodeGone(p) || !a.s.readAt || !since) return true;
      if (failedAt() >= Date.parse(since)) return true;
      return Date.parse(a.s.readAt) - Date.parse(since) > RECONCILE_GRACE_MS;
    });
    if (missing.length === 0) return [];
    failure ??= latestSyncFailure(a) ?? null;
    const evidence: Evidence[] = missing.slice(0, MAX_LISTED).map((p) => ({
      kind: 'pod',
      object: refOf(p, 'Pod'),
      field: 'status.podIP',
      value: `${p.status?.podIP} is Ready but in no EndpointSlice`,
    }));
    const gone = [...new Set(missing.filter(nodeGone).map((p) => p.spec!.nodeName!))];
    for (const n of gone) evidence.push({ kind: 'node', object: { kind: 'Node', name: n }, value: 'does not exist' });
    evidence.push(slicesEvidence(a));
    const quota = /exceeded quota: ([^,\s]+)/.exec(failure?.message ?? '')?.[1];
    if (failure && gone.length === 0)
      evidence.push({ kind: 'event', object: a.ref, value: `${failure.reason}: ${failure.message ?? ''}`.trim() });
    const why =
      gone.length > 0
        ? `${gone.length === 1 ? 'its node is' : 'their nodes are'} gone (${gone.join(', ')})`
        : quota
          ? `the ResourceQuota ${q(quota)} stops the EndpointSlice controller from creating EndpointSlices`
          : failure
            ? 'the EndpointSlice controller fails to write them (its Warning event is quoted)'
            : 'the endpoint controller has not reconciled them';
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
          : quota
            ? `raise or remove the quota on count/endpointslices.discovery.k8s.io (kubectl describe resourcequota ${quota} -n ${a.ns}); ` +
              'the controller retries and publishes the pods'
            : 'check kube-controller-manager (kubectl get pods -n kube-system -l component=kube-controller-manager) and its logs for ' +
              'EndpointSlice errors',
        a.ref,
      ),
    ];
  },
});

/**
 * Whether the EndpointSlices show that the controller has synced the Service: they exist, list every Ready matching
 * pod, and point at no pod that is gone. Then an earlier sync failure is over (the controller retries a failed sync,
 * and it fails on a conflict or a timeout now and then under load).
 */
function slicesInSync(a: Analysis): boolean {
  if (!a.s.hasStatus || !a.s.endpointsKnown || !a.selector || a.s.endpointSlices.length === 0) return false;
  const listed = new Set(a.rows.map((r) => r.ip));
  if (!readyPods(a).every((p) => podIps(p).some((ip) => listed.has(ip)))) return false;
  const pods = new Set(a.matching.map((p) => p.metadata.name));
  return a.rows.every((r) => r.pod === null || (r.podNamespace !== undefined && r.podNamespace !== a.ns) || pods.has(r.pod));
}

/** The newest Warning event of each reason, with the count of all of that reason's events. */
function latestByReason(events: readonly KubeEvent[]): { event: KubeEvent; count: number }[] {
  const byReason = new Map<string, { event: KubeEvent; count: number }>();
  for (const e of events) {
    const seen = byReason.get(e.reason ?? '');
    if (seen) seen.count += e.count ?? 1;
    else byReason.set(e.reason ?? '', { event: e, count: e.count ?? 1 });
  }
  return [...byReason.values()];
}

function eventText({ event, count }: { event: KubeEvent; count: number }): string {
  return `${event.reason ?? ''}${count > 1 ? ` (x${count})` : ''}: ${event.message ?? ''}`.trim();
}

/**
 * `service-warning-events`: Warning events recorded on the Service itself, the latest of each reason.
 * `endpoint-sync-recovered`: the EndpointSlice controller's sync failures when the EndpointSlices show it has synced
 * since (info: the events stay for an hour after the controller recovered).
 */
export const serviceWarningEvents = defineCheck({
  name: 'serviceWarningEvents',
  codes: ['service-warning-events', 'endpoint-sync-recovered'],
  stage: 'endpoints',
  run: (a) => {
    const lbPending = a.s.hasStatus && a.svc.spec?.type === 'LoadBalancer' && !a.svc.status?.loadBalancer?.ingress?.length;
    let synced: boolean | undefined; // worked out only for a Service that has a sync failure
    const current: KubeEvent[] = [];
    const recovered: KubeEvent[] = [];
    for (const e of eventsFor(a.s.events, a.svc, 'Service')) {
      if (e.type !== 'Warning') continue;
      // load-balancer-pending quotes the load balancer's own events.
      if (lbPending && /LoadBalancer/i.test(e.reason ?? '')) continue;
      const over = e.reason === SLICE_SYNC_FAILED && (synced ??= slicesInSync(a));
      (over ? recovered : current).push(e);
    }
    const out = [];
    if (current.length > 0) {
      const events = latestByReason(current);
      out.push(
        finding(
          'service-warning-events',
          `Service ${q(a.svc.metadata.name)} has ${plural(events.length, 'Warning event')}: ${events.slice(0, 3).map(eventText).join('; ')}.`,
          events.slice(0, MAX_LISTED).map((e): Evidence => ({ kind: 'event', object: a.ref, value: eventText(e) })),
          `read them and fix what they name: kubectl describe service ${a.svc.metadata.name} -n ${a.ns}`,
          a.ref,
        ),
      );
    }
    if (recovered.length > 0) {
      const [latest] = latestByReason(recovered);
      const ready = readyPods(a).length;
      const listed =
        ready === 0
          ? 'no matching pod is Ready'
          : `they list ${ready === 1 ? 'the' : `all ${ready}`} Ready matching ${ready === 1 ? 'pod' : 'pods'}`;
      out.push(
        finding(
          'endpoint-sync-recovered',
          `The EndpointSlice controller failed to update the EndpointSlices of Service ${q(a.svc.metadata.name)} ` +
            `(${eventText(latest!)}), but has synced them since: ${listed}.`,
          [{ kind: 'event', object: a.ref, value: eventText(latest!) }, slicesEvidence(a)],
          'nothing to fix now (the controller retries a failed sync); if the event keeps coming back, read ' +
            "kube-controller-manager's log for EndpointSlice errors and check the namespace's ResourceQuotas",
          a.ref,
        ),
      );
    }
    return out;
  },
});
