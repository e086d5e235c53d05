import { defineCatalogue, entryOf, makeFinding, type CodeOf, type TypedEntry } from '../catalogue.js';
import type { Finding } from '../finding.js';
import { describePodSelector } from '../k8s/netpol.js';
import { refOf } from '../k8s/refs.js';
import { matchesLabelSelector, requirementsOf, SelectorSyntaxError } from '../k8s/selectors.js';
import type { NetworkPolicy, Pod } from '../k8s/types.js';
import { q } from '../words.js';
import { compareText } from '../compare.js';

/**
 * Findings only `kdiag audit` reports: about a namespace's objects rather than one Service, so they sit in the
 * audit's top-level findings (no Service row). Stage `namespace`: they come before the Services' findings.
 */
export const AUDIT_CATALOGUE = [
  {
    code: 'network-policy-selects-no-pods',
    area: 'audit',
    stage: 'namespace',
    severities: ['warning'],
    title: 'NetworkPolicy selects no pods',
    meaning:
      'The policy\u2019s podSelector matches no pod in its namespace, so it protects nothing: a typo in a label, pods relabelled since, or a policy left behind by a removed app.',
    detection:
      'For each NetworkPolicy with a non-empty spec.podSelector (an empty one selects every pod, by design), no pod of its namespace (read in bulk by the audit) carries the selected labels. Offline, only when the input holds pods.',
    fix: 'Fix the podSelector to the labels the pods carry (kubectl get pods -n <namespace> --show-labels), or delete the policy if its app is gone.',
  },
] as const satisfies readonly TypedEntry<string, 'namespace'>[];

export type AuditCode = CodeOf<typeof AUDIT_CATALOGUE>;

export const AUDIT_CODES: ReadonlyMap<string, (typeof AUDIT_CATALOGUE)[number]> = defineCatalogue(AUDIT_CATALOGUE);

/**
 * `network-policy-selects-no-pods`: one warning per NetworkPolicy whose non-empty podSelector matches none of the
 * pods of its namespace (`pods`: the scope's pods; a namespace with none counts as having none).
 */
export function policiesSelectingNoPods(policies: readonly NetworkPolicy[], pods: readonly Pod[], defaultNs: string): Finding[] {
  const byNs = new Map<string, Pod[]>();
  for (const p of pods) {
    const ns = p.metadata.namespace ?? defaultNs;
    const list = byNs.get(ns);
    if (list) list.push(p);
    else byNs.set(ns, [p]);
  }
  const entry = entryOf(AUDIT_CODES, 'network-policy-selects-no-pods');
  const out: Finding[] = [];
  const sorted = [...policies].sort(
    (a, b) => compareText(a.metadata.namespace ?? '', b.metadata.namespace ?? '') || compareText(a.metadata.name, b.metadata.name),
  );
  for (const np of sorted) {
    const sel = np.spec?.podSelector ?? {};
    let reqs;
    try {
      reqs = requirementsOf(sel);
    } catch (e) {
      if (e instanceof SelectorSyntaxError) continue; // the API server rejects such a policy; nothing to say about it
      throw e;
    }
    if (reqs.length === 0) continue;
    const ns = np.metadata.namespace ?? defaultNs;
    const inNs = byNs.get(ns) ?? [];
    if (inNs.some((p) => matchesLabelSelector(sel, p.metadata.labels))) continue;
    const selector = describePodSelector(np);
    const ref = { ...refOf(np, 'NetworkPolicy'), namespace: ns };
    out.push(
      makeFinding(entry, {
        message: `NetworkPolicy ${q(np.metadata.name)} in namespace ${q(ns)} selects no pods (podSelector ${selector}): it protects nothing.`,
        evidence: [
          { kind: 'field', object: ref, field: 'spec.podSelector', value: selector },
          {
            kind: 'pods',
            value: inNs.length === 0 ? `namespace ${ns} has no pods` : `none of the ${inNs.length} pods of namespace ${ns} match`,
          },
        ],
        hint: `compare with the pods' labels: kubectl get pods -n ${ns} --show-labels; fix spec.podSelector, or delete the policy if its app is gone: kubectl delete networkpolicy ${np.metadata.name} -n ${ns}`,
        object: ref,
      }),
    );
  }
  return out;
}

/** The builders above and the codes each emits. */
export const AUDIT_EMITTERS: readonly { name: string; codes: readonly AuditCode[] }[] = [
  { name: 'policiesSelectingNoPods', codes: ['network-policy-selects-no-pods'] },
];
