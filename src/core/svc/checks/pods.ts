import type { Evidence } from '../../finding.js';
import { hintForReason, isTerminating, ownerOf, type PodDiagnosis } from '../../k8s/pods.js';
import { formatRef, refKey, refOf } from '../../k8s/refs.js';
import type { Pod } from '../../k8s/types.js';
import { readyPods, unreadyPods, type Analysis } from './analysis.js';
import { defineCheck, finding } from './check.js';
import { MAX_LISTED, names, plural, q } from '../../words.js';

// Pod phase and readiness (only with status).

function groupByCause(a: Analysis, pods: readonly Pod[]): { cause: string; d: PodDiagnosis; pods: Pod[] }[] {
  const groups = new Map<string, { cause: string; d: PodDiagnosis; pods: Pod[] }>();
  for (const p of pods) {
    const d = a.diagnoses.get(p.metadata.name);
    if (!d) continue;
    const key = `${refKey(ownerOf(p))}|${d.reason}`;
    const g = groups.get(key);
    if (g) g.pods.push(p);
    else groups.set(key, { cause: d.cause, d, pods: [p] });
  }
  return [...groups.values()];
}

function causeEvidence(groups: ReturnType<typeof groupByCause>): Evidence[] {
  const ev: Evidence[] = [];
  for (const g of groups.slice(0, 4)) {
    ev.push(...g.d.evidence);
    if (g.pods.length > 1) ev.push({ kind: 'pods', value: `same cause on ${g.pods.length - 1} more: ${names(g.pods.slice(1), 4)}` });
  }
  return ev;
}

function causeText(groups: ReturnType<typeof groupByCause>): string {
  return groups
    .slice(0, 3)
    .map((g) => `${g.pods[0]!.metadata.name}${g.pods.length > 1 ? ` (+${g.pods.length - 1})` : ''}: ${g.cause}`)
    .join('; ');
}

function hintOf(groups: ReturnType<typeof groupByCause>): string {
  const g = groups[0]!;
  const owner = ownerOf(g.pods[0]!);
  return g.d.hint ?? hintForReason(g.d.reason, g.pods[0]!, owner ? formatRef(owner) : undefined);
}

/** `The matching pod is` / `All 3 matching pods are` / `2 of 3 matching pods are`. */
function countOf(n: number, total: number): string {
  if (n === total) return n === 1 ? 'The matching pod is' : `All ${n} matching pods are`;
  return `${n} of ${total} matching pods ${n === 1 ? 'is' : 'are'}`;
}

function isNotRunning(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase !== 'Running' || !p.status?.podIP;
}

/** `pods-not-running`: no pod is Ready and some are Pending, completed or without an IP. */
export const podsNotRunning = defineCheck({
  name: 'podsNotRunning',
  codes: ['pods-not-running'],
  stage: 'pod-phase',
  run: (a) => {
    if (!a.s.hasStatus || a.matching.length === 0 || readyPods(a).length > 0) return [];
    const pods = unreadyPods(a).filter(isNotRunning);
    if (pods.length === 0) return [];
    const groups = groupByCause(a, pods);
    return [
      finding(
        'pods-not-running',
        `${countOf(pods.length, a.matching.length)} not running with an IP, and no matching pod is Ready: ${causeText(groups)}.`,
        causeEvidence(groups),
        hintOf(groups),
        a.ref,
      ),
    ];
  },
});

/** `pods-not-ready`: pods run but none is Ready; gives the cause chain. */
export const podsNotReady = defineCheck({
  name: 'podsNotReady',
  codes: ['pods-not-ready'],
  stage: 'readiness',
  run: (a) => {
    if (!a.s.hasStatus || a.matching.length === 0 || readyPods(a).length > 0) return [];
    const pods = unreadyPods(a).filter((p) => !isNotRunning(p));
    if (pods.length === 0) return [];
    const groups = groupByCause(a, pods);
    const which =
      pods.length === 1 && a.matching.length === 1
        ? 'The matching pod runs but is not Ready'
        : `${countOf(pods.length, a.matching.length)} running, but none is Ready`;
    return [
      finding(
        'pods-not-ready',
        `${which}, so the Service has no ready endpoint: ${causeText(groups)}.`,
        causeEvidence(groups),
        hintOf(groups),
        a.ref,
      ),
    ];
  },
});

/** `some-pods-not-ready`: some pods are Ready, others are not. */
export const somePodsNotReady = defineCheck({
  name: 'somePodsNotReady',
  codes: ['some-pods-not-ready'],
  stage: 'readiness',
  run: (a) => {
    if (!a.s.hasStatus) return [];
    const ready = readyPods(a);
    const unready = unreadyPods(a);
    if (ready.length === 0 || unready.length === 0) return [];
    const groups = groupByCause(a, unready);
    return [
      finding(
        'some-pods-not-ready',
        `${ready.length} of ${a.matching.length} matching pods are Ready; ${plural(unready.length, 'is', 'are')} not: ` +
          `${causeText(groups)}.`,
        causeEvidence(groups),
        hintOf(groups),
        a.ref,
      ),
    ];
  },
});

/** `pods-terminating`: matching pods or endpoints are terminating. */
export const podsTerminating = defineCheck({
  name: 'podsTerminating',
  codes: ['pods-terminating'],
  stage: 'readiness',
  run: (a) => {
    if (!a.s.hasStatus) return [];
    const pods = a.matching.filter(isTerminating);
    const known = new Set(pods.map((p) => p.metadata.name));
    const rows = a.rows.filter((r) => r.terminating && !(r.pod && known.has(r.pod)));
    if (pods.length === 0 && rows.length === 0) return [];
    const all = pods.length > 0 && pods.length === a.matching.length;
    const evidence: Evidence[] = pods
      .slice(0, MAX_LISTED)
      .map((p) => ({ kind: 'field', object: refOf(p, 'Pod'), field: 'metadata.deletionTimestamp', value: p.metadata.deletionTimestamp! }));
    for (const r of rows.slice(0, MAX_LISTED))
      evidence.push({
        kind: 'endpoint',
        object: { kind: 'EndpointSlice', namespace: a.ns, name: r.slice },
        value: `${r.ip}${r.pod ? ` (pod ${r.pod})` : ''} terminating, serving=${r.serving}`,
      });
    const count = pods.length + rows.length;
    const owner = pods[0] ? ownerOf(pods[0]) : undefined;
    const stillWanted = owner ? `check that ${formatRef(owner)} still wants replicas; ` : '';
    return [
      finding(
        'pods-terminating',
        all
          ? `${countOf(pods.length, pods.length)} terminating: ${pods.length === 1 ? 'its endpoint drains' : 'their endpoints drain'} ` +
              `and takes no new connections, and nothing replaces ${pods.length === 1 ? 'it' : 'them'} yet.`
          : `${plural(count, 'endpoint')} ${count === 1 ? 'is' : 'are'} terminating (serving-only or draining): ` +
              `${names(pods) || rows.map((r) => r.ip).join(', ')}.`,
        evidence,
        all
          ? `${stillWanted}pods stuck terminating point to finalizers or a long terminationGracePeriodSeconds ` +
              `(kubectl get pod ${pods[0]!.metadata.name} -n ${a.ns} -o yaml)`
          : 'usually transient during a rollout; pods stuck terminating point to finalizers or a long terminationGracePeriodSeconds',
        a.ref,
      ),
    ];
  },
});

/** `publish-not-ready-addresses`: unready pods are published as endpoints. */
export const publishNotReadyAddresses = defineCheck({
  name: 'publishNotReadyAddresses',
  codes: ['publish-not-ready-addresses'],
  stage: 'readiness',
  run: (a) => {
    if (!a.svc.spec?.publishNotReadyAddresses) return [];
    const unready = a.s.hasStatus ? unreadyPods(a) : [];
    const evidence: Evidence[] = [{ kind: 'field', object: a.ref, field: 'spec.publishNotReadyAddresses', value: 'true' }];
    if (unready.length > 0) evidence.push({ kind: 'pods', value: `unready pods that still receive traffic: ${names(unready)}` });
    return [
      finding(
        'publish-not-ready-addresses',
        `Service ${q(a.svc.metadata.name)} publishes not-ready addresses: endpoints and DNS include pods that are not ` +
          `ready${unready.length > 0 ? ` (${plural(unready.length, 'pod')} now)` : ''}.`,
        evidence,
        'keep it for StatefulSet peer discovery; for client traffic set spec.publishNotReadyAddresses: false so only ready pods get it',
        a.ref,
      ),
    ];
  },
});
