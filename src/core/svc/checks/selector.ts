import { distance } from 'fastest-levenshtein';
import type { Evidence, ObjectRef } from '../../finding.js';
import { ownerOf } from '../../k8s/pods.js';
import { formatRef, refKey, refOf } from '../../k8s/refs.js';
import { keyEvidence, matchesMap, rankNearMisses, selectorToString, type NearMiss } from '../../k8s/selectors.js';
import type { KubeObject, Pod } from '../../k8s/types.js';
import { isTemplatePod, selectsByKey, templatePod, topWorkloads } from '../../k8s/workloads.js';
import { workloadsMatchingTemplate, type Analysis } from './analysis.js';
import { defineCheck, finding } from './check.js';
import { names, plural, q } from '../../words.js';

// The selector: nothing matches (near misses, other namespaces) or too much does (several workloads).

function podsElsewhere(a: Analysis): KubeObject[] {
  return (a.s.podsAllNamespaces ?? []).filter((p) => p.metadata.namespace !== a.ns && matchesMap(a.selector, p.metadata.labels));
}

/** `pods-in-other-namespace`: the selector matches pods only in other namespaces. */
export const podsInOtherNamespace = defineCheck({
  name: 'podsInOtherNamespace',
  codes: ['pods-in-other-namespace'],
  stage: 'selector',
  run: (a) => {
    if (!a.selector || a.matching.length > 0) return [];
    const elsewhere = podsElsewhere(a);
    if (elsewhere.length === 0 || workloadsMatchingTemplate(a).length > 0) return [];
    const byNs = new Map<string, KubeObject[]>();
    for (const p of elsewhere) byNs.set(p.metadata.namespace ?? '', [...(byNs.get(p.metadata.namespace ?? '') ?? []), p]);
    const nss = [...byNs.keys()].sort();
    const where = `namespace${nss.length > 1 ? 's' : ''} ${nss.join(', ')}`;
    return [
      finding(
        'pods-in-other-namespace',
        `No pod in namespace ${q(a.ns)} matches ${selectorToString(a.selector)}, but ${plural(elsewhere.length, 'pod')} in ${where} ` +
          `${elsewhere.length === 1 ? 'does' : 'do'}: a Service only selects pods in its own namespace.`,
        nss.map((ns): Evidence => ({ kind: 'pods', object: { kind: 'Namespace', name: ns }, value: names(byNs.get(ns)!) })),
        `create the Service in namespace ${nss[0]} (clients elsewhere then use ${a.svc.metadata.name}.${nss[0]}), ` +
          `or run the pods in namespace ${a.ns}`,
        a.ref,
      ),
    ];
  },
});

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
    const keys = m.keys.map((k) => `${k.key}:${k.status}:${k.actual ?? ''}:${k.similarKey?.key ?? ''}`);
    const key = `${refKey(ownerOf(m.item))}|${keys.join(',')}`;
    const g = groups.get(key);
    if (g) g.items.push(m.item);
    else groups.set(key, { items: [m.item], miss: m });
  }
  return [...groups.values()];
}

/** `selector-no-match`: nothing matches; explains the nearest pods key by key. */
export const selectorNoMatch = defineCheck({
  name: 'selectorNoMatch',
  codes: ['selector-no-match'],
  stage: 'selector',
  run: (a) => {
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
          `check that the pods are deployed in namespace ${a.ns} (kubectl get pods -n ${a.ns} --show-labels) ` +
            'and that spec.selector names their labels',
          a.ref,
        ),
      ];
    }
    for (const g of groups) {
      const template = isTemplatePod(g.items[0]!);
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
    const bad = best.miss.keys.filter((k) => k.status !== 'matched');
    const verb = best.items.length > 1 ? 'carry' : 'carries';
    const message = `No ${what} matches the selector ${sel}: the closest, ${closest(best.items)}, ${verb} ${bad.map(diffText).join(', ')}.`;
    return [finding('selector-no-match', message, evidence, noMatchHint(a, best.items[0]!, bad), a.ref)];
  },
});

type KeyDiff = NearMiss<KubeObject>['keys'][number];

/** The closest pods: `the pod template of deployment/web`, `3 pods of deployment/web (a, b, c)`, `pod x`. */
function closest(items: readonly KubeObject[]): string {
  const first = items[0]!;
  const owner = ownerOf(first);
  const of = owner ? ` of ${formatRef(owner)}` : '';
  if (isTemplatePod(first)) return `the pod template of ${first.metadata.name}`;
  if (items.length > 1) return `${items.length} pods${of} (${names(items, 3)})`;
  return `pod ${first.metadata.name}${of}`;
}

/** How one selector key differs on the closest pod. */
function diffText(k: KeyDiff): string {
  if (k.status === 'differs') {
    let why = '';
    if (k.caseOnly) why = ' (differs only in case)';
    else if (k.smallEdit) why = ` (${k.distance} edit${k.distance === 1 ? '' : 's'} away: a typo?)`;
    return `${k.key}=${k.actual} instead of ${k.key}=${k.want}${why}`;
  }
  if (k.similarKey) return `${k.similarKey.key}=${k.similarKey.value} instead of ${k.key}=${k.want} (a similar key)`;
  return `no ${k.key} label (the selector wants ${k.key}=${k.want})`;
}

/** Patch the Service to the pod's labels, or the pod template to the selector's (noting an immutable selector). */
function noMatchHint(a: Analysis, bestItem: KubeObject, bad: readonly KeyDiff[]): string {
  const owner = ownerOf(bestItem);
  const svcPatch: Record<string, string | null> = {};
  for (const k of bad) {
    if (k.status === 'differs') svcPatch[k.key] = k.actual!;
    else if (k.similarKey) {
      svcPatch[k.key] = null;
      svcPatch[k.similarKey.key] = k.similarKey.value;
    } else svcPatch[k.key] = null;
  }
  const isTemplate = isTemplatePod(bestItem);
  let templatePath = `the pod's labels`;
  if (owner && owner.kind !== 'Pod') templatePath = `spec.template.metadata.labels of ${formatRef(owner)}`;
  else if (isTemplate) templatePath = `spec.template.metadata.labels of ${bestItem.metadata.name}`;
  const ownerName = owner?.name ?? (isTemplate ? bestItem.metadata.name.split('/')[1] : undefined);
  const ownerWl = topWorkloads(a.s.workloads).find((w) => w.metadata.name === ownerName && (!owner || w.kind === owner.kind));
  const immutable =
    ownerWl?.spec?.selector && bad.some((k) => selectsByKey(ownerWl, k.similarKey?.key ?? k.key))
      ? ` (${ownerWl.kind?.toLowerCase()}/${ownerWl.metadata.name} also selects its pods by this label in spec.selector, ` +
        `which is immutable: changing it means recreating the ${ownerWl.kind})`
      : '';
  const podSide = bad.map((k) => `${k.key}: ${k.want}`).join(', ');
  const patch = JSON.stringify({ spec: { selector: svcPatch } });
  return (
    `make the Service selector match the pods: kubectl patch service ${a.svc.metadata.name} -n ${a.ns} --type merge -p '${patch}'; ` +
    `or set ${podSide} in ${templatePath}${immutable}`
  );
}

/** `selector-spans-workloads`: the matching pods belong to more than one workload. */
export const selectorSpansWorkloads = defineCheck({
  name: 'selectorSpansWorkloads',
  codes: ['selector-spans-workloads'],
  stage: 'selector',
  run: (a) => {
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
      value:
        `${plural(g.pods.length, a.s.hasStatus ? 'pod' : 'template')}${a.s.hasStatus ? `: ${names(g.pods, 3)}` : ''}` +
        `${g.owner ? '' : ' without an owner'}`,
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
    const label = (g: { owner: ObjectRef | undefined }) => (g.owner ? formatRef(g.owner) : 'pods without an owner');
    return [
      finding(
        'selector-spans-workloads',
        `The selector ${selectorToString(a.selector)} matches pods of ${list.length} workloads (${list.map(label).join(', ')}): ` +
          'traffic is spread over all of them.',
        evidence,
        distinct
          ? `if only ${label(preferred)} should serve, add ${distinct[0]}: ${distinct[1]} to spec.selector (only its pods carry it)`
          : `give the intended workload's pod template a label the others lack and add it to spec.selector`,
        a.ref,
      ),
    ];
  },
});
