import type { ObjectRef } from '../../finding.js';
import { diagnosePod, isTerminating, ownerOf, type PodDiagnosis } from '../../k8s/pods.js';
import { refKey, refOf } from '../../k8s/refs.js';
import { matchesMap } from '../../k8s/selectors.js';
import { selectorOf, servicePorts } from '../../k8s/services.js';
import type { Pod, Service, ServicePort, Workload } from '../../k8s/types.js';
import { templateLabels, templatePod, topWorkloads } from '../../k8s/workloads.js';
import { endpointRows, type EndpointRow } from '../../k8s/endpoints.js';
import type { ServiceSnapshot } from '../snapshot.js';

/** What every check reads: the snapshot plus facts derived from it once. */
export interface Analysis {
  s: ServiceSnapshot;
  svc: Service;
  ref: ObjectRef;
  ns: string;
  selector: Record<string, string> | undefined;
  /** Pods that match the selector; offline without status, matching pod templates of workloads too. */
  matching: Pod[];
  rows: EndpointRow[];
  ports: ServicePort[];
  /** Readiness diagnosis per matching pod name (undefined: ready). Only with status. */
  diagnoses: Map<string, PodDiagnosis | undefined>;
}

/** Builds the Analysis for a Service that exists. */
export function analyse(s: ServiceSnapshot): Analysis {
  const svc = s.service!;
  const selector = selectorOf(svc);
  let matching: Pod[] = [];
  if (selector) {
    matching = s.pods.filter((p) => matchesMap(selector, p.metadata.labels));
    if (!s.hasStatus) {
      for (const w of topWorkloads(s.workloads)) {
        if (w.spec?.replicas === 0) continue;
        if (matchesMap(selector, w.spec?.template?.metadata?.labels)) matching.push(templatePod(w));
      }
    }
  }
  const diagnoses = new Map<string, PodDiagnosis | undefined>();
  if (s.hasStatus) {
    for (const p of matching) diagnoses.set(p.metadata.name, diagnosePod(p, s.events, s.nodes, s.nodesLookedUp, s.nodeLabels));
  }
  return {
    s,
    svc,
    ref: refOf(svc, 'Service'),
    ns: s.namespace,
    selector,
    matching,
    rows: endpointRows(s.endpointSlices, s.legacyEndpoints),
    ports: servicePorts(svc),
    diagnoses,
  };
}

export function workloadsMatchingTemplate(a: Analysis): Workload[] {
  return topWorkloads(a.s.workloads).filter((w) => matchesMap(a.selector, templateLabels(w)));
}

/** The complement of `unreadyPods`: one notion of "ready endpoint pod" (diagnosePod's), so no pod is both. */
export function readyPods(a: Analysis): Pod[] {
  if (!a.s.hasStatus) return []; // without status nothing is known to be ready
  return a.matching.filter((p) => !isTerminating(p) && a.diagnoses.get(p.metadata.name) === undefined);
}

export function unreadyPods(a: Analysis): Pod[] {
  return a.matching.filter((p) => !isTerminating(p) && a.diagnoses.get(p.metadata.name) !== undefined);
}

/** Pods with a spec, one per distinct owner (templates of one workload are identical). */
export function podsBySpec(a: Analysis): { pod: Pod; pods: Pod[] }[] {
  const groups = new Map<string, { pod: Pod; pods: Pod[] }>();
  for (const p of a.matching) {
    if (!p.spec) continue;
    const o = ownerOf(p);
    const key = o ? refKey(o) : `pod/${p.metadata.name}`;
    const g = groups.get(key);
    if (g) g.pods.push(p);
    else groups.set(key, { pod: p, pods: [p] });
  }
  return [...groups.values()];
}
