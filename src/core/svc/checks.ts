import { closeNames } from '../suggest.js';
import { distance } from 'fastest-levenshtein';
import type { Evidence, Finding, ObjectRef, Severity } from '../finding.js';
import { declaredPorts, describeDeclared, findPort, protocolOf, servicePortKey, targetPortOf } from '../k8s/ports.js';
import {
  compareLabels,
  keyEvidence,
  matchesLabelSelector,
  matchesMap,
  rankNearMisses,
  selectorToString,
  type NearMiss,
} from '../k8s/selectors.js';
import type { KubeObject, NetworkPolicy, Pod, Service, ServicePort, Workload } from '../k8s/types.js';
import { severityOf } from './catalogue.js';
import { endpointRows, readyCountForPort, type EndpointRow } from './endpoints.js';
import {
  condition,
  diagnosePod,
  eventsFor,
  hintForReason,
  isTerminating,
  ownerOf,
  podIps,
  refKey,
  refOf,
  templatePod,
  type PodDiagnosis,
} from './pods.js';
import { isHeadless, selectorOf, type ServiceSnapshot } from './snapshot.js';

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

/** One small check per cause: pure, returns [] when it has nothing to say. */
export type Check = (a: Analysis) => Finding[];

const MAX_LISTED = 5;

function finding(code: string, message: string, evidence: Evidence[], hint: string, object?: ObjectRef, severity?: Severity): Finding {
  return { code, severity: severity ?? severityOf(code), message, evidence, hint, ...(object ? { object } : {}) };
}

function q(s: string): string {
  return JSON.stringify(s);
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function names(objs: readonly KubeObject[], max = MAX_LISTED): string {
  const shown = objs.slice(0, max).map((o) => o.metadata.name);
  return objs.length > max ? `${shown.join(', ')} and ${objs.length - max} more` : shown.join(', ');
}

/** Workloads whose pods users think of as theirs: ReplicaSets owned by a Deployment are covered by it. */
export function topWorkloads(ws: readonly Workload[] | undefined): Workload[] {
  return (ws ?? []).filter((w) => !(w.kind === 'ReplicaSet' && (w.metadata.ownerReferences ?? []).some((o) => o.kind === 'Deployment')));
}

function kindPath(kind: string | undefined): string {
  return (kind ?? 'deployment').toLowerCase();
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
    for (const p of matching) diagnoses.set(p.metadata.name, diagnosePod(p, s.events, s.nodes, s.nodesLookedUp));
  }
  return {
    s,
    svc,
    ref: refOf(svc, 'Service'),
    ns: s.namespace,
    selector,
    matching,
    rows: endpointRows(s.endpointSlices, s.legacyEndpoints),
    ports: svc.spec?.ports ?? [],
    diagnoses,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Not found

/** `namespace-not-found`, with close namespace names. */
export function namespaceNotFound(s: ServiceSnapshot): Finding {
  const close = closeNames(s.namespace, s.namespaceNames ?? []);
  const evidence: Evidence[] = [{ kind: 'namespace', object: { kind: 'Namespace', name: s.namespace }, value: 'not found' }];
  if (close.length > 0) evidence.push({ kind: 'suggestion', value: `close namespace names: ${close.join(', ')}` });
  else if (s.namespaceNames && s.namespaceNames.length > 0 && s.namespaceNames.length <= 10) {
    evidence.push({ kind: 'namespaces', value: `existing namespaces: ${[...s.namespaceNames].sort().join(', ')}` });
  }
  const elsewhere = s.sameNameElsewhere ?? [];
  if (elsewhere.length > 0)
    evidence.push({
      kind: 'services',
      value: `a Service named ${q(s.name)} exists in namespace${elsewhere.length > 1 ? 's' : ''} ${elsewhere.map((x) => x.namespace).join(', ')}`,
    });
  const hint =
    close.length > 0
      ? `did you mean -n ${close[0]}? kdiag svc ${s.name} -n ${close[0]}`
      : elsewhere.length > 0
        ? `the Service is in namespace ${elsewhere[0]!.namespace}: kdiag svc ${s.name} -n ${elsewhere[0]!.namespace}`
        : `list the namespaces: kubectl get namespaces`;
  return finding('namespace-not-found', `Namespace ${q(s.namespace)} does not exist.`, evidence, hint, {
    kind: 'Namespace',
    name: s.namespace,
  });
}

/** `service-not-found`, with close names in the namespace and the same name elsewhere. */
export function serviceNotFound(s: ServiceSnapshot): Finding {
  const close = closeNames(s.name, s.serviceNamesInNamespace ?? []);
  const elsewhere = (s.sameNameElsewhere ?? []).filter((x) => x.namespace !== s.namespace);
  const evidence: Evidence[] = [];
  if (s.serviceNamesInNamespace) {
    evidence.push({
      kind: 'services',
      value:
        s.serviceNamesInNamespace.length === 0
          ? `namespace ${s.namespace} has no Services`
          : close.length > 0
            ? `close names in namespace ${s.namespace}: ${close.join(', ')}`
            : `namespace ${s.namespace} has ${plural(s.serviceNamesInNamespace.length, 'Service')}, none with a close name`,
    });
  }
  if (elsewhere.length > 0)
    evidence.push({
      kind: 'services',
      value: `a Service named ${q(s.name)} exists in namespace${elsewhere.length > 1 ? 's' : ''} ${elsewhere.map((x) => x.namespace).join(', ')}`,
    });
  let hint: string;
  if (close.length > 0) hint = `did you mean ${q(close[0]!)}? kdiag svc ${close[0]} -n ${s.namespace}`;
  else if (elsewhere.length > 0) hint = `the Service is in another namespace: kdiag svc ${s.name} -n ${elsewhere[0]!.namespace}`;
  else hint = `list the Services: kubectl get services -n ${s.namespace}`;
  return finding('service-not-found', `Service ${q(s.name)} does not exist in namespace ${q(s.namespace)}.`, evidence, hint, {
    kind: 'Service',
    namespace: s.namespace,
    name: s.name,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Service type

/** `external-name`: an ExternalName Service is a CNAME and never has endpoints. */
export const externalName: Check = (a) => {
  if (a.svc.spec?.type !== 'ExternalName') return [];
  const target = a.svc.spec.externalName ?? '';
  const isIp = /^[0-9.]+$/.test(target) || target.includes(':');
  const evidence: Evidence[] = [{ kind: 'field', object: a.ref, field: 'spec.externalName', value: target || '(empty)' }];
  return [
    finding(
      'external-name',
      isIp
        ? `Service ${q(a.svc.metadata.name)} is an ExternalName alias for ${q(target)}, an IP address: DNS answers with a CNAME to it, which resolvers do not follow to an address.`
        : `Service ${q(a.svc.metadata.name)} is an ExternalName alias: DNS answers with a CNAME to ${q(target)}; it has no endpoints by design.`,
      evidence,
      isIp
        ? `use a selectorless Service with an EndpointSlice holding ${target}, or put a DNS name in spec.externalName`
        : `nothing to fix for endpoints; if clients fail, check that ${target} resolves from a pod and accepts the Host/SNI the client sends`,
      a.ref,
    ),
  ];
};

/** `no-selector`: a selectorless Service; error when no EndpointSlice gives a Service port a ready address. */
export const noSelector: Check = (a) => {
  if (a.selector || a.svc.spec?.type === 'ExternalName') return [];
  const evidence: Evidence[] = [{ kind: 'field', object: a.ref, field: 'spec.selector', value: '(none)' }];
  const managers = [
    ...new Set(a.s.endpointSlices.map((sl) => sl.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] ?? '(no managed-by label)')),
  ];
  for (const sl of a.s.endpointSlices) {
    const n = (sl.endpoints ?? []).reduce((acc, ep) => acc + ep.addresses.length, 0);
    evidence.push({
      kind: 'endpointslice',
      object: refOf(sl, 'EndpointSlice'),
      value: `${plural(n, 'address', 'addresses')}, ports ${(sl.ports ?? []).map((p) => `${p.name || '(unnamed)'}=${p.port ?? '?'}`).join(' ') || '(none)'}, managed by ${sl.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] ?? '(no managed-by label)'}`,
    });
  }
  if (a.s.legacyEndpoints)
    evidence.push({
      kind: 'endpoints',
      object: refOf(a.s.legacyEndpoints, 'Endpoints'),
      value: `${a.rows.filter((r) => r.slice.startsWith('endpoints/')).length} addresses`,
    });
  const name = a.svc.metadata.name;
  const createHint = `add spec.selector to select the pods, or create an EndpointSlice labelled kubernetes.io/service-name=${name} with the backend addresses and ports named like the Service's (${a.ports.map((p) => p.name || '(unnamed)').join(', ')})`;
  if (!a.s.endpointsKnown) {
    return [
      finding(
        'no-selector',
        `Service ${q(name)} has no selector and the input holds no EndpointSlices, so kdiag cannot tell whether anyone maintains its endpoints.`,
        evidence,
        createHint,
        a.ref,
        'info',
      ),
    ];
  }
  const empty = a.ports.filter((sp) => readyCountForPort(a.rows, sp) === 0);
  if (a.rows.length === 0 || (a.ports.length > 0 && empty.length === a.ports.length)) {
    const named =
      a.rows.length > 0
        ? ` The endpoints list ${plural(a.rows.length, 'address', 'addresses')}, but none ready under a port named like the Service's ports.`
        : '';
    return [
      finding(
        'no-selector',
        `Service ${q(name)} has no selector and no EndpointSlice gives it ready endpoints: nothing creates them automatically.${named}`,
        evidence,
        createHint,
        a.ref,
        'error',
      ),
    ];
  }
  if (empty.length > 0) {
    return [
      finding(
        'no-selector',
        `Service ${q(name)} has no selector; its hand-made endpoints serve port${empty.length > 1 ? 's' : ''} ${a.ports
          .filter((p) => !empty.includes(p))
          .map(servicePortKey)
          .join(', ')} but not ${empty.map(servicePortKey).join(', ')} (EndpointSlice port names must equal the Service port names).`,
        evidence,
        `name the EndpointSlice ports exactly like spec.ports[].name: ${empty.map((p) => q(p.name ?? '')).join(', ')}`,
        a.ref,
        'error',
      ),
    ];
  }
  return [
    finding(
      'no-selector',
      `Service ${q(name)} has no selector: its ${plural(a.rows.filter((r) => r.ready).length, 'ready endpoint')} ${a.rows.filter((r) => r.ready).length === 1 ? 'is' : 'are'} maintained by ${managers.join(', ')}, not derived from pods.`,
      evidence,
      'kdiag does not check hand-managed endpoints against pods; if traffic fails, check that the listed addresses answer on the listed ports',
      a.ref,
      'info',
    ),
  ];
};

/** `endpoint-pod-ip-hardcoded`: hand-written endpoints that pin a pod's current IP. */
export const endpointPodIpHardcoded: Check = (a) => {
  if (a.selector || !a.s.podsAtEndpointIps?.length) return [];
  const evidence: Evidence[] = [];
  const pods: Pod[] = [];
  for (const row of a.rows) {
    const pod = a.s.podsAtEndpointIps.find((p) => podIps(p).includes(row.ip));
    if (!pod || pods.includes(pod)) continue;
    // An endpoint that names the pod in targetRef is tracked by whoever wrote it (an operator), not pinned.
    if (row.pod === pod.metadata.name) continue;
    pods.push(pod);
    evidence.push({ kind: 'endpoint', object: refOf(pod, 'Pod'), field: 'status.podIP', value: `${row.ip} is listed in ${row.slice}` });
  }
  if (pods.length === 0) return [];
  return [
    finding(
      'endpoint-pod-ip-hardcoded',
      `The hand-written endpoints of Service ${q(a.svc.metadata.name)} pin the current IP of pod${pods.length > 1 ? 's' : ''} ${names(pods)}; the endpoint breaks when ${pods.length > 1 ? 'they are' : 'it is'} rescheduled.`,
      evidence,
      `select the pods instead: add spec.selector (e.g. ${selectorToString(pods[0]!.metadata.labels ?? {}) || 'app=<name>'}) and delete the hand-written EndpointSlice/Endpoints`,
      a.ref,
    ),
  ];
};

// ---------------------------------------------------------------------------------------------------------------
// Selector and workloads (only when no pod matches)

function matchesSelectorKey(w: Workload, key: string): boolean {
  const sel = w.spec?.selector;
  return Boolean(
    sel && (Object.prototype.hasOwnProperty.call(sel.matchLabels ?? {}, key) || (sel.matchExpressions ?? []).some((e) => e.key === key)),
  );
}

function templateLabels(w: Workload): Record<string, string> {
  return w.spec?.template?.metadata?.labels ?? {};
}

function workloadsMatchingTemplate(a: Analysis): Workload[] {
  return topWorkloads(a.s.workloads).filter((w) => matchesMap(a.selector, templateLabels(w)));
}

function podsElsewhere(a: Analysis): KubeObject[] {
  return (a.s.podsAllNamespaces ?? []).filter((p) => p.metadata.namespace !== a.ns && matchesMap(a.selector, p.metadata.labels));
}

/** `workload-scaled-to-zero`: the workload whose template matches has 0 replicas. */
export const workloadScaledToZero: Check = (a) => {
  if (!a.selector || a.matching.length > 0) return [];
  return workloadsMatchingTemplate(a)
    .filter((w) => w.spec?.replicas === 0)
    .map((w) => {
      const ref = refOf(w);
      return finding(
        'workload-scaled-to-zero',
        `${w.kind} ${q(w.metadata.name)} has pods that would match the selector, but it is scaled to 0 replicas.`,
        [
          { kind: 'field', object: ref, field: 'spec.replicas', value: '0' },
          { kind: 'labels', object: ref, field: 'spec.template.metadata.labels', value: selectorToString(templateLabels(w)) },
        ],
        `scale it up: kubectl scale ${kindPath(w.kind)}/${w.metadata.name} -n ${a.ns} --replicas=1 (check for an HPA or a GitOps tool that sets replicas back)`,
        ref,
      );
    });
};

/** `workload-pods-not-created`: a matching workload wants replicas but has no pods. */
export const workloadPodsNotCreated: Check = (a) => {
  if (!a.selector || a.matching.length > 0 || !a.s.hasStatus) return [];
  const failing = (w: Workload) =>
    (w.status?.conditions ?? []).some(
      (c) => (c.type === 'ReplicaFailure' && c.status === 'True') || (c.type === 'Available' && c.status === 'False'),
    );
  return (
    workloadsMatchingTemplate(a)
      // A workload whose status counts pods has them (the pod list may just be behind); say nothing then.
      .filter((w) => w.spec?.replicas !== 0 && (!(w.status?.replicas ?? 0) || failing(w)))
      .map((w) => {
        const ref = refOf(w);
        const evidence: Evidence[] = [
          {
            kind: 'field',
            object: ref,
            field: 'spec.replicas',
            value: String(w.spec?.replicas ?? (w.kind === 'DaemonSet' ? '(one per node)' : 1)),
          },
        ];
        for (const c of w.status?.conditions ?? []) {
          if (
            (c.type === 'ReplicaFailure' && c.status === 'True') ||
            (c.type === 'Available' && c.status === 'False') ||
            (c.type === 'Progressing' && c.status === 'False')
          ) {
            evidence.push({
              kind: 'condition',
              object: ref,
              field: `status.conditions[${c.type}]`,
              value: `${c.status} ${c.reason ?? ''}${c.message ? `: ${c.message}` : ''}`.trim(),
            });
          }
        }
        const ev = eventsFor(a.s.events, w, w.kind ?? '').find((e) => e.type === 'Warning');
        if (ev) evidence.push({ kind: 'event', object: ref, value: `${ev.reason ?? ''}: ${ev.message ?? ''}` });
        return finding(
          'workload-pods-not-created',
          `${w.kind} ${q(w.metadata.name)} matches the selector and wants replicas, but has no pods: its controller cannot create them.`,
          evidence,
          `read why pods are not created: kubectl describe ${kindPath(w.kind)}/${w.metadata.name} -n ${a.ns} (quota, admission webhooks, a missing ServiceAccount)`,
          ref,
        );
      })
  );
};

/** `workload-template-mismatch`: labels on the workload itself, not on its pod template. */
export const workloadTemplateMismatch: Check = (a) => {
  if (!a.selector || a.matching.length > 0) return [];
  return topWorkloads(a.s.workloads)
    .filter((w) => matchesMap(a.selector, w.metadata.labels) && !matchesMap(a.selector, templateLabels(w)))
    .map((w) => {
      const ref = refOf(w);
      const diffs = compareLabels(a.selector!, templateLabels(w)).filter((k) => k.status !== 'matched');
      return finding(
        'workload-template-mismatch',
        `${w.kind} ${q(w.metadata.name)} carries the selector's labels on itself (metadata.labels) but not on its pod template, and a Service selects pods.`,
        [
          { kind: 'labels', object: ref, field: 'metadata.labels', value: selectorToString(w.metadata.labels ?? {}) },
          { kind: 'labels', object: ref, field: 'spec.template.metadata.labels', value: selectorToString(templateLabels(w)) || '(none)' },
          ...diffs.flatMap((k): Evidence[] => keyEvidence(k, ref, 'spec.template.metadata.labels')),
        ],
        `put ${diffs.map((k) => `${k.key}: ${k.want}`).join(', ')} under spec.template.metadata.labels of ${kindPath(w.kind)}/${w.metadata.name}${w.kind === 'Deployment' || w.kind === 'StatefulSet' || w.kind === 'DaemonSet' ? ' (its spec.selector is immutable: if it must change too, recreate the workload)' : ''}`,
        ref,
      );
    });
};

/** `pods-in-other-namespace`: the selector matches pods only in other namespaces. */
export const podsInOtherNamespace: Check = (a) => {
  if (!a.selector || a.matching.length > 0) return [];
  const elsewhere = podsElsewhere(a);
  if (elsewhere.length === 0 || workloadsMatchingTemplate(a).length > 0) return [];
  const byNs = new Map<string, KubeObject[]>();
  for (const p of elsewhere) byNs.set(p.metadata.namespace ?? '', [...(byNs.get(p.metadata.namespace ?? '') ?? []), p]);
  const nss = [...byNs.keys()].sort();
  return [
    finding(
      'pods-in-other-namespace',
      `No pod in namespace ${q(a.ns)} matches ${selectorToString(a.selector)}, but ${plural(elsewhere.length, 'pod')} in namespace${nss.length > 1 ? 's' : ''} ${nss.join(', ')} ${elsewhere.length === 1 ? 'does' : 'do'}: a Service only selects pods in its own namespace.`,
      nss.map((ns): Evidence => ({ kind: 'pods', object: { kind: 'Namespace', name: ns }, value: names(byNs.get(ns)!) })),
      `create the Service in namespace ${nss[0]} (clients elsewhere then use ${a.svc.metadata.name}.${nss[0]}), or run the pods in namespace ${a.ns}`,
      a.ref,
    ),
  ];
};

/** Near misses among the namespace's pods (live) or pods and templates (offline), best first. */
export function nearMisses(a: Analysis): NearMiss<KubeObject>[] {
  if (!a.selector) return [];
  // The check and the pod table both need the ranking; over 10,000 pods it is worth computing once.
  const cached = NEAR_MISSES.get(a);
  if (cached) return cached;
  const candidates: KubeObject[] = a.s.hasStatus
    ? (a.s.namespacePods ?? a.s.pods)
    : [...(a.s.namespacePods ?? a.s.pods), ...topWorkloads(a.s.workloads).map(templatePod)];
  const ranked = rankNearMisses(
    a.selector,
    candidates,
    (c) => c.metadata.labels,
    (c) => c.metadata.name,
  );
  NEAR_MISSES.set(a, ranked);
  return ranked;
}

const NEAR_MISSES = new WeakMap<Analysis, NearMiss<KubeObject>[]>();

/** Groups near misses that differ from the selector in the same way (e.g. all pods of one Deployment). */
export function groupNearMisses(misses: readonly NearMiss<KubeObject>[]): { items: KubeObject[]; miss: NearMiss<KubeObject> }[] {
  const groups = new Map<string, { items: KubeObject[]; miss: NearMiss<KubeObject> }>();
  for (const m of misses) {
    const key = `${refKey(ownerOf(m.item))}|${m.keys.map((k) => `${k.key}:${k.status}:${k.actual ?? ''}:${k.similarKey?.key ?? ''}`).join(',')}`;
    const g = groups.get(key);
    if (g) g.items.push(m.item);
    else groups.set(key, { items: [m.item], miss: m });
  }
  return [...groups.values()];
}

/** `selector-no-match`: nothing matches; explains the nearest pods key by key. */
export const selectorNoMatch: Check = (a) => {
  if (!a.selector || a.matching.length > 0) return [];
  if (workloadsMatchingTemplate(a).length > 0 || podsElsewhere(a).length > 0) return [];
  const sel = selectorToString(a.selector);
  const evidence: Evidence[] = [{ kind: 'selector', object: a.ref, field: 'spec.selector', value: sel }];
  const groups = groupNearMisses(nearMisses(a)).slice(0, 3);
  const what = a.s.hasStatus ? 'pod' : 'pod or pod template';
  if (groups.length === 0) {
    const total = (a.s.namespacePods ?? a.s.pods).length + (a.s.hasStatus ? 0 : topWorkloads(a.s.workloads).length);
    evidence.push({
      kind: 'pods',
      value:
        a.s.namespacePods === undefined && a.s.hasStatus
          ? "the namespace's pods could not be listed for near misses"
          : `${plural(total, what)} in namespace ${a.ns}, none carries a selector label or a close one`,
    });
    return [
      finding(
        'selector-no-match',
        `No ${what} in namespace ${q(a.ns)} matches the selector ${sel}, and none comes close.`,
        evidence,
        `check that the pods are deployed in namespace ${a.ns} (kubectl get pods -n ${a.ns} --show-labels) and that spec.selector names their labels`,
        a.ref,
      ),
    ];
  }
  for (const g of groups) {
    const template = g.items[0]!.metadata.name.includes('/');
    // One entry per object (the first few), so each pod's actual label value is there to read.
    const shown = template ? [g.items[0]!] : g.items.slice(0, 5);
    for (const item of shown) {
      const object = template ? ownerOf(item)! : refOf(item, 'Pod');
      const field = template ? 'spec.template.metadata.labels' : 'metadata.labels';
      for (const k of g.miss.keys) if (k.status !== 'matched') evidence.push(...keyEvidence(k, object, field));
    }
    if (g.items.length > shown.length) {
      evidence.push({ kind: 'pods', value: `${g.items.length - shown.length} more alike: ${names(g.items.slice(shown.length), 3)}` });
    }
  }
  const best = groups[0]!;
  const bestItem = best.items[0]!;
  const bad = best.miss.keys.filter((k) => k.status !== 'matched');
  const owner = ownerOf(bestItem);
  const svcPatch: Record<string, string | null> = {};
  for (const k of bad) {
    if (k.status === 'differs') svcPatch[k.key] = k.actual!;
    else if (k.similarKey) {
      svcPatch[k.key] = null;
      svcPatch[k.similarKey.key] = k.similarKey.value;
    } else svcPatch[k.key] = null;
  }
  const isTemplate = bestItem.metadata.name.includes('/');
  const who = isTemplate
    ? `the pod template of ${bestItem.metadata.name}`
    : best.items.length > 1
      ? `${best.items.length} pods${owner ? ` of ${owner.kind.toLowerCase()}/${owner.name}` : ''} (${names(best.items, 3)})`
      : `pod ${bestItem.metadata.name}${owner ? ` of ${owner.kind.toLowerCase()}/${owner.name}` : ''}`;
  const verb = best.items.length > 1 ? 'carry' : 'carries';
  const diffText = (k: (typeof bad)[number]): string =>
    k.status === 'differs'
      ? `${k.key}=${k.actual} instead of ${k.key}=${k.want}${k.caseOnly ? ' (differs only in case)' : k.smallEdit ? ` (${k.distance} edit${k.distance === 1 ? '' : 's'} away: a typo?)` : ''}`
      : k.similarKey
        ? `${k.similarKey.key}=${k.similarKey.value} instead of ${k.key}=${k.want} (a similar key)`
        : `no ${k.key} label (the selector wants ${k.key}=${k.want})`;
  const message = `No ${what} matches the selector ${sel}: the closest, ${who}, ${verb} ${bad.map(diffText).join(', ')}.`;
  const templatePath =
    owner && owner.kind !== 'Pod'
      ? `spec.template.metadata.labels of ${owner.kind.toLowerCase()}/${owner.name}`
      : isTemplate
        ? `spec.template.metadata.labels of ${bestItem.metadata.name}`
        : `the pod's labels`;
  const ownerName = owner?.name ?? (isTemplate ? bestItem.metadata.name.split('/')[1] : undefined);
  const ownerWl = topWorkloads(a.s.workloads).find((w) => w.metadata.name === ownerName && (!owner || w.kind === owner.kind));
  const immutable =
    ownerWl?.spec?.selector && bad.some((k) => matchesSelectorKey(ownerWl, k.similarKey?.key ?? k.key))
      ? ` (${ownerWl.kind?.toLowerCase()}/${ownerWl.metadata.name} also selects its pods by this label in spec.selector, which is immutable: changing it means recreating the ${ownerWl.kind})`
      : '';
  const podSide = bad.map((k) => `${k.key}: ${k.want}`).join(', ');
  const hint = `make the Service selector match the pods: kubectl patch service ${a.svc.metadata.name} -n ${a.ns} --type merge -p '${JSON.stringify({ spec: { selector: svcPatch } })}'; or set ${podSide} in ${templatePath}${immutable}`;
  return [finding('selector-no-match', message, evidence, hint, a.ref)];
};

/** `selector-spans-workloads`: the matching pods belong to more than one workload. */
export const selectorSpansWorkloads: Check = (a) => {
  if (!a.selector || a.matching.length === 0) return [];
  const groups = new Map<string, { owner: ObjectRef | undefined; pods: Pod[] }>();
  for (const p of a.matching) {
    const o = ownerOf(p);
    const k = refKey(o);
    const g = groups.get(k) ?? { owner: o, pods: [] };
    g.pods.push(p);
    groups.set(k, g);
  }
  if (groups.size < 2) return [];
  const list = [...groups.values()].sort((x, y) => y.pods.length - x.pods.length);
  const evidence = list.map((g): Evidence => ({
    kind: 'workload',
    ...(g.owner ? { object: g.owner } : {}),
    value: `${plural(g.pods.length, a.s.hasStatus ? 'pod' : 'template')}${a.s.hasStatus ? `: ${names(g.pods, 3)}` : ''}${g.owner ? '' : ' without an owner'}`,
  }));
  // Suggest a label that one group shares and no other group has with that value.
  const IGNORED = new Set([
    'pod-template-hash',
    'controller-revision-hash',
    'statefulset.kubernetes.io/pod-name',
    'apps.kubernetes.io/pod-index',
    'pod-template-generation',
  ]);
  const svcName = a.svc.metadata.name;
  const preferred = [...list].sort((x, y) => distance(x.owner?.name ?? '', svcName) - distance(y.owner?.name ?? '', svcName))[0]!;
  const common = Object.entries(preferred.pods[0]!.metadata.labels ?? {}).filter(
    ([k, v]) =>
      !IGNORED.has(k) &&
      !(k in a.selector!) &&
      preferred.pods.every((p) => p.metadata.labels?.[k] === v) &&
      list.every((g) => g === preferred || g.pods.every((p) => p.metadata.labels?.[k] !== v)),
  );
  const distinct = common[0];
  const label = (g: { owner: ObjectRef | undefined }) =>
    g.owner ? `${g.owner.kind.toLowerCase()}/${g.owner.name}` : 'pods without an owner';
  return [
    finding(
      'selector-spans-workloads',
      `The selector ${selectorToString(a.selector)} matches pods of ${list.length} workloads (${list.map(label).join(', ')}): traffic is spread over all of them.`,
      evidence,
      distinct
        ? `if only ${label(preferred)} should serve, add ${distinct[0]}: ${distinct[1]} to spec.selector (only its pods carry it)`
        : `give the intended workload's pod template a label the others lack and add it to spec.selector`,
      a.ref,
    ),
  ];
};

// ---------------------------------------------------------------------------------------------------------------
// Pod phase and readiness (only with status)

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
  return hintForReason(g.d.reason, g.pods[0]!, owner ? `${owner.kind.toLowerCase()}/${owner.name}` : undefined);
}

/** `The matching pod is` / `All 3 matching pods are` / `2 of 3 matching pods are`. */
function countOf(n: number, total: number): string {
  if (n === total) return n === 1 ? 'The matching pod is' : `All ${n} matching pods are`;
  return `${n} of ${total} matching pods ${n === 1 ? 'is' : 'are'}`;
}

/** The complement of `unreadyPods`: one notion of "ready endpoint pod" (diagnosePod's), so no pod is both. */
function readyPods(a: Analysis): Pod[] {
  if (!a.s.hasStatus) return []; // without status nothing is known to be ready
  return a.matching.filter((p) => !isTerminating(p) && a.diagnoses.get(p.metadata.name) === undefined);
}

function unreadyPods(a: Analysis): Pod[] {
  return a.matching.filter((p) => !isTerminating(p) && a.diagnoses.get(p.metadata.name) !== undefined);
}

function isNotRunning(p: Pod): boolean {
  const phase = p.status?.phase;
  return phase !== 'Running' || !p.status?.podIP;
}

/** `pods-not-running`: no pod is Ready and some are Pending, completed or without an IP. */
export const podsNotRunning: Check = (a) => {
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
};

/** `pods-not-ready`: pods run but none is Ready; gives the cause chain. */
export const podsNotReady: Check = (a) => {
  if (!a.s.hasStatus || a.matching.length === 0 || readyPods(a).length > 0) return [];
  const pods = unreadyPods(a).filter((p) => !isNotRunning(p));
  if (pods.length === 0) return [];
  const groups = groupByCause(a, pods);
  return [
    finding(
      'pods-not-ready',
      `${pods.length === 1 && a.matching.length === 1 ? 'The matching pod runs but is not Ready' : `${countOf(pods.length, a.matching.length)} running, but none is Ready`}, so the Service has no ready endpoint: ${causeText(groups)}.`,
      causeEvidence(groups),
      hintOf(groups),
      a.ref,
    ),
  ];
};

/** `some-pods-not-ready`: some pods are Ready, others are not. */
export const somePodsNotReady: Check = (a) => {
  if (!a.s.hasStatus) return [];
  const ready = readyPods(a);
  const unready = unreadyPods(a);
  if (ready.length === 0 || unready.length === 0) return [];
  const groups = groupByCause(a, unready);
  return [
    finding(
      'some-pods-not-ready',
      `${ready.length} of ${a.matching.length} matching pods are Ready; ${plural(unready.length, 'is', 'are')} not: ${causeText(groups)}.`,
      causeEvidence(groups),
      hintOf(groups),
      a.ref,
    ),
  ];
};

/** `pods-terminating`: matching pods or endpoints are terminating. */
export const podsTerminating: Check = (a) => {
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
  return [
    finding(
      'pods-terminating',
      all
        ? `${countOf(pods.length, pods.length)} terminating: ${pods.length === 1 ? 'its endpoint drains' : 'their endpoints drain'} and takes no new connections, and nothing replaces ${pods.length === 1 ? 'it' : 'them'} yet.`
        : `${plural(count, 'endpoint')} ${count === 1 ? 'is' : 'are'} terminating (serving-only or draining): ${names(pods) || rows.map((r) => r.ip).join(', ')}.`,
      evidence,
      all
        ? `${ownerOf(pods[0]!) ? `check that ${ownerOf(pods[0]!)!.kind.toLowerCase()}/${ownerOf(pods[0]!)!.name} still wants replicas; ` : ''}pods stuck terminating point to finalizers or a long terminationGracePeriodSeconds (kubectl get pod ${pods[0]!.metadata.name} -n ${a.ns} -o yaml)`
        : 'usually transient during a rollout; pods stuck terminating point to finalizers or a long terminationGracePeriodSeconds',
      a.ref,
    ),
  ];
};

/** `publish-not-ready-addresses`: unready pods are published as endpoints. */
export const publishNotReadyAddresses: Check = (a) => {
  if (!a.svc.spec?.publishNotReadyAddresses) return [];
  const unready = a.s.hasStatus ? unreadyPods(a) : [];
  const evidence: Evidence[] = [{ kind: 'field', object: a.ref, field: 'spec.publishNotReadyAddresses', value: 'true' }];
  if (unready.length > 0) evidence.push({ kind: 'pods', value: `unready pods that still receive traffic: ${names(unready)}` });
  return [
    finding(
      'publish-not-ready-addresses',
      `Service ${q(a.svc.metadata.name)} publishes not-ready addresses: endpoints and DNS include pods that are not ready${unready.length > 0 ? ` (${plural(unready.length, 'pod')} now)` : ''}.`,
      evidence,
      'keep it for StatefulSet peer discovery; for client traffic set spec.publishNotReadyAddresses: false so only ready pods get it',
      a.ref,
    ),
  ];
};

// ---------------------------------------------------------------------------------------------------------------
// Ports

/** Pods with a spec, one per distinct owner (templates of one workload are identical). */
function podsBySpec(a: Analysis): { pod: Pod; pods: Pod[] }[] {
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

/** Evidence about a group of pods sharing a spec: the owner (or the pod) as object, the pod count as prefix. */
function groupEvidence(g: { pod: Pod; pods: Pod[] }, value: string): Evidence {
  const o = ownerOf(g.pod);
  if (g.pod.metadata.name.includes('/')) return { kind: 'port', object: o!, field: 'spec.template', value };
  if (o && g.pods.length > 1) return { kind: 'port', object: o, value: `${g.pods.length} pods (${names(g.pods, 3)}): ${value}` };
  return { kind: 'port', object: refOf(g.pod, 'Pod'), value };
}

function containerPath(g: { pod: Pod }): string {
  const o = ownerOf(g.pod);
  return o && o.kind !== 'Pod'
    ? `${o.kind.toLowerCase()}/${o.name} spec.template.spec.containers[].ports`
    : `pod ${g.pod.metadata.name} spec.containers[].ports`;
}

/** `target-port-not-found`: a named targetPort FindPort cannot resolve on the pods. */
export const targetPortNotFound: Check = (a) => {
  const out: Finding[] = [];
  const groups = podsBySpec(a);
  if (groups.length === 0) return [];
  a.ports.forEach((sp, i) => {
    const t = targetPortOf(sp);
    if (typeof t === 'number') return;
    const failing = groups.map((g) => ({ g, r: findPort(g.pod.spec, sp) })).filter((x) => !x.r.ok);
    if (failing.length === 0) return;
    const failingPods = failing.flatMap((x) => x.g.pods);
    const all = failing.length === groups.length;
    const evidence: Evidence[] = [
      { kind: 'port', object: a.ref, field: `spec.ports[${i}].targetPort`, value: `${q(t)} (${protocolOf(sp)})` },
    ];
    for (const { g, r } of failing) {
      if (!r.ok) evidence.push(groupEvidence(g, r.reason));
    }
    if (a.s.hasStatus && a.s.endpointsKnown) {
      const podNames = new Set(failingPods.map((p) => p.metadata.name));
      const listed = a.rows.filter((r) => r.pod && podNames.has(r.pod) && !r.ports.some((p) => p.name === (sp.name ?? '')));
      const slices = [...new Set(listed.map((r) => r.slice))];
      for (const sl of slices) {
        evidence.push({
          kind: 'endpointslice',
          object: { kind: 'EndpointSlice', namespace: a.ns, name: sl },
          value: `lists ${names(
            listed.filter((r) => r.slice === sl).map((r) => ({ metadata: { name: r.pod! } })),
            3,
          )} without port ${q(sp.name ?? '')}`,
        });
      }
      evidence.push({
        kind: 'endpoints',
        value: `ready endpoints for Service port ${servicePortKey(sp)}: ${readyCountForPort(a.rows, sp)}`,
      });
    }
    const first = failing[0]!.r;
    let hint: string;
    const near = !first.ok ? first.near?.[0] : undefined;
    if (!all) {
      hint = `name the container port ${q(t)} (with protocol ${protocolOf(sp)}) in ${containerPath(failing[0]!.g)}, as the other matching pods do${near ? ` (it is ${q(near.port.name!)} there now)` : ''}`;
    } else if (near && near.port.name === t) {
      hint = `make the protocols agree: set spec.ports[${i}].protocol to ${near.protocol}, or the container port ${q(t)} to ${protocolOf(sp)}`;
    } else if (near) {
      hint = `set spec.ports[${i}].targetPort to ${q(near.port.name!)} (or ${near.port.containerPort}), or rename the container port to ${q(t)} in ${containerPath(failing[0]!.g)}`;
    } else {
      const declared = declaredPorts(failing[0]!.g.pod.spec);
      const same = declared.filter((d) => d.protocol === protocolOf(sp));
      hint =
        same.length === 1
          ? `set spec.ports[${i}].targetPort to ${same[0]!.port.name ? `${q(same[0]!.port.name)} or ` : ''}${same[0]!.port.containerPort} (the only ${protocolOf(sp)} port the container declares), or name that container port ${q(t)} in ${containerPath(failing[0]!.g)}`
          : declared.length > 0
            ? `set spec.ports[${i}].targetPort to the number the app listens on (declared: ${declared.map(describeDeclared).join(', ')}), or name that container port ${q(t)} in ${containerPath(failing[0]!.g)}`
            : `declare the port with name: ${t} in ${containerPath(failing[0]!.g)}, or set spec.ports[${i}].targetPort to the number the app listens on`;
    }
    out.push(
      finding(
        'target-port-not-found',
        `Service port ${servicePortKey(sp)} targets the container port named ${q(t)}, but ${all ? (a.matching.length === 1 ? (a.matching[0]!.metadata.name.includes('/') ? `the pod template of ${a.matching[0]!.metadata.name} does not declare it` : 'the matching pod does not declare it') : `none of the ${a.matching.length} matching ${a.s.hasStatus ? 'pods' : 'pods/templates'} declares it`) : `${failingPods.length} of ${a.matching.length} matching pods ${failingPods.length === 1 ? 'does' : 'do'} not declare it`} for ${protocolOf(sp)}: the endpoint controller leaves this port out of ${all ? 'every endpoint' : 'their endpoints'}${a.s.hasStatus ? ', even for Ready pods' : ''}.`,
        evidence,
        hint,
        a.ref,
        all ? 'error' : 'warning',
      ),
    );
  });
  return out;
};

/** `target-port-not-declared`: a numeric targetPort no container declares. */
export const targetPortNotDeclared: Check = (a) => {
  const out: Finding[] = [];
  const groups = podsBySpec(a);
  a.ports.forEach((sp, i) => {
    const t = targetPortOf(sp);
    if (typeof t !== 'number') return;
    const omitted = sp.targetPort === undefined || sp.targetPort === 0;
    const misses = groups.filter((g) => !declaredPorts(g.pod.spec).some((d) => d.port.containerPort === t));
    if (misses.length === 0) return;
    const withPorts = misses.filter((g) => declaredPorts(g.pod.spec).length > 0);
    const severity: Severity = withPorts.length > 0 ? 'warning' : 'info';
    const field = omitted ? `spec.ports[${i}].port` : `spec.ports[${i}].targetPort`;
    const evidence: Evidence[] = [
      { kind: 'port', object: a.ref, field, value: `${t}${omitted ? ' (targetPort omitted, so it defaults to port)' : ''}` },
    ];
    for (const g of misses) {
      const declared = declaredPorts(g.pod.spec);
      evidence.push(groupEvidence(g, `declared ports: ${declared.length > 0 ? declared.map(describeDeclared).join(', ') : 'none'}`));
    }
    const declared = withPorts.length > 0 ? declaredPorts(withPorts[0]!.pod.spec).filter((d) => d.protocol === protocolOf(sp)) : [];
    out.push(
      finding(
        'target-port-not-declared',
        severity === 'warning'
          ? `Service port ${servicePortKey(sp)} sends traffic to port ${t}${omitted ? ' (targetPort is omitted, so it is the same as port)' : ''}, but the containers declare ${declared.map((d) => d.port.containerPort).join(', ') || 'other ports'}: probably the wrong number.`
          : `Service port ${servicePortKey(sp)} sends traffic to port ${t}; the containers declare no ports, so kdiag cannot tell whether anything listens there.`,
        evidence,
        severity === 'warning'
          ? `set spec.ports[${i}].targetPort to ${declared[0] ? `${declared[0].port.containerPort}${declared[0].port.name ? ` (or ${q(declared[0].port.name)})` : ''}` : 'the port the app listens on'}; if the app really listens on ${t}, declare it in ${containerPath(withPorts[0]!)}`
          : `declare the port the app listens on in ${containerPath(misses[0]!)} (containerPort: ${t}) so tools and named targetPorts can check it`,
        a.ref,
        severity,
      ),
    );
  });
  return out;
};

/** `protocol-mismatch`: the number is declared, but with another protocol. */
export const protocolMismatch: Check = (a) => {
  const out: Finding[] = [];
  const groups = podsBySpec(a);
  a.ports.forEach((sp, i) => {
    const t = targetPortOf(sp);
    if (typeof t !== 'number') return;
    const proto = protocolOf(sp);
    const bad = groups
      .map((g) => ({ g, d: declaredPorts(g.pod.spec).filter((d) => d.port.containerPort === t) }))
      .filter((x) => x.d.length > 0 && !x.d.some((d) => d.protocol === proto));
    if (bad.length === 0) return;
    const other = bad[0]!.d[0]!;
    out.push(
      finding(
        'protocol-mismatch',
        `Service port ${servicePortKey(sp)} is ${proto} but the container declares port ${t} as ${other.protocol}: ${proto} traffic finds nothing listening.`,
        [
          { kind: 'port', object: a.ref, field: `spec.ports[${i}].protocol`, value: proto },
          ...bad.map(({ g, d }): Evidence => groupEvidence(g, d.map(describeDeclared).join(', '))),
        ],
        `set spec.ports[${i}].protocol to ${other.protocol} (add a second Service port entry if both protocols are served), or fix the container port's protocol`,
        a.ref,
      ),
    );
  });
  return out;
};

/** `headless-port-remap`: a headless Service whose port differs from its target port. */
export const headlessPortRemap: Check = (a) => {
  if (!isHeadless(a.svc) || !a.selector) return [];
  const out: Finding[] = [];
  const sample = podsBySpec(a)[0]?.pod;
  a.ports.forEach((sp, i) => {
    const t = targetPortOf(sp);
    const resolved =
      typeof t === 'number'
        ? t
        : sample
          ? (() => {
              const r = findPort(sample.spec, sp);
              return r.ok ? r.port : undefined;
            })()
          : undefined;
    if (resolved === undefined || resolved === sp.port) return;
    out.push(
      finding(
        'headless-port-remap',
        `Service ${q(a.svc.metadata.name)} is headless, so clients connect to pod IPs directly: port ${sp.port} is not remapped to targetPort ${resolved}${typeof t === 'string' ? ` (${q(t)})` : ''}.`,
        [
          { kind: 'field', object: a.ref, field: 'spec.clusterIP', value: 'None' },
          { kind: 'port', object: a.ref, field: `spec.ports[${i}]`, value: `port ${sp.port}, targetPort ${t}` },
        ],
        `set spec.ports[${i}].port to ${resolved} so clients dial the port the pods listen on, or give the Service a cluster IP`,
        a.ref,
      ),
    );
  });
  return out;
};

// ---------------------------------------------------------------------------------------------------------------
// Endpoints

function readySince(p: Pod): string | undefined {
  return condition(p, 'Ready') ? (p.status?.conditions ?? []).find((c) => c.type === 'Ready')?.lastTransitionTime : undefined;
}

/** `endpoints-not-reconciled`: Ready pods missing from every EndpointSlice. */
/** How long after turning Ready a pod may be missing from the EndpointSlices before it counts as not reconciled. */
const RECONCILE_GRACE_MS = 10_000;

export const endpointsNotReconciled: Check = (a) => {
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
        : `${plural(a.s.endpointSlices.length, 'EndpointSlice')} ${a.s.endpointSlices.length === 1 ? 'lists' : 'list'} ${plural(a.rows.length, 'address', 'addresses')}`,
  });
  return [
    finding(
      'endpoints-not-reconciled',
      `${plural(missing.length, 'Ready matching pod')} ${missing.length === 1 ? 'is' : 'are'} missing from every EndpointSlice: ${gone.length > 0 ? `${gone.length === 1 ? 'its node is' : 'their nodes are'} gone (${gone.join(', ')})` : 'the endpoint controller has not reconciled them'}.`,
      evidence,
      gone.length > 0
        ? `delete the pods so their workload recreates them on a live node: kubectl delete pod ${missing
            .slice(0, 3)
            .map((p) => p.metadata.name)
            .join(' ')} -n ${a.ns}`
        : 'check kube-controller-manager (kubectl get pods -n kube-system -l component=kube-controller-manager) and its logs for EndpointSlice errors',
      a.ref,
    ),
  ];
};

// ---------------------------------------------------------------------------------------------------------------
// NetworkPolicy and traffic policies

function isIngressPolicy(np: NetworkPolicy): boolean {
  const types = np.spec?.policyTypes;
  return !types || types.length === 0 ? true : types.includes('Ingress');
}

function ruleAllows(np: NetworkPolicy, pod: Pod, port: number, proto: string): boolean {
  for (const rule of np.spec?.ingress ?? []) {
    const ports = rule.ports ?? [];
    if (ports.length === 0) return true;
    for (const p of ports) {
      if ((p.protocol ?? 'TCP') !== proto) continue;
      if (p.port === undefined) return true;
      if (typeof p.port === 'number') {
        if (port >= p.port && port <= (p.endPort ?? p.port)) return true;
      } else if (declaredPorts(pod.spec).some((d) => d.port.name === p.port && d.port.containerPort === port && d.protocol === proto)) {
        return true;
      }
    }
  }
  return false;
}

/** `network-policy-isolated`: NetworkPolicies select the pods and allow nothing on the target port. */
export const networkPolicyIsolated: Check = (a) => {
  const policies = (a.s.networkPolicies ?? []).filter(isIngressPolicy);
  if (!a.selector || policies.length === 0) return [];
  const out: Finding[] = [];
  const groups = podsBySpec(a);
  a.ports.forEach((sp) => {
    const proto = protocolOf(sp);
    const blocked: { pod: Pod; port: number; pols: NetworkPolicy[] }[] = [];
    for (const g of groups) {
      const r = findPort(g.pod.spec, sp);
      if (!r.ok) continue;
      const selecting = policies.filter((np) => matchesLabelSelector(np.spec?.podSelector ?? {}, g.pod.metadata.labels));
      if (selecting.length === 0) continue;
      if (!selecting.some((np) => ruleAllows(np, g.pod, r.port, proto))) blocked.push({ pod: g.pod, port: r.port, pols: selecting });
    }
    if (blocked.length === 0) return;
    const b = blocked[0]!;
    const evidence: Evidence[] = b.pols.map((np) => ({
      kind: 'networkpolicy',
      object: refOf(np, 'NetworkPolicy'),
      value: `selects ${b.pod.metadata.name.includes('/') ? b.pod.metadata.name : `pod ${b.pod.metadata.name}`} (podSelector ${selectorToString(np.spec?.podSelector ?? {}) || '{} (all pods)'}); ingress ports allowed: ${describeAllowed(np)}`,
    }));
    const usesServicePort = b.port !== sp.port && b.pols.some((np) => ruleAllows(np, b.pod, sp.port, proto));
    out.push(
      finding(
        'network-policy-isolated',
        `NetworkPolicy ${b.pols.map((np) => np.metadata.name).join(', ')} select${b.pols.length === 1 ? 's' : ''} the pods for ingress and allow${b.pols.length === 1 ? 's' : ''} nothing on target port ${b.port}/${proto} (Service port ${servicePortKey(sp)}): connections are dropped although endpoints look healthy.${usesServicePort ? ` A rule allows ${sp.port}, the Service port, but policies apply to the pod's port.` : ''}`,
        evidence,
        usesServicePort
          ? `change the policy's port from ${sp.port} to ${b.port} (the container port; policies see traffic after the Service translated it)`
          : `add an ingress rule for port ${b.port}/${proto} from the clients to ${b.pols[0]!.metadata.name}: kubectl edit networkpolicy ${b.pols[0]!.metadata.name} -n ${a.ns}`,
        a.ref,
      ),
    );
  });
  return out;
};

function describeAllowed(np: NetworkPolicy): string {
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

function nodesWithReadyEndpoints(a: Analysis): string[] {
  return [...new Set(a.rows.filter((r) => r.ready && r.nodeName).map((r) => r.nodeName!))].sort();
}

/** `external-traffic-policy-local`: only nodes with a ready endpoint accept external traffic. */
export const externalTrafficPolicyLocal: Check = (a) => {
  const type = a.svc.spec?.type;
  if ((type !== 'NodePort' && type !== 'LoadBalancer') || a.svc.spec?.externalTrafficPolicy !== 'Local') return [];
  const nodes = nodesWithReadyEndpoints(a);
  return [
    finding(
      'external-traffic-policy-local',
      `Service ${q(a.svc.metadata.name)} has externalTrafficPolicy: Local: traffic from outside the cluster is only accepted by nodes running a ready endpoint${a.s.hasStatus ? ` (${nodes.length > 0 ? nodes.join(', ') : 'none now'})` : ''}.`,
      [{ kind: 'field', object: a.ref, field: 'spec.externalTrafficPolicy', value: 'Local' }],
      'expected with Local (it preserves client IPs); use externalTrafficPolicy: Cluster to accept traffic on every node',
      a.ref,
    ),
  ];
};

/** `internal-traffic-policy-local`: in-cluster clients only reach endpoints on their own node. */
export const internalTrafficPolicyLocal: Check = (a) => {
  if (a.svc.spec?.internalTrafficPolicy !== 'Local') return [];
  const nodes = nodesWithReadyEndpoints(a);
  return [
    finding(
      'internal-traffic-policy-local',
      `Service ${q(a.svc.metadata.name)} has internalTrafficPolicy: Local: in-cluster clients only reach endpoints on their own node${a.s.hasStatus ? ` (ready endpoints on: ${nodes.length > 0 ? nodes.join(', ') : 'no node'})` : ''}.`,
      [{ kind: 'field', object: a.ref, field: 'spec.internalTrafficPolicy', value: 'Local' }],
      'set spec.internalTrafficPolicy: Cluster unless every client node runs an endpoint (a DaemonSet)',
      a.ref,
    ),
  ];
};

/** `session-affinity`: ClientIP stickiness. */
export const sessionAffinity: Check = (a) => {
  if (a.svc.spec?.sessionAffinity !== 'ClientIP') return [];
  return [
    finding(
      'session-affinity',
      `Service ${q(a.svc.metadata.name)} has sessionAffinity: ClientIP: each client sticks to one pod, so load looks unbalanced and a client can keep hitting a bad pod.`,
      [{ kind: 'field', object: a.ref, field: 'spec.sessionAffinity', value: 'ClientIP' }],
      'set spec.sessionAffinity: None unless the application needs sticky sessions',
      a.ref,
    ),
  ];
};

/** `load-balancer-pending`: a LoadBalancer without an external address. */
export const loadBalancerPending: Check = (a) => {
  if (!a.s.hasStatus || a.svc.spec?.type !== 'LoadBalancer' || (a.svc.status?.loadBalancer?.ingress?.length ?? 0) > 0) return [];
  const evidence: Evidence[] = [{ kind: 'field', object: a.ref, field: 'status.loadBalancer.ingress', value: '(empty)' }];
  const ev = eventsFor(a.s.events, a.svc, 'Service')[0];
  if (ev) evidence.push({ kind: 'event', object: a.ref, value: `${ev.reason ?? ''}: ${ev.message ?? ''}` });
  return [
    finding(
      'load-balancer-pending',
      `LoadBalancer Service ${q(a.svc.metadata.name)} has no external address${a.svc.metadata.creationTimestamp ? ` (created ${a.svc.metadata.creationTimestamp})` : ''}: no load-balancer controller has provisioned one${ev ? `; last event: ${ev.reason}` : ''}.`,
      evidence,
      'install or fix the load-balancer controller (cloud controller manager, MetalLB); meanwhile reach it through its NodePort or kubectl port-forward',
      a.ref,
    ),
  ];
};

/** What a denied read prevented, in user terms. */
function deniedMeans(resource: string, allNamespaces: boolean): string {
  if (resource === 'pods')
    return allNamespaces
      ? 'pods matching the selector in other namespaces were not looked for'
      : "the namespace's pods were not compared with the selector (near misses)";
  if (resource === 'nodes') return "the pods' nodes were not checked (NotReady, gone)";
  if (resource === 'events') return 'events (probe failure messages, scheduling failures) were not read';
  if (resource.startsWith('networkpolicies')) return 'NetworkPolicies were not checked';
  if (resource.startsWith('endpointslices')) return 'EndpointSlices were not read (legacy Endpoints were used if allowed)';
  if (resource === 'endpoints') return 'legacy Endpoints were not read';
  if (resource === 'namespaces') return 'whether the namespace exists was not checked';
  if (resource === 'services')
    return allNamespaces
      ? 'Services of the same name in other namespaces were not looked for'
      : "the namespace's Service names were not read";
  if (/^(deployments|statefulsets|daemonsets|replicasets)/.test(resource))
    return 'workloads were not checked (scaled to zero, template labels)';
  return `${resource} were not read`;
}

/** `rbac-partial`: one info finding per distinct denied read. */
export function rbacPartial(s: ServiceSnapshot): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const d of s.denied) {
    const key = `${d.verb}|${d.resource}|${d.namespace ?? '*'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const clusterScoped = d.resource === 'namespaces' || d.resource === 'nodes';
    const scope = d.namespace ? `in namespace ${d.namespace}` : clusterScoped ? 'at cluster scope' : 'across all namespaces';
    out.push(
      finding(
        'rbac-partial',
        `Could not ${d.verb} ${d.resource} ${scope}: ${deniedMeans(d.resource, !d.namespace)}.`,
        [{ kind: 'rbac', value: `${d.verb} ${d.resource} ${scope}: ${d.message}` }],
        `ask for permission to ${d.verb} ${d.resource} ${scope}; check with: kubectl auth can-i ${d.verb} ${d.resource}${d.namespace ? ` -n ${d.namespace}` : clusterScoped ? '' : ' -A'}`,
      ),
    );
  }
  return out;
}
