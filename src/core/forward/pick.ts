import type { TargetKind } from '../resource-arg.js';
import { matchesLabelSelector } from '../k8s/selectors.js';
import { protocolOf } from '../k8s/ports.js';
import type { EndpointSlice, KubeObject, Pod, Service, ServicePort, Workload } from '../k8s/types.js';
import { endpointRows, rowsForPort, type EndpointRow } from '../k8s/endpoints.js';
import { isReady, isTerminating } from '../k8s/pods.js';
import { containerPortOnPod, servicePortOnPod, type PortMapping } from './resolve.js';
import { targetText } from './types.js';

/**
 * A change to watched objects, shaped like the cluster adapter's `ObserveEvent` (core may not import it): `sync`
 * follows each (re)list with the full current set.
 */
export type ObjectChange<T> =
  | { type: 'added' | 'modified' | 'deleted'; object: T }
  | { type: 'sync'; objects: T[] }
  | { type: 'error'; message: string; retryInMs: number };

/** Applies a change to objects kept by name. Returns true when the set changed (errors change nothing). */
export function applyChange<T extends KubeObject>(store: Map<string, T>, change: ObjectChange<T>): boolean {
  switch (change.type) {
    case 'sync':
      store.clear();
      for (const o of change.objects) store.set(o.metadata.name, o);
      return true;
    case 'added':
    case 'modified':
      store.set(change.object.metadata.name, change.object);
      return true;
    case 'deleted':
      return store.delete(change.object.metadata.name);
    case 'error':
      return false;
  }
}

/** What the supervisor knows of one target's objects. */
export interface TargetView {
  kind: TargetKind;
  name: string;
  /** Services: the Service (undefined until seen, or once deleted). */
  service?: Service;
  /** Services: its EndpointSlices. */
  slices: ReadonlyMap<string, EndpointSlice>;
  /** The pods: the named pod, the workload's or Service's pods (for named ports and uids). */
  pods: ReadonlyMap<string, Pod>;
  /** Deployments, StatefulSets, ReplicaSets: the workload, to filter pods by its selector. */
  workload?: Workload;
  /** True once the pods have been listed: a pod missing from `pods` is then known to be deleted. */
  podsListed?: boolean;
  /** True once the Service has been listed: a missing `service` is then known to be deleted. */
  serviceListed?: boolean;
}

/** The Service port as the Service declares it now (its targetPort may have been edited since the forward began). */
export function currentServicePort(view: TargetView, mapping: PortMapping): ServicePort | undefined {
  const sp = mapping.servicePort;
  if (!sp) return undefined;
  const now = view.service?.spec?.ports?.find(
    (p) => p.port === sp.port && (p.name ?? '') === (sp.name ?? '') && protocolOf(p) === protocolOf(sp),
  );
  return now ?? sp;
}

/** A pod that can serve a mapping now, with the port it serves it on. */
export interface Candidate {
  pod: string;
  /** The pod's uid when known: a pod recreated under the same name is a new pod. */
  uid?: string;
  port: number;
}

/**
 * Where a pod that served a connection stands now, and in one line why it no longer serves: `gone` (deleted,
 * recreated under the same name, terminating, finished, or no longer behind the target) or `not-ready`.
 */
export type PodStanding = { standing: 'serving' } | { standing: 'not-ready' | 'gone'; why: string };

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

function serviceRows(view: TargetView): EndpointRow[] {
  const slices = [...view.slices.values()].filter((s) => {
    const owner = s.metadata.labels?.[SERVICE_NAME_LABEL];
    return owner === undefined || owner === view.name;
  });
  return endpointRows(slices);
}

/** An endpoint the supervisor may send a connection to: ready (true or unset), not terminating, a pod of this namespace. */
function usable(r: EndpointRow): boolean {
  return r.ready && !r.terminating && r.pod !== null && r.podNamespace === undefined;
}

function workloadPods(view: TargetView): Pod[] {
  const pods = [...view.pods.values()];
  const sel = view.workload?.spec?.selector;
  return view.workload ? pods.filter((p) => matchesLabelSelector(sel, p.metadata.labels)) : pods;
}

/** Code-point order, the same order `Picker` walks in. */
function byName(a: Candidate, b: Candidate): number {
  return a.pod < b.pod ? -1 : a.pod > b.pod ? 1 : 0;
}

/**
 * The pods that may serve `mapping` now, by name. Services: EndpointSlice endpoints that are ready (or unset), not
 * terminating, with a Pod targetRef, listed for the Service port; each one's port resolved as the EndpointSlice
 * controller does. `pod/NAME`: that pod while it is Running (as kubectl, not necessarily Ready: a pod failing its
 * readiness probe is what one forwards to in order to debug it). Workloads: their Ready pods.
 */
export function candidatesFor(view: TargetView, mapping: PortMapping): Candidate[] {
  const out: Candidate[] = [];
  if (view.kind === 'Service') {
    const sp = currentServicePort(view, mapping);
    if (!sp || (view.serviceListed && !view.service)) return [];
    const seen = new Set<string>();
    for (const r of rowsForPort(serviceRows(view), sp)) {
      if (!usable(r) || seen.has(r.pod!)) continue;
      const pod = view.pods.get(r.pod!);
      if (pod && isTerminating(pod)) continue;
      const port = servicePortOnPod(sp, pod, r);
      if (port === undefined) continue;
      seen.add(r.pod!);
      out.push({ pod: r.pod!, ...(pod?.metadata.uid ? { uid: pod.metadata.uid } : {}), port });
    }
    return out.sort(byName);
  }
  const pods = view.kind === 'Pod' ? [view.pods.get(view.name)].filter((p): p is Pod => p !== undefined) : workloadPods(view);
  for (const pod of pods) {
    if (standingOfPod(view, pod).standing !== 'serving') continue;
    const r = containerPortOnPod(pod, mapping.containerPort ?? mapping.remotePort);
    if (!r.ok) continue;
    out.push({ pod: pod.metadata.name, ...(pod.metadata.uid ? { uid: pod.metadata.uid } : {}), port: r.port });
  }
  return out.sort(byName);
}

function standingOfPod(view: TargetView, pod: Pod): PodStanding {
  const name = pod.metadata.name;
  if (isTerminating(pod)) return { standing: 'gone', why: `pod ${name} is terminating` };
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return { standing: 'gone', why: `pod ${name} has finished (phase ${phase})` };
  if (view.kind === 'Pod')
    return phase === 'Running' ? { standing: 'serving' } : { standing: 'not-ready', why: `pod ${name} is no longer running` };
  if (view.workload && !matchesLabelSelector(view.workload.spec?.selector, pod.metadata.labels)) {
    return { standing: 'gone', why: `pod ${name} no longer matches the selector of ${targetText(view)}` };
  }
  return isReady(pod) && phase === 'Running' ? { standing: 'serving' } : { standing: 'not-ready', why: `pod ${name} is no longer ready` };
}

/** Where the pod serving a connection of `mapping` stands now (see `PodStanding`). */
export function podStanding(view: TargetView, mapping: PortMapping, pod: { name: string; uid?: string }): PodStanding {
  const obj = view.pods.get(pod.name);
  if (obj && pod.uid && obj.metadata.uid && obj.metadata.uid !== pod.uid) {
    return { standing: 'gone', why: `pod ${pod.name} was deleted (a new pod of that name replaced it)` };
  }
  if (view.kind === 'Service') {
    if (view.serviceListed && !view.service) return { standing: 'gone', why: `Service ${view.name} was deleted` };
    if (obj && isTerminating(obj)) return { standing: 'gone', why: `pod ${pod.name} is terminating` };
    const sp = currentServicePort(view, mapping);
    const rows = sp ? rowsForPort(serviceRows(view), sp).filter((r) => r.pod === pod.name && r.podNamespace === undefined) : [];
    if (rows.some(usable)) return { standing: 'serving' };
    if (rows.some((r) => r.terminating)) return { standing: 'gone', why: `pod ${pod.name} is terminating` };
    if (rows.length > 0) return { standing: 'not-ready', why: `pod ${pod.name} is no longer ready` };
    if (view.podsListed && !obj) return { standing: 'gone', why: `pod ${pod.name} was deleted` };
    return { standing: 'gone', why: `pod ${pod.name} is no longer an endpoint of ${targetText(view)}` };
  }
  if (!obj) return { standing: 'gone', why: `pod ${pod.name} was deleted` };
  return standingOfPod(view, obj);
}

/** Why a pod was chosen for a connection. */
export type PickReason = 'round-robin' | 'session-affinity' | 'named-pod' | 'only-ready-pod';

/**
 * Chooses a pod per new connection: round-robin over the candidates in name order (stable when pods come and go);
 * with `sessionAffinity: ClientIP` every local connection (they all come from one client) goes to one pod while it
 * stays a candidate, as kube-proxy would do.
 */
export class Picker {
  private last: string | undefined;
  private pinned: string | undefined;

  pick(
    candidates: readonly Candidate[],
    opts: { kind: TargetKind; affinity: boolean },
  ): { candidate: Candidate; reason: PickReason } | undefined {
    if (candidates.length === 0) return undefined;
    if (opts.affinity) {
      const pinned = candidates.find((c) => c.pod === this.pinned);
      if (pinned) return { candidate: pinned, reason: 'session-affinity' };
    }
    const next = candidates.find((c) => this.last !== undefined && c.pod > this.last) ?? candidates[0]!;
    this.last = next.pod;
    if (opts.affinity) this.pinned = next.pod;
    const reason: PickReason =
      opts.kind === 'Pod' ? 'named-pod' : opts.affinity ? 'session-affinity' : candidates.length === 1 ? 'only-ready-pod' : 'round-robin';
    return { candidate: next, reason };
  }

  /** The pod connections are pinned to, under session affinity. */
  get pinnedPod(): string | undefined {
    return this.pinned;
  }
}

/** True when the Service asks for session affinity (`sessionAffinity: ClientIP`). */
export function wantsAffinity(view: TargetView): boolean {
  return view.kind === 'Service' && view.service?.spec?.sessionAffinity === 'ClientIP';
}
